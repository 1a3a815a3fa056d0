"""Prometheus metrics at `/metrics`, answered only to the operator's networks.

Under gunicorn each worker is a process of its own: when `PROMETHEUS_MULTIPROC_DIR` is set
(before the app is imported), prometheus_client keeps every worker's values in files there and
`/metrics` adds them up (its multiprocess mode, as shipped; docs/operations.md).
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, request
from flask_wtf.csrf import CSRFError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from werkzeug.exceptions import BadRequest

REQUESTS = Counter(
    "mobile_hall_requests_total",
    "Requests answered, by route (the endpoint, never the raw path) and status.",
    ["method", "endpoint", "status"],
)
REQUEST_DURATION = Histogram(
    "mobile_hall_request_duration_seconds",
    "Time from the start of a request to its response, by route.",
    ["method", "endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# Gauges of the workers' pools add up: the deployment's connections to the database.
POOL_CHECKED_OUT = Gauge(
    "mobile_hall_db_pool_checked_out",
    "Database connections in use (taken from the pool and not yet given back).",
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "mobile_hall_db_pool_size",
    "Connections the pools keep open (SQLALCHEMY_ENGINE_OPTIONS pool_size), overflow aside.",
    multiprocess_mode="livesum",
)
RATE_LIMIT_REFUSALS = Counter(
    "mobile_hall_rate_limit_refusals_total",
    "Requests refused with 429 by a rate limit, by route.",
    ["endpoint"],
)
CSRF_REFUSALS = Counter(
    "mobile_hall_csrf_refusals_total",
    "Form posts refused for a missing, expired or wrong CSRF token, by route.",
    ["endpoint"],
)
SIGN_IN_REFUSALS = Counter(
    "mobile_hall_sign_in_refusals_total",
    "Sign-ins refused (the platform's error, or a callback or logout token that failed a "
    "check), by reason.",
    ["reason"],
)
AUDIT_WRITES = Counter(
    "mobile_hall_audit_writes_total",
    "Audit records written, by action.",
    ["action"],
)

blueprint = Blueprint("operations_metrics", __name__)


def request_route(endpoint: str | None) -> str:
    """The route a request is counted and logged under: its endpoint. Unmatched URLs share one
    label: a scanner must not create a series per path it tries."""
    return endpoint or "unmatched"


def _endpoint() -> str:
    return request_route(request.endpoint)


def observe_request(method: str, endpoint: str, status: int, seconds: float | None) -> None:
    """Count a request answered (`endpoint` as `request_route` names it), and its duration when
    its start was seen."""
    REQUESTS.labels(method, endpoint, str(status)).inc()
    if seconds is not None:
        REQUEST_DURATION.labels(method, endpoint).observe(seconds)


def count_rate_limit_refusal(_limit: Any) -> None:
    """Flask-Limiter's `on_breach`: count the refusal; the limiter then answers 429 itself."""
    RATE_LIMIT_REFUSALS.labels(_endpoint()).inc()


def _count_csrf_refusal(error: CSRFError):
    CSRF_REFUSALS.labels(_endpoint()).inc()
    # Then through the HTTP error handlers, so the page is the one `abort(400)` shows.
    return current_app.handle_http_exception(BadRequest(error.description))


def count_sign_in_refusal(reason: str) -> None:
    """Count a refused sign-in under its reason (one of a fixed set of codes)."""
    SIGN_IN_REFUSALS.labels(reason).inc()


def _count_audit_write(_mapper, _connection, event: Any) -> None:
    AUDIT_WRITES.labels(event.action).inc()


def _watch_pool(engine: sa.Engine) -> None:
    POOL_SIZE.set(engine.pool.size() if hasattr(engine.pool, "size") else 1)
    sa.event.listen(engine, "checkout", lambda *_: POOL_CHECKED_OUT.inc())
    sa.event.listen(engine, "checkin", lambda *_: POOL_CHECKED_OUT.dec())


def init_metrics(app: Flask) -> None:
    """Watch the app's connection pool, count CSRF refusals and audit records as inserted."""
    # Imported here: extensions.py imports this module for the limiter's on_breach.
    from ..audit.models import AuditEvent
    from ..extensions import db

    app.config.setdefault("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
    app.register_error_handler(CSRFError, _count_csrf_refusal)
    with app.app_context():
        _watch_pool(db.engine)
    # The model is one per process, however many apps the process builds (the tests).
    if not sa.event.contains(AuditEvent, "after_insert", _count_audit_write):
        sa.event.listen(AuditEvent, "after_insert", _count_audit_write)


def _allowed(address: str | None) -> bool:
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(
        client in ipaddress.ip_network(network, strict=False)
        for network in current_app.config["METRICS_ALLOWED_NETWORKS"]
    )


@blueprint.get("/metrics")
def metrics() -> Response:
    """Every metric in Prometheus' text format, for METRICS_ALLOWED_NETWORKS only (404 to
    anyone else, as if there were no such page)."""
    if not _allowed(request.remote_addr):
        abort(404)
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    response = Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
