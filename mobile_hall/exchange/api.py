"""`GET /api/v1/exchange/records`: the record log for a client with an API key, in JSON.

Declared like every endpoint of the API (`api.openapi.endpoint`): a key with the
``exchange_records`` capability (each call audited), ``after`` and ``limit`` checked by
`PullQuery`, the answer a `RecordPage`, errors as problem details; so it is in
`/api/v1/openapi.json` and `/api/docs`. No session and no CSRF token: the key is the credential,
and nothing here changes data.
"""

from __future__ import annotations

from flask import Blueprint, g

from ..api.constants import Capability
from ..api.keys import actor_of
from ..api.openapi import endpoint
from ..api.problems import answer_problems
from ..extensions import csrf
from . import services
from .schema import PullQuery, RecordPage

blueprint = Blueprint("exchange_api", __name__, url_prefix="/api/v1/exchange")
csrf.exempt(blueprint)
answer_problems(blueprint)


@blueprint.get("/records")
@endpoint(
    "GET",
    "/api/v1/exchange/records",
    "按序号拉取全区过程记录",
    tag="exchange",
    capability=Capability.EXCHANGE_RECORDS,
    query=PullQuery,
    response=RecordPage,
)
def records(query: PullQuery) -> RecordPage:
    """Records after the sequence ``after`` (default 0), at most ``limit`` (1–1000, default
    100), in sequence order; ``next_after`` is the ``after`` of the next page. A record whose
    transaction commits late gets a later sequence, so no page ever passes it by."""
    return services.pull_records(actor_of(g.api_key), query.after, query.limit)
