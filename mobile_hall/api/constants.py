"""What an API key may do, stored by value."""

from enum import StrEnum


class Capability(StrEnum):
    """A part of the API a key opens; the office picks them when it makes the key."""

    APPLICATIONS = "applications"  # pull the unit's applications, post their steps
    LICENSES = "licenses"  # issue, revoke and look up licences of the key's types
    FULL_RECORD = "full_record"  # applicants' identity numbers and phones in clear (audited)
    EXCHANGE_RECORDS = "exchange_records"  # pull the process record log


# How long a signed link to a material's file works.
FILE_LINK_SECONDS = 600
# An idempotency key still "in progress" after this long belongs to a request that died; a
# retry may take it over (the state machine refuses a step already taken).
IDEMPOTENCY_STALE_SECONDS = 60
# A stored request and its answer are kept this long for retries, then deleted by
# `flask sessions purge`; a retry after that is a new request, and the state machine refuses a
# step already taken (409).
IDEMPOTENCY_KEPT_HOURS = 24
