"""Whole pages cached in each worker's memory, keyed by the change tokens of what they show.

A view decorated with `cached_page(*scopes)` is rendered once per URL, display mode (elderly,
embedded), local date and the current change tokens (`freshness`) of its scopes; until one of
those changes, anonymous visitors get the stored page without the view running. Signed-in
visitors get a rendered page (it shows their own buttons and forms).

The two personal pages (`cached_personal_page`) are cached per session: the key adds the
session's CSRF secret (whose form token the stored page carries, so a stored page is only ever
sent to the session it was made for) and the tokens of the viewer's own scopes, read at every
request, so a clerk's action on any node shows at the next request. Such a page is kept for
`PERSONAL_PAGE_SECONDS` at most, well inside the form token's time limit. `make bench` shows why
it exists: rendering `/me` for a person with a long history costs far more than the target
allows (`docs/performance.md`).

The caches are `cachetools` LRUs per process: nodes share nothing but the tokens in the
database, so a change made through any node reaches every node.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import wraps

from cachetools import Cache, LRUCache, TTLCache
from flask import Flask, Response, current_app, g, make_response, request, session
from flask_login import current_user

from ..clock import now
from .freshness import shared_tokens, tokens_of

# Headers that describe the body itself; cookies and per-request headers are never stored.
STORED_HEADERS = (
    "Content-Type",
    "Content-Language",
    "ETag",
    "Cache-Control",  # e.g. `no-store` on a verification result: browsers keep nothing
)


@dataclass(frozen=True)
class StoredPage:
    """A page as it is kept: its body and the headers that belong to the body."""

    body: bytes
    headers: tuple[tuple[str, str], ...]

    def to_response(self) -> Response:
        """A fresh response carrying the stored page."""
        return current_app.response_class(self.body, headers=list(self.headers))


class PageCache:
    """A bounded, thread-safe map from page keys to stored pages (one per app and process),
    each page kept for at most `seconds` when given."""

    def __init__(self, size: int, seconds: float | None = None) -> None:
        self._pages: Cache[Hashable, StoredPage] = (
            LRUCache(maxsize=size) if seconds is None else TTLCache(maxsize=size, ttl=seconds)
        )
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> StoredPage | None:
        """The stored page, or None."""
        with self._lock:
            return self._pages.get(key)

    def put(self, key: Hashable, page: StoredPage) -> None:
        """Keep `page` under `key`, evicting the least recently used page when full."""
        with self._lock:
            self._pages[key] = page


def _is_cacheable() -> bool:
    return (
        current_app.config["PAGE_CACHE_ENTRIES"] > 0
        and request.method in ("GET", "HEAD")
        and "_flashes" not in session
    )


def _is_storable(response: Response) -> bool:
    """A complete 200 page whose rendering did not change the session."""
    return response.status_code == 200 and not response.is_streamed and not session.modified


def _page_key(scopes: tuple[str, ...]) -> tuple:
    return (
        request.endpoint,
        request.full_path,
        bool(g.get("elder")),
        bool(g.get("embed")),
        now().date(),
        shared_tokens(scopes),
    )


def _store(cache: PageCache, key: Hashable, response: Response) -> None:
    headers = tuple((n, v) for n, v in response.headers if n in STORED_HEADERS)
    cache.put(key, StoredPage(response.get_data(), headers))


def cached_page(*scopes: str) -> Callable:
    """Serve the view's page to anonymous visitors from the cache while the change tokens of
    `scopes` (what the page shows) stay the same. The page carries an ETag, so a repeat visit
    costs a 304."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def cached_view(**kwargs):
            if current_user.is_authenticated or not _is_cacheable():
                return view(**kwargs)
            key = _page_key(scopes)
            cache: PageCache = current_app.extensions["page_cache"]
            stored = cache.get(key)
            if stored is not None:
                return stored.to_response().make_conditional(request)
            response = make_response(view(**kwargs))
            # A page that made a form token is the visitor's own: never shared.
            if not _is_storable(response) or current_app.config["WTF_CSRF_FIELD_NAME"] in g:
                return response
            response.add_etag()
            _store(cache, key, response)
            return response.make_conditional(request)

        return cached_view

    return decorator


def _form_secret_digest() -> str | None:
    secret = session.get(current_app.config["WTF_CSRF_FIELD_NAME"])
    return hashlib.sha256(secret.encode()).hexdigest() if isinstance(secret, str) else None


def cached_personal_page(own_scopes: Callable[[], tuple[str, ...]], *shared: str) -> Callable:
    """Serve a signed-in person's own page from their session's cache while the change tokens of
    `own_scopes()` (their account, what they hold: read at every request) and of `shared` stay
    the same. For views behind `login_required`.

    The stored page carries the form token of the session it was made for, and is keyed by that
    session's CSRF secret: another session, even of the same person, never gets it."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def cached_view(**kwargs):
            secret = _form_secret_digest()
            if secret is None or not _is_cacheable():
                return view(**kwargs)  # the first page of a session makes its secret
            scopes = own_scopes()
            key = (_page_key(shared), current_user.get_id(), secret, scopes, tokens_of(scopes))
            cache: PageCache = current_app.extensions["personal_page_cache"]
            stored = cache.get(key)
            if stored is not None:
                return stored.to_response()
            response = make_response(view(**kwargs))
            if _is_storable(response):
                _store(cache, key, response)
            return response

        return cached_view

    return decorator


def init_page_cache(app: Flask) -> None:
    """Give the app its page caches (`PAGE_CACHE_ENTRIES` pages each; 0 turns caching off).

    A personal page is kept for `PERSONAL_PAGE_SECONDS` at most: its form token must still be
    good (`WTF_CSRF_TIME_LIMIT`) when the person submits a form of it a while later."""
    app.config.setdefault("PAGE_CACHE_ENTRIES", 2000)
    app.config.setdefault("PERSONAL_PAGE_SECONDS", 600)
    size = max(app.config["PAGE_CACHE_ENTRIES"], 1)
    app.extensions["page_cache"] = PageCache(size)
    app.extensions["personal_page_cache"] = PageCache(size, app.config["PERSONAL_PAGE_SECONDS"])
