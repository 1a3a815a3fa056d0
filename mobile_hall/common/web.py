"""What every page shares: display modes, the asset helper, security headers, error pages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    render_template,
    request,
    session,
)
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

from ..clock import as_local
from .compression import chosen_encoding, compress, compress_response, set_encoded_body
from .memo import Remembered
from .pagecache import init_page_cache

ELDER_COOKIE = "elder_mode"
# Text worth compressing; never images, PDF or the files people upload.
COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "application/jwk-set+json",
    }
)
IMMUTABLE = "public, max-age=31536000, immutable"
ERROR_TITLES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    405: "请求方式不支持",
    413: "文件过大",
    429: "操作过于频繁",
    500: "系统繁忙",
}


def is_local_path(target: str | None) -> bool:
    """Whether `target` is a path on this site (never another host, never `//host`)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target


@cache
def _fingerprint(static_folder: str, filename: str) -> str:
    return hashlib.sha256(Path(static_folder, filename).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """The URL of a static file with a content fingerprint, so it can be cached for long."""
    version = _fingerprint(current_app.static_folder or "", filename)
    return current_app.jinja_env.globals["url_for"]("static", filename=filename, v=version)


URLS_REMEMBERED = 4096
LAYOUTS_REMEMBERED = 4096


def remembering_url_for(app: Flask) -> Callable[..., str]:
    """`url_for` for the templates, remembering the URLs it built.

    Every page builds the same few links (the footer's, the stylesheet's, the forms' actions)
    and building one costs more than rendering the rest of a small page. A URL depends only
    on the endpoint, its values and where the app is mounted (the script root; the host too
    when rules match hosts or subdomains), so it is kept under exactly those; anything else (a
    relative endpoint, `_external` and the other `_` options, URL defaults, no request) is
    built every time.
    """
    build = app.url_for
    built: Remembered[str] = Remembered(URLS_REMEMBERED)
    by_host = app.url_map.host_matching or app.subdomain_matching

    def url_for(endpoint: str, /, **values: object) -> str:
        if (
            endpoint.startswith(".")
            or app.url_default_functions
            or not has_request_context()
            or any(name.startswith("_") for name in values)
        ):
            return build(endpoint, **values)
        environ = request.environ
        key = (
            endpoint,
            environ.get("SCRIPT_NAME", ""),
            request.host if by_host else None,
            tuple((name, type(value), value) for name, value in values.items()),
        )
        return built.get(key, lambda: build(endpoint, **values))

    return url_for


def remembered_layout(app: Flask) -> tuple[Callable[..., Markup], Callable[..., Markup]]:
    """`layout_head` and `layout_foot` for `base.html`: the page's head (title, stylesheet, top
    bar) and foot (the elder-mode switch, the footer's links), rendered once per what they show
    and kept.

    They are the same on most pages, and rendering them (seven links, the modes, the escaping)
    cost more than many a page's own content. What they show depends only on the values passed,
    the display modes (`g.elder`, `g.embed`) and where the app is mounted (the links), so they
    are kept under exactly those, at most `LAYOUTS_REMEMBERED` of them.
    """
    kept: Remembered[Markup] = Remembered(LAYOUTS_REMEMBERED)

    def render(name: str, values: dict[str, object]) -> Markup:
        # The output of an autoescaped template: already safe HTML.
        return Markup(app.jinja_env.get_template(f"layout/{name}.html").render(**values))  # noqa: S704

    def part(name: str, **values: object) -> Markup:
        key = (
            name,
            request.environ.get("SCRIPT_NAME", ""),
            bool(g.get("elder")),
            bool(g.get("embed")),
            tuple(values.items()),
        )
        return kept.get(key, lambda: render(name, values))

    def layout_head(title: object, back_url: object, body_class: object) -> Markup:
        return part("head", title=title, back_url=back_url, body_class=body_class)

    def layout_foot(here: str) -> Markup:
        return part("foot", here=here)

    return layout_head, layout_foot


def _detect_modes() -> None:
    asked = request.headers.get(current_app.config["EMBED_MARKER_HEADER"]) or (
        "embed" in request.environ.get("QUERY_STRING", "")  # parse the query only if it may say
        and request.args.get("embed") == "1"
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


def _compress(response: Response) -> Response:
    """Compress text responses (br or gzip); uploaded files and other types pass untouched.

    What is compressed once for many requests (a public page the page cache stores, a
    stylesheet or script) is compressed thoroughly; a page made for one visitor (even if kept
    for their next request), quickly."""
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSIBLE_TYPES
        or request.endpoint in current_app.config["COMPRESS_EXCLUDED_ENDPOINTS"]
    ):
        return response
    if response.is_streamed:
        if request.endpoint != "static":
            return response  # a sent file (an upload, a download): never compressed
        _compress_static(response)
        return response
    compress_response(response, request, thorough=g.get("page_cache_thorough", False))
    return response


STATIC_COMPRESSED_KEPT = 64


@lru_cache(maxsize=STATIC_COMPRESSED_KEPT)
def _compressed_static(path: str, mtime: float, encoding: str) -> bytes:
    return compress(Path(path).read_bytes(), encoding, thorough=True)


def _compress_static(response: Response) -> None:
    """A stylesheet or script, compressed once per file version and kept (they are few)."""
    encoding = chosen_encoding(request.headers.get("Accept-Encoding", ""))
    response.vary.add("Accept-Encoding")
    filename = (request.view_args or {}).get("filename", "")
    path = safe_join(current_app.static_folder or "", filename)
    if encoding is None or path is None or not Path(path).is_file():
        return
    body = _compressed_static(path, Path(path).stat().st_mtime, encoding)
    response.close()
    set_encoded_body(response, body, encoding)


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


def _render_error(error: HTTPException) -> tuple[str, int]:
    # Unhandled exceptions reach here as InternalServerError (outside testing).
    code = error.code or 500
    title = ERROR_TITLES.get(code, "出错了")
    return render_template("errors/error.html", code=code, title=title), code


def init_web(app: Flask) -> None:
    """Install the request hooks, template helpers and error handlers."""
    app.config.setdefault("COMPRESS_EXCLUDED_ENDPOINTS", [])
    app.config.setdefault("STATIC_SHORT_MAX_AGE", 300)
    # After-request hooks run last-registered first: compression comes after the headers,
    # and the page cache keeps pages as they are sent.
    init_page_cache(app)
    app.after_request(_compress)
    app.after_request(_static_cache)
    app.after_request(_security_headers)
    app.before_request(_detect_modes)
    app.register_error_handler(HTTPException, _render_error)
    app.jinja_env.filters.update(
        local_date=lambda moment: as_local(moment).strftime("%Y-%m-%d"),
        local_datetime=lambda moment: as_local(moment).strftime("%Y-%m-%d %H:%M"),
    )
    layout_head, layout_foot = remembered_layout(app)
    app.jinja_env.globals.update(
        layout_head=layout_head,
        layout_foot=layout_foot,
        url_for=remembering_url_for(app),
        asset_url=asset_url,
        has_endpoint=lambda name: name in app.view_functions,
    )
