"""The hall's JSON API for other systems: unit API keys, problem details, idempotent POSTs,
the OpenAPI document, and the departments' application endpoints (`docs/api.md`)."""
