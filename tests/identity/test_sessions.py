"""Server-side sessions: rotation, revocation, timeouts, cookie flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.identity.models import WebSession

COOKIE = "hall_session"


def _cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def _signed_in(client) -> bool:
    return "退出登录" in client.get("/").get_data(as_text=True)


def test_anonymous_pages_set_no_cookie_and_store_nothing(client, app):
    response = client.get("/items?q=yyzz")
    assert "Set-Cookie" not in response.headers
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebSession)) == 0


def test_the_session_token_rotates_at_sign_in(browser, app):
    authorize = browser.start()
    before = _cookie(browser.client)
    assert before
    browser.callback(browser.authenticate(authorize, "citizen"))
    after = _cookie(browser.client)
    assert after and after != before
    browser.client.set_cookie(COOKIE, before)
    assert not _signed_in(browser.client)


def test_a_replayed_cookie_after_sign_out_is_signed_out(browser):
    browser.sign_in("citizen")
    stolen = _cookie(browser.client)
    page = browser.client.get("/auth/logout").get_data(as_text=True)
    assert "确认退出" in page
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = browser.client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(browser.provider_url + "/end-session")
    assert "id_token_hint=" in response.headers["Location"]
    browser.client.set_cookie(COOKIE, stolen)
    assert not _signed_in(browser.client)


def test_sign_out_needs_the_csrf_token(browser):
    browser.sign_in("citizen")
    assert browser.client.post("/auth/logout").status_code == 400
    assert _signed_in(browser.client)


def _age_session(app, minutes: int) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(WebSession).values(last_seen_at=now() - timedelta(minutes=minutes))
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("username", "idle_minutes", "still_signed_in"),
    [("citizen", 16, True), ("citizen", 31, False), ("clerk", 16, False), ("clerk", 14, True)],
)
def test_idle_timeouts_differ_for_citizens_and_staff(
    browser, app, username, idle_minutes, still_signed_in
):
    browser.sign_in(username)
    _age_session(app, idle_minutes)
    assert _signed_in(browser.client) is still_signed_in


def test_the_absolute_lifetime_ends_an_active_session(browser, app):
    browser.sign_in("citizen")
    with app.app_context():
        db.session.execute(sa.update(WebSession).values(expires_at=now() - timedelta(seconds=1)))
        db.session.commit()
    assert not _signed_in(browser.client)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebSession)) == 0


def test_the_session_cookie_is_httponly_and_lax(browser):
    browser.start()
    cookie = browser.client.get_cookie(COOKIE)
    assert cookie.http_only and cookie.same_site == "Lax"


def test_the_cookie_is_secure_outside_local_development(make_app, identity_provider):
    secure = make_app(SESSION_COOKIE_SECURE=True).test_client()
    response = secure.get("/auth/login")
    assert (
        "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    )
