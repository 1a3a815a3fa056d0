"""Sessions: anonymous data in an encrypted cookie, signed-in sessions in rows; rotation,
revocation, timeouts, secret key rotation, cookie flags."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import request
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from mobile_hall.audit.models import AuditEvent
from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.identity import services
from mobile_hall.identity.models import WebSession
from tests.support.browser import csrf_token

COOKIE = "hall_session"
LOOKUP = {"number": "QJ20251103999999M", "phone_last4": "0001"}  # well formed, not found


def _cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def _signed_in(client) -> bool:
    return "退出登录" in client.get("/").get_data(as_text=True)


def _rows(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(WebSession))


def _form_token(client) -> str:
    return csrf_token(client.get("/progress").get_data(as_text=True))


def _look_up(client, token: str):
    return client.post("/progress", data={"csrf_token": token, **LOOKUP})


def _rewrite(app, client, *, written_ago: timedelta, started_ago: timedelta | None = None) -> None:
    """Put back the client's anonymous cookie as the hall would have written it earlier."""
    cipher = app.session_interface.cookie_cipher(app)
    cookie = cipher.decrypt(_cookie(client))
    moment = now().timestamp()
    started = (started_ago or written_ago).total_seconds()
    aged = cipher.encrypt(cookie.data, moment - started, moment - written_ago.total_seconds())
    client.set_cookie(COOKIE, aged)


def test_anonymous_pages_set_no_cookie_and_store_nothing(client, app):
    response = client.get("/items?q=yyzz")
    assert "Set-Cookie" not in response.headers
    assert _rows(app) == 0


def test_an_anonymous_form_page_sets_a_cookie_but_writes_no_row(client, app):
    response = client.get("/progress")
    assert response.status_code == 200 and COOKIE in response.headers["Set-Cookie"]
    assert _rows(app) == 0


def test_the_anonymous_cookie_is_encrypted(client, app):
    token = _form_token(client)
    secret = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").loads(token)
    cookie = _cookie(client)
    encrypted = base64.urlsafe_b64decode(cookie.split(".")[-1] + "==")
    assert secret not in cookie and secret.encode() not in encrypted
    assert app.session_interface.cookie_cipher(app).decrypt(cookie).data["csrf_token"] == secret


def test_a_cookie_made_under_a_fallback_secret_key_still_opens(make_app):
    old = make_app(SECRET_KEY="the-secret-before-rotation")
    rotated = make_app(
        SECRET_KEY="the-secret-after-rotation",
        SECRET_KEY_FALLBACKS=["the-secret-before-rotation"],
    )
    forgotten = make_app(SECRET_KEY="the-secret-after-rotation")
    client = old.test_client()
    client.get("/progress")
    cookie = _cookie(client)
    secret = old.session_interface.cookie_cipher(old).decrypt(cookie).data["csrf_token"]
    assert _opened(rotated, cookie) == {"csrf_token": secret}
    assert _opened(forgotten, cookie) == {}


def _opened(app, cookie: str) -> dict:
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}={cookie}"}):
        return dict(app.session_interface.open_session(app, request))


def test_the_csrf_token_works_with_the_anonymous_cookie(client):
    token = _form_token(client)
    assert _look_up(client, token).status_code == 200
    assert _look_up(client, "not-a-token").status_code == 400


def test_a_tampered_anonymous_cookie_is_an_empty_session(client, app):
    token = _form_token(client)
    cookie = _cookie(client)
    flipped = cookie[:-3] + ("A" if cookie[-3] != "A" else "B") + cookie[-2:]
    client.set_cookie(COOKIE, flipped)
    assert _look_up(client, token).status_code == 400
    assert _rows(app) == 0


def test_a_replayed_post_with_the_same_cookie_sets_no_cookie(client, app):
    token = _form_token(client)
    cookie = _cookie(client)
    for _replay in range(3):
        client.set_cookie(COOKIE, cookie)
        response = _look_up(client, token)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert _rows(app) == 0


@pytest.mark.parametrize(
    ("written_ago", "started_ago", "still_valid"),
    [
        (timedelta(minutes=14), None, True),
        (timedelta(minutes=29), None, True),
        (timedelta(minutes=31), None, False),
        (timedelta(minutes=1), timedelta(hours=8, minutes=1), False),
    ],
)
def test_an_anonymous_cookie_past_its_idle_or_absolute_limit_is_ignored(
    client, app, written_ago, started_ago, still_valid
):
    token = _form_token(client)
    _rewrite(app, client, written_ago=written_ago, started_ago=started_ago)
    assert (_look_up(client, token).status_code == 200) is still_valid


