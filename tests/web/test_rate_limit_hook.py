"""Rate limits: per-view limits work without the extension's before-request check, and a
configured default limit brings that check back."""

from __future__ import annotations

from mobile_hall.extensions import limiter


def test_without_default_limits_the_per_request_check_is_not_installed(app):
    assert limiter._check_request_limit not in app.before_request_funcs[None]


def test_a_default_limit_is_enforced_on_every_page(make_app):
    limiter.reset()
    limited = make_app(RATELIMIT_DEFAULT="2 per minute")
    assert limiter._check_request_limit in limited.before_request_funcs[None]
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
