"""What every page shares: display modes, the asset helper, security headers, error pages."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import TypeGuard
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    g,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from ..clock import as_local
from ..database import DATABASE_UNAVAILABLE
from .pagecache import init_page_cache

ELDER_COOKIE = "elder_mode"
IMMUTABLE = "public, max-age=31536000, immutable"
ERROR_TITLES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    405: "请求方式不支持",
    413: "文件过大",
    429: "操作过于频繁",
    500: "系统繁忙",
    503: "系统繁忙",
}


def is_local_path(target: str | None) -> TypeGuard[str]:
    """Whether `target` is a path on this site (never another host, never `//host`).

    Control characters are refused: a CR or LF cannot go in a `Location` header, and browsers
    drop a tab or newline, so that "/", tab, "/host" would lead to another site.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target


@cache
def _fingerprint(static_folder: str, filename: str) -> str:
    return hashlib.sha256(Path(static_folder, filename).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """The URL of a static file with a content fingerprint, so it can be cached for long."""
    version = _fingerprint(current_app.static_folder or "", filename)
    return url_for("static", filename=filename, v=version)


def _detect_modes() -> None:
    asked = (
        request.headers.get(current_app.config["EMBED_MARKER_HEADER"])
        or request.args.get("embed") == "1"
    )
    if asked and not session.get("embed"):  # written once, not on every embedded request
        session["embed"] = True
    g.embed = bool(session.get("embed"))
    g.elder = request.cookies.get(ELDER_COOKIE) == "1"


def _security_headers(response: Response) -> Response:
    ancestors = " ".join(current_app.config["EMBED_ALLOWED_ORIGINS"]) or "'none'"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"object-src 'none'; base-uri 'self'; frame-ancestors {ancestors}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _personal_never_stored(response: Response) -> Response:
    """A page sent to a signed-in person shows their data: no browser or proxy keeps a copy.

    Static files keep their own caching; anonymous pages keep theirs (the page cache never
    serves a signed-in person, so a public page cached for the anonymous is not affected).
    """
    if request.endpoint == "static" or not getattr(session, "is_personal", False):
        return response
    if not response.cache_control.no_store:  # a view's own no-store says as much already
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _static_cache(response: Response) -> Response:
    """Fingerprinted static URLs are cached for a year; any other static URL only briefly."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    version = request.args.get("v")
    fingerprinted = False
    if version:
        try:
            fingerprinted = version == _fingerprint(current_app.static_folder or "", filename)
        except OSError:
            fingerprinted = False
    response.headers["Cache-Control"] = (
        IMMUTABLE
        if fingerprinted
        else f"public, max-age={current_app.config['STATIC_SHORT_MAX_AGE']}"
    )
    return response


def _database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
    """The hall's own 503 page while the database cannot be reached (never the server's)."""
    current_app.logger.warning("database unavailable: %s", type(error).__name__)
    page = render_template("errors/error.html", code=503, title=ERROR_TITLES[503])
    return page, 503, {"Retry-After": str(current_app.config["DATABASE_RETRY_AFTER_SECONDS"])}


def _render_error(error: HTTPException) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    # Unhandled exceptions reach here as InternalServerError (outside testing), among them a
    # database outage met after the view's handlers, such as while saving the session.
    original = getattr(error, "original_exception", None)
    if isinstance(original, DATABASE_UNAVAILABLE):
        return _database_unavailable(original)
    code = error.code or 500
    title = ERROR_TITLES.get(code, "出错了")
    return render_template("errors/error.html", code=code, title=title), code


def init_web(app: Flask) -> None:
    """Install the request hooks, template helpers and error handlers."""
    app.config.setdefault("STATIC_SHORT_MAX_AGE", 300)
    app.config.setdefault("DATABASE_RETRY_AFTER_SECONDS", 30)
    init_page_cache(app)
    app.after_request(_static_cache)
    app.after_request(_personal_never_stored)
    app.after_request(_security_headers)
    app.before_request(_detect_modes)
    app.register_error_handler(HTTPException, _render_error)
    for unavailable in DATABASE_UNAVAILABLE:
        app.register_error_handler(unavailable, _database_unavailable)
    app.jinja_env.filters.update(
        local_date=lambda moment: as_local(moment).strftime("%Y-%m-%d"),
        local_datetime=lambda moment: as_local(moment).strftime("%Y-%m-%d %H:%M"),
    )
    app.jinja_env.globals.update(
        asset_url=asset_url,
        has_endpoint=lambda name: name in app.view_functions,
    )
