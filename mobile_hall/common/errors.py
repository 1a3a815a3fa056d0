"""The refusals every domain's services may raise, and the one place they become HTTP errors."""

from __future__ import annotations

from flask import Flask, current_app
from werkzeug import exceptions as http


class NotFound(Exception):
    """Nothing under that id that this person may see (shown as 404, never 403).

    Each domain's "not found" (`ApplicationNotFound`, `LicenseNotFound`, ...) is one of these.
    """


class NotAuthorized(Exception):
    """The signed-in person may not see or do this (shown as 403, whatever the URL)."""


def _not_found(_refusal: NotFound):
    # Through the HTTP error handlers, so the page is the one `abort(404)` shows (or a
    # blueprint's own, such as the licence API's JSON).
    return current_app.handle_http_exception(http.NotFound())


def _forbidden(_refusal: NotAuthorized):
    return current_app.handle_http_exception(http.Forbidden())


def init_errors(app: Flask) -> None:
    """Answer the services' refusals as 404 and 403 through the app's HTTP error handlers."""
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(NotAuthorized, _forbidden)
