"""Per-view rate limits, counted by the view's own wrapper in Flask-Limiter's storage.

Flask-Limiter's `@limiter.limit` wrapper re-evaluates, on every request, which limits apply
(dynamic strings, exemptions, methods, scopes, per-route and blueprint defaults): on the
progress lookup, the anonymous form anyone can post, it cost more than the database lookup.
The limits here are fixed per view, so the wrapper only reads the limit from the app's config
(parsed once), and hits one counter: the client address's, for this view. The counters live in
the extension's storage (`RATELIMIT_STORAGE_URI`: memory per process, or Redis shared by every
node), and `RATELIMIT_ENABLED=False` switches them off, for this app only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps

from flask import abort, current_app, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from ..extensions import limiter


@lru_cache(maxsize=64)
def _parsed(text: str) -> RateLimitItem:
    return parse(text)


def rate_limited(
    config_key: str,
    *,
    methods: tuple[str, ...] = ("GET", "POST"),
    counts: Callable[[], bool] = lambda: True,
) -> Callable:
    """Limit the view to `app.config[config_key]` ("10 per minute") requests per client address,
    counting the requests made with `methods` for which `counts()` is true; past it, 429."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def limited_view(**kwargs):
            config = current_app.config
            if request.method in methods and config.get("RATELIMIT_ENABLED", True) and counts():
                limit = _parsed(config[config_key])
                if not limiter.limiter.hit(limit, "view", request.endpoint, get_remote_address()):
                    abort(429)
            return view(**kwargs)

        return limited_view

    return decorator
