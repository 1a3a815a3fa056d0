"""`GET /api/v1/exchange/records`: the record log for a client with an API key, in JSON.

``Authorization: Bearer <key>`` (401 without a valid key); ``after`` and ``limit`` are checked
and a bad one is a 400 naming the parameter. No session and no CSRF token: the key is the
credential, and nothing here changes data.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ..extensions import csrf
from . import services
from .access import pull_client
from .schema import PullQuery

blueprint = Blueprint("exchange_api", __name__, url_prefix="/api/v1/exchange")
csrf.exempt(blueprint)


def _error(status: int, code: str, **details: Any) -> tuple[Response, int]:
    return jsonify({"error": code, **details}), status


@blueprint.before_request
def _authenticate():
    actor = pull_client(request.headers.get("Authorization", ""))
    if actor is None:
        response, status = _error(401, "unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer realm="exchange"'
        return response, status
    g.exchange_actor = actor
    return None


@blueprint.errorhandler(HTTPException)
def _http(error: HTTPException):
    return _error(error.code or 500, (error.name or "error").lower().replace(" ", "_"))


@blueprint.get("/records")
def records():
    """Records after the sequence `after` (default 0), at most `limit` (1–1000, default 100),
    in sequence order; `next_after` is the `after` of the next page."""
    try:
        query = PullQuery.model_validate(request.args.to_dict())
    except ValidationError as invalid:
        problems = [
            {"field": ".".join(str(part) for part in problem["loc"]), "type": problem["type"]}
            for problem in invalid.errors(include_input=False, include_url=False)
        ]
        return _error(400, "invalid", problems=problems)
    page = services.pull_records(g.exchange_actor, query.after, query.limit)
    return Response(page.model_dump_json(), mimetype="application/json")