def test_an_active_visitors_anonymous_cookie_is_renewed_after_half_the_idle_limit(client, app):
    token = _form_token(client)
    _rewrite(app, client, written_ago=timedelta(minutes=16))
    renewed = _look_up(client, token)
    assert renewed.status_code == 200 and COOKIE in renewed.headers["Set-Cookie"]
    # The renewed cookie counts its idle time afresh, with the same data.
    _rewrite(app, client, written_ago=timedelta(minutes=20), started_ago=timedelta(minutes=36))
    assert _look_up(client, token).status_code == 200


def test_many_unfinished_sign_ins_keep_the_cookie_small_and_create_no_row(browser, app):
    for _attempt in range(15):  # each unfinished sign-in leaves an OIDC state in the session
        browser.start()
        assert len(f"{COOKIE}={_cookie(browser.client)}") < 4000
    assert _rows(app) == 0
    assert not _signed_in(browser.client)
    browser.callback(browser.authenticate(browser.start(), "citizen"))  # the newest one
    assert _signed_in(browser.client)
    assert _rows(app) == 1


def test_the_session_token_rotates_at_sign_in(browser, app):
    authorize = browser.start()
    before = _cookie(browser.client)
    assert before and _rows(app) == 0  # the sign-in state is in the cookie
    browser.callback(browser.authenticate(authorize, "citizen"))
    after = _cookie(browser.client)
    assert after and after != before
    with app.app_context():
        (row,) = db.session.scalars(sa.select(WebSession))
        assert row.account_id is not None and "oidc_nonce" not in row.data
        assert not any(key.startswith("_state_") for key in row.data)
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
    assert _cookie(browser.client) is None  # cleared
    browser.client.set_cookie(COOKIE, stolen)
    assert not _signed_in(browser.client)


def _sign_outs(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "identity.sign_out")
        )


def _sign_out(client):
    return client.post(
        "/auth/logout",
        data={"csrf_token": csrf_token(client.get("/auth/logout").get_data(as_text=True))},
    )


def test_sign_out_deletes_the_row_with_its_audit_record(browser, app):
    browser.sign_in("citizen")
    audited = _sign_outs(app)
    assert _sign_out(browser.client).status_code == 303
    assert _sign_outs(app) == audited + 1 and _rows(app) == 0


def test_a_sign_out_that_fails_to_end_the_row_is_not_audited(browser, app):
    browser.sign_in("citizen")
    audited = _sign_outs(app)

    def refuse_to_delete_sessions(session, _context, _instances) -> None:
        if any(isinstance(deleted, WebSession) for deleted in session.deleted):
            raise RuntimeError("the database refused the commit")

    sa.event.listen(Session, "before_flush", refuse_to_delete_sessions)
    try:
        with pytest.raises(RuntimeError):
            _sign_out(browser.client)
    finally:
        sa.event.remove(Session, "before_flush", refuse_to_delete_sessions)
    # Neither happened: the audit trail does not say signed out while the cookie still works.
    assert _sign_outs(app) == audited and _rows(app) == 1
    assert _signed_in(browser.client)


def test_the_id_token_is_kept_only_encrypted(browser, app):
    browser.sign_in("citizen")
    with app.app_context():
        (row,) = db.session.scalars(sa.select(WebSession))
        hint = services.id_token_hint(row)
        assert hint.count(".") == 2  # a JWT, for RP-initiated logout's id_token_hint
        assert hint not in row.id_token_cipher and hint.split(".")[1] not in row.id_token_cipher
        assert "id_token" not in sa.inspect(WebSession).columns


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


def test_signing_in_renews_the_form_token_secret(browser):
    # A token read (or planted) before signing in must not work after it: session fixation.
    before = _form_token(browser.client)
    browser.sign_in("citizen")
    refused = browser.client.post("/progress", data={"csrf_token": before, **LOOKUP})
    assert refused.status_code == 400
    after = _form_token(browser.client)
    assert after != before and _look_up(browser.client, after).status_code == 200
