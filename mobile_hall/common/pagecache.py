"""Whole public pages cached in each worker's memory, keyed by the change tokens they show.

A view decorated with `cached_page(*scopes)` is rendered once per URL, display mode (elderly,
embedded), local date and the current change tokens (`freshness`) of its scopes; until one of
those changes, anonymous visitors get the stored page without the view running. Signed-in
visitors always get a rendered page (it shows their own buttons and forms). The cache is a
`cachetools` LRU per process: nodes share nothing but the tokens in the database, so a change
made through any node reaches every node.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import wraps

from cachetools import LRUCache
from flask import Flask, Response, current_app, g, make_response, request, session
from flask_login import current_user

from ..clock import now
from .freshness import shared_tokens

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


def _is_cacheable() -> bool:
    return (
        current_app.config["PAGE_CACHE_ENTRIES"] > 0
        and request.method in ("GET", "HEAD")
        and "_flashes" not in session
        and not current_user.is_authenticated
    )


def _is_storable(response: Response) -> bool:
    """A complete 200 page that neither changed the session nor carries its form token."""
    return (
        response.status_code == 200
        and not response.is_streamed
        and not session.modified
        and current_app.config["WTF_CSRF_FIELD_NAME"] not in g
    )


def _page_key(scopes: tuple[str, ...]) -> tuple:
    return (
        request.endpoint,
        request.full_path,
        bool(g.get("elder")),
        bool(g.get("embed")),
        now().date(),
        shared_tokens(scopes),
    )


def cached_page(*scopes: str) -> Callable:
    """Serve the view's page to anonymous visitors from the cache while the change tokens of
    `scopes` (what the page shows) stay the same. The page carries an ETag, so a repeat visit
    costs a 304."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def cached_view(**kwargs):
            if not _is_cacheable():
                return view(**kwargs)
            key = _page_key(scopes)
            cache: PageCache = current_app.extensions["page_cache"]
            stored = cache.get(key)
            if stored is not None:
                return stored.to_response().make_conditional(request)
            response = make_response(view(**kwargs))
            if not _is_storable(response):
                return response
            response.add_etag()
            headers = tuple((n, v) for n, v in response.headers if n in STORED_HEADERS)
            cache.put(key, StoredPage(response.get_data(), headers))
            return response.make_conditional(request)

        return cached_view

    return decorator


def init_page_cache(app: Flask) -> None:
    """Give the app its page cache (`PAGE_CACHE_ENTRIES` pages; 0 turns caching off)."""
    app.config.setdefault("PAGE_CACHE_ENTRIES", 2000)
    app.extensions["page_cache"] = PageCache(max(app.config["PAGE_CACHE_ENTRIES"], 1))
