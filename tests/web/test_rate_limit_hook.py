"""Rate limits: per-view limits work without the extension's before-request check, and a
configured default limit brings that check back."""

from __future__ import annotations

from functools import partial

from mobile_hall.extensions import limiter


def _limiters_hooks(app) -> list:
    hooks = [
        *app.before_request_funcs.get(None, []),
        *app.after_request_funcs.get(None, []),
        *app.teardown_request_funcs.get(None, []),
    ]
    return [
        hook
        for hook in hooks
        if getattr(hook, "__self__", None) is limiter
        or (isinstance(hook, partial) and hook.args and hook.args[0] is limiter)
    ]


def test_without_default_limits_none_of_the_extensions_hooks_is_installed(app):
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    assert _limiters_hooks(app) == []


def test_a_default_limit_is_enforced_on_every_page(make_app):
    limiter.reset()
    limited = make_app(RATELIMIT_DEFAULT="2 per minute")
    assert limiter._check_request_limit in limited.before_request_funcs[None]
    assert len(_limiters_hooks(limited)) == 3  # the check, the headers, the context
    client = limited.test_client()
    statuses = [client.get("/units").status_code for _ in range(3)]
    limiter.reset()
    assert statuses == [200, 200, 429]


def test_an_app_with_rate_limits_switched_off_starts_and_serves(make_app):
    unlimited = make_app(RATELIMIT_ENABLED=False)
    assert unlimited.test_client().get("/units").status_code == 200


def test_an_app_switched_off_leaves_the_next_apps_limits_on(make_app):
    # Flask-Limiter keeps one `enabled` for every app it was given; the hall reads each app's.
    make_app(RATELIMIT_ENABLED=False)
    limiter.reset()
    limited = make_app(LICENSE_VERIFY_LIMIT="1 per minute").test_client()
    statuses = [limited.get("/licenses/verify?token=x").status_code for _ in range(2)]
    limiter.reset()
    assert statuses[-1] == 429
