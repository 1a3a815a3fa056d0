"""One JSON line per request, with a request id that the response carries back.

The line names the route (the endpoint), never the path or the query, and nothing about the
person: paths and forms carry ID numbers, names and phones, and logs travel further than the
database (docs/operations.md, "Reading the logs").
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request, request_started
from flask.logging import default_handler

from .metrics import observe_request, request_route

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only when it is plainly an id: anything else could forge log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# The attributes every LogRecord has; the rest came as `extra=` and go into the JSON line.
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

request_logger = logging.getLogger("mobile_hall.requests")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and the `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in _RECORD_FIELDS
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def request_id() -> str:
    """The current request's id (the proxy's `X-Request-ID` when well formed, else new)."""
    return g.get("request_id") or "-"


def _start(_app: Flask, **_extra: object) -> None:
    # The request_started signal comes before any before_request hook, so a request that a
    # hook refuses (a rate limit, a CSRF check) is still timed and logged.
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started_at = time.perf_counter()


def _finish(response: Response) -> Response:
    # Each attribute read once: every read of `request` or `g` goes through a context proxy,
    # and this runs for every request (docs/performance.md).
    started = g.get("request_started_at")
    seconds = time.perf_counter() - started if started is not None else None
    method, route, status = request.method, request_route(request.endpoint), response.status_code
    observe_request(method, route, status, seconds)
    identifier = g.get("request_id")
    if identifier is None:  # the request failed before it started (no session)
        identifier = g.request_id = uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = identifier
    request_logger.info(
        "request",
        extra={
            "request_id": identifier,
            "method": method,
            "endpoint": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1) if seconds is not None else None,
        },
    )
    return response


def _log_to_stderr(app: Flask) -> None:
    """The hall's loggers write JSON lines to stderr (gunicorn passes them to journald)."""
    logger = logging.getLogger("mobile_hall")
    if any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers):
        return  # another app in this process installed it already
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(app.config["LOG_LEVEL"])
    # app.logger is this logger: its plain-text default handler would write each line twice.
    logger.removeHandler(default_handler)


def init_request_log(app: Flask) -> None:
    """Give each request an id, time it, count it and log it as one line."""
    app.config.setdefault("LOG_JSON", True)
    app.config.setdefault("LOG_LEVEL", "INFO")
    request_started.connect(_start, app)
    app.after_request(_finish)
    if app.config["LOG_JSON"]:
        _log_to_stderr(app)
