"""Back-channel logout: signing out at the province signs out of the hall."""

from __future__ import annotations

import time

import pytest
import requests
import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.identity.models import WebSession
from tests.support.audit import audit_actions
from tests.support.browser import HTTP_TIMEOUT
from tests.support.provider import CLIENT_ID


def _signed_in(client) -> bool:
    return "退出登录" in client.get("/").get_data(as_text=True)


def _session_ids(app) -> tuple[str, str]:
    with app.app_context():
        record = db.session.scalars(
            sa.select(WebSession).where(WebSession.account_id.is_not(None))
        ).one()
        return record.provider_session_id, record.account.subject


def _mint(provider_url: str, **request) -> str:
    response = requests.post(
        f"{provider_url}/_faults/logout-token",
        json={"client_id": CLIENT_ID, **request},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()["logout_token"]


def _deliver(client, token: str):
    return client.post("/auth/backchannel-logout", data={"logout_token": token})


def test_a_valid_logout_token_for_the_sid_ends_the_session(browser, app):
    browser.sign_in("citizen")
    sid, sub = _session_ids(app)
    assert sid
    response = _deliver(browser.client, _mint(browser.provider_url, sid=sid, sub=sub))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert not _signed_in(browser.client)
    with app.app_context():
        assert audit_actions("identity.backchannel_logout")[-1].details["sessions_ended"] == 1


def test_a_token_with_only_sub_ends_every_session_of_that_person(
    browser, app, client, identity_provider
):

    browser.sign_in("citizen")
    _, sub = _session_ids(app)
    assert _deliver(client, _mint(identity_provider, sub=sub)).status_code == 200
    assert not _signed_in(browser.client)


@pytest.mark.parametrize(
    ("request_changes", "reason"),
    [
        ({"tamper_signature": True}, "logout_signature"),
        ({"alg": "none"}, "logout_algorithm"),
        ({"alg": "HS256"}, "logout_algorithm"),
        ({"typ": "at+jwt"}, "logout_typ"),
        ({"claims": {"iss": "https://impostor.example"}}, "logout_issuer"),
        ({"claims": {"aud": "another-client"}}, "audience_mismatch"),
        ({"claims": {"iat": int(time.time()) - 3600}}, "logout_iat"),
        ({"claims": {"iat": int(time.time()) + 3600}}, "logout_iat"),
        ({"claims": {"events": None}}, "logout_events"),
        ({"claims": {"events": {"http://example.com/other": {}}}}, "logout_events"),
        ({"claims": {"nonce": "abc"}}, "logout_nonce"),
        ({"claims": {"sub": None, "sid": None}}, "logout_subject"),
        ({"claims": {"jti": None}}, "logout_jti"),
    ],
)
def test_a_malformed_logout_token_is_refused_and_ends_nothing(
    browser, app, request_changes, reason
):
    browser.sign_in("citizen")
    sid, sub = _session_ids(app)
    token = _mint(browser.provider_url, sid=sid, sub=sub, **request_changes)
    response = _deliver(browser.client, token)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert _signed_in(browser.client)
    with app.app_context():
        assert audit_actions("identity.sign_in_refused")[-1].details["reason"] == reason


def test_a_replayed_logout_token_is_refused(browser, app, client, identity_provider):
    browser.sign_in("citizen")
    sid, sub = _session_ids(app)
    token = _mint(identity_provider, sid=sid, sub=sub)
    assert _deliver(client, token).status_code == 200
    assert _deliver(client, token).status_code == 400
    with app.app_context():
        assert audit_actions("identity.sign_in_refused")[-1].details["reason"] == "logout_replayed"


def test_garbage_is_refused(client):
    assert _deliver(client, "not.a.token").status_code == 400
    assert client.post("/auth/backchannel-logout").status_code == 400
