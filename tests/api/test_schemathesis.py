"""schemathesis feeds every endpoint of the OpenAPI document, with a valid key holding every
capability, valid and invalid input generated from the document: never a 5xx, never an
answer (status, media type, body) the document does not describe. Bounded for CI."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks as openapi

from mobile_hall.api.constants import Capability
from tests.support.api import apply, make_department

EXAMPLES = 8  # per operation and mode: enough to find a 500, short enough for CI
CHECKS = [
    not_a_server_error,
    openapi.status_code_conformance,
    openapi.content_type_conformance,
    openapi.response_schema_conformance,
]


def test_every_endpoint_answers_within_its_document(app, app_context):
    department = make_department(capabilities=list(Capability))
    application_id = apply(department)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    assert "/api/v1/exchange/records" in {operation.path for operation in operations}
    for operation in operations:
        known = {"application_id": application_id} if "{application_id}" in operation.path else {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=known or None)

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def check(case):
                # The WSGI transport does not undo Flask-Compress's br: ask for none.
                headers = {**department.headers, "Accept-Encoding": "identity"}
                case.call_and_validate(headers=headers, checks=CHECKS)

            check()
