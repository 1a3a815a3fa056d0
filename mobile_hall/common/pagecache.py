"""Whole pages kept in each worker's memory, keyed by everything they show.

A view decorated with `cached_page` is rendered once per URL, display mode (elderly,
embedded), viewer, local date and the change tokens (`freshness`) of the data it shows; until
one of those changes, later requests get the stored page without touching the catalog or the
viewer's history. The cache is per process and bounded (LRU): nodes share nothing but the
tokens in the database, so a change made through any node reaches every node.

Two kinds of stored page:
- a page with no form token (anonymous catalog pages) is stored as sent, after compression,
  once per `Accept-Encoding`, with an ETag so a browser's repeat visit costs a 304;
- a page with forms (the personal pages) is stored uncompressed with its CSRF token cut out,
  and each request gets its own token put back before compression.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import wraps

from cachetools import LRUCache
from flask import Flask, Response, current_app, g, make_response, request, session
from flask_wtf.csrf import generate_csrf

from ..clock import now
from .compression import compress_response, is_conditional
from .freshness import CATALOG, LICENSES, shared_tokens, tokens_of, viewer_tokens

CSRF_HOLE = b"\x00csrf-token\x00"  # never sent: replaced before the page leaves
# Headers that describe the body itself; cookies and per-request headers are never stored.
STORED_HEADERS = (
    "Content-Type",
    "Content-Encoding",
    "Vary",
    "ETag",
    "Content-Language",
    "Cache-Control",  # e.g. `no-store` on a verification result: browsers keep nothing
)


@dataclass(frozen=True)
class Dependencies:
    """What a page shows: the viewer's own scopes (exact: read with the session row, or in one
    query) and shared ones (memoised for `CHANGE_TOKEN_RECHECK_SECONDS`)."""

    personal: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()


@dataclass
class StoredPage:
    """A page as it is kept: its body and the headers that belong to the body.

    A page with a form token cut out also keeps the last body it sent, compressed, under the
    token and encoding it was sent with: a session's token stays the same (`formtokens`), so
    the same visitor's next request for the page costs neither the token's splice nor a
    compression."""

    body: bytes
    headers: tuple[tuple[str, str], ...]
    has_csrf_hole: bool
    # ((token, Accept-Encoding), body sent, its Content-Encoding or None)
    last_sent: tuple[tuple[str, str], bytes, str | None] | None = field(default=None, compare=False)

    def to_response(self) -> Response:
        """A fresh response for this request (with its own CSRF token where one was cut out)."""
        if self.has_csrf_hole:
            return self._with_token()
        response = current_app.response_class(self.body, headers=list(self.headers))
        if is_conditional(request):
            response.make_conditional(request)
        return response

    def _with_token(self) -> Response:
        token = generate_csrf()
        asked = request.headers.get("Accept-Encoding", "")
        sent = self.last_sent  # read once: another thread may replace it meanwhile
        if sent is not None and sent[0] == (token, asked):
            response = current_app.response_class(sent[1], headers=list(self.headers))
            if sent[2] is not None:
                response.headers["Content-Encoding"] = sent[2]
            return response
        body = self.body.replace(CSRF_HOLE, token.encode())
        response = current_app.response_class(body, headers=list(self.headers))
        compress_response(response, request)  # as `_compress` would (for one visitor: quickly)
        encoding = response.headers.get("Content-Encoding")
        self.last_sent = ((token, asked), response.get_data(), encoding)
        return response


class PageCache:
    """A bounded, thread-safe map from page keys to stored pages (one per app and process)."""

    def __init__(self, size: int) -> None:
        self._pages: LRUCache[Hashable, StoredPage] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> StoredPage | None:
        """The stored page, or None."""
        with self._lock:
            return self._pages.get(key)

    def put(self, key: Hashable, page: StoredPage) -> None:
        """Keep `page` under `key`, evicting the least recently used page when full."""
        with self._lock:
            self._pages[key] = page


def _cache() -> PageCache:
    return current_app.extensions["page_cache"]


def _personal_tokens(scopes: tuple[str, ...]) -> tuple[str, ...]:
    # Exact, every request: read with the session row when it knows them, else one query.
    known = viewer_tokens()
    if all(scope in known for scope in scopes):
        return tuple(known[scope] for scope in scopes)
    return tokens_of(scopes)


def _viewer() -> int | None:
    """The signed-in account's id, read off the session (`identity.sessions`) without building
    the account: asking Flask-Login cost a tenth of a cached page."""
    return getattr(session, "account_id", None)


def _page_key(dependencies: Dependencies, *shown: Hashable) -> tuple:
    tokens = shared_tokens(dependencies.shared)
    if dependencies.personal:
        tokens += _personal_tokens(dependencies.personal)
    viewer = _viewer()
    return (
        request.endpoint,
        request.full_path,
        bool(g.get("elder")),
        bool(g.get("embed")),
        viewer,
        now().date(),
        tokens,
        *shown,
    )


def _headers_of(response: Response) -> tuple[tuple[str, str], ...]:
    return tuple((name, value) for name, value in response.headers if name in STORED_HEADERS)


def cached_page(
    dependencies: Callable[[], Dependencies | None],
) -> Callable:
    """Serve the view's page from the cache while nothing it shows has changed.

    `dependencies()` names the scopes the page shows for this request, or None when this
    request must not be cached (e.g. a signed-in visitor on a page cached only for the public).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def cached_view(**kwargs):
            found = dependencies() if current_app.config["PAGE_CACHE_ENTRIES"] else None
            if found is None or request.method not in ("GET", "HEAD") or "_flashes" in session:
                return view(**kwargs)
            key = _page_key(found)
            encoding = request.headers.get("Accept-Encoding", "")
            cache = _cache()
            stored = cache.get((key, encoding)) or cache.get((key, None))
            if stored is not None:
                return stored.to_response()
            response = make_response(view(**kwargs))
            if response.status_code != 200 or response.is_streamed or session.modified:
                return response
            token = g.get("csrf_token")
            if token:
                body = response.get_data().replace(token.encode(), CSRF_HOLE)
                cache.put((key, None), StoredPage(body, _headers_of(response), True))
            else:
                response.add_etag()
                g.page_cache_key = (key, encoding)  # stored once compressed, by `_store`
                g.page_cache_thorough = True  # compressed once for many requests
            return response

        return cached_view

    return decorator


def _store(response: Response) -> Response:
    """Keep the page as it is sent (compressed), for requests with the same Accept-Encoding."""
    key = g.pop("page_cache_key", None)
    if key is not None and response.status_code == 200 and not session.modified:
        cache = _cache()
        cache.put(key, StoredPage(response.get_data(), _headers_of(response), False))
    return response


def public_catalog_page() -> Dependencies | None:
    """A page showing only the catalog, cached for visitors who are not signed in."""
    return None if _viewer() is not None else Dependencies(shared=(CATALOG,))


def licence_verification() -> Dependencies:
    """A verification result: the licences and signing keys, the same for every visitor."""
    return Dependencies(shared=(LICENSES,))


def init_page_cache(app: Flask) -> None:
    """Give the app its caches. Call before compression's hook is registered: after-request
    hooks run last-registered first, and pages are stored as sent, compressed."""
    app.config.setdefault("PAGE_CACHE_ENTRIES", 2000)
    app.extensions["page_cache"] = PageCache(max(app.config["PAGE_CACHE_ENTRIES"], 1))
    app.after_request(_store)
