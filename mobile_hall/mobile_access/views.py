"""`GET /mobile-access/manifest.json`: polled by the province, 304 when unchanged."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from . import services

blueprint = Blueprint("mobile_access", __name__, url_prefix="/mobile-access")


@blueprint.get("/manifest.json")
def manifest() -> Response:
    """The access manifest with a strong ETag; a matching `If-None-Match` gets 304, no body
    (Flask-Compress answers for the tag of a compressed copy, `"<tag>:gzip"`)."""
    document = services.current_manifest()
    response = Response(document.body, mimetype="application/json")
    response.set_etag(document.etag)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['MANIFEST_MAX_AGE']}"
    response.make_conditional(request)  # in place (werkzeug types its result as its own class)
    return response
