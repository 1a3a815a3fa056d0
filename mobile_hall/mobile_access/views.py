"""`GET /mobile-access/manifest.json`: polled by the province, 304 when unchanged."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from . import services

blueprint = Blueprint("mobile_access", __name__, url_prefix="/mobile-access")

# A compressed body's ETag is tagged with its encoding ("<tag>:gzip", `common.compression`).
ENCODINGS = ("", ":br", ":gzip")


@blueprint.get("/manifest.json")
def manifest() -> Response:
    """The access manifest with a strong ETag; a matching `If-None-Match` gets 304, no body."""
    document = services.current_manifest()
    cache_control = f"public, max-age={current_app.config['MANIFEST_MAX_AGE']}"
    for suffix in ENCODINGS:
        tag = document.etag + suffix
        if request.if_none_match.contains(tag) or request.if_none_match.star_tag:
            response = Response(status=304)
            response.set_etag(tag)
            response.headers["Cache-Control"] = cache_control
            return response
    response = Response(document.body, mimetype="application/json")
    response.set_etag(document.etag)
    response.headers["Cache-Control"] = cache_control
    return response
