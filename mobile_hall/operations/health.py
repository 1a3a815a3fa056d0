"""Health checks: `/healthz` says the process answers, `/readyz` that it can serve.

A load balancer takes a node out of rotation while `/readyz` fails and a supervisor restarts a
process only when `/healthz` fails, so `/healthz` touches nothing outside the process: a
database outage must not make every worker restart at once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify

from ..extensions import db, limiter

blueprint = Blueprint("operations_health", __name__)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/healthz")
def healthz() -> Response:
    """The process lives and answers (no database, no Redis)."""
    return _no_store(jsonify(status="ok"))


def check_database() -> None:
    """One round trip to the database on a pooled connection."""
    with db.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def check_rate_limit_storage() -> None:
    """The rate limits' storage answers (Redis's PING through Flask-Limiter's own storage,
    so Sentinel and Cluster URIs work too); `memory://`, or limits turned off, need none."""
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://") or not current_app.config.get("RATELIMIT_ENABLED", True):
        return  # Flask-Limiter keeps no storage of its own for an app with limits off
    if not limiter.storage.check():
        raise ConnectionError(uri.split("://")[0])


def check_upload_storage() -> None:
    """A file can be created (and removed) in the upload directory."""
    root = Path(current_app.config["UPLOAD_ROOT"])
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, prefix=".readyz-"):
        pass


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "rate_limit_storage": check_rate_limit_storage,
    "upload_storage": check_upload_storage,
}


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Every dependency answers: 200, or 503 naming the checks that failed."""
    failed = []
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure of a dependency is "not ready", by name
            current_app.logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            failed.append(name)
    if failed:
        response = _no_store(jsonify(status="unavailable", failed=failed))
        response.headers["Retry-After"] = "10"
        return response, 503
    return _no_store(jsonify(status="ok")), 200
