"""Signing in through the unified identity platform (the development provider, real HTTP)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.identity.models import Account, Enterprise
from tests.support.audit import audit_actions
from tests.support.provider import CLIENT_ID

DEMO_COMPANY_USCC = "91440205MA4W3K7B95"


def _account(app, subject_prefix: str = "") -> list[Account]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Account).order_by(Account.id)))


def _home(browser) -> str:
    return browser.client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "name", "landing"),
    [
        ("citizen", "张晓明", "/me"),
        ("citizen-l1", "李秀英", "/me"),
        ("enterprise", "刘建华", "/enterprise"),
        ("agent", "陈丽娟", "/enterprise"),
        ("senior", "黄桂芳", "/me"),
        ("clerk", "王志强", "/me"),
        ("reviewer", "何淑珍", "/me"),
        ("town-clerk", "邓伟", "/me"),
        ("office", "钟国平", "/me"),
    ],
)
def test_each_account_type_signs_in_and_lands_where_it_belongs(
    browser, app, username, name, landing
):
    response = browser.sign_in(username)
    assert response.status_code == 303
    assert response.headers["Location"] == landing
    home = _home(browser)
    assert name in home and "退出登录" in home
    assert "440***********" in home  # the masked ID number, never the clear one


def test_the_account_keeps_the_id_number_encrypted_and_masked(browser, app):
    browser.sign_in("citizen")
    with app.app_context():
        account = db.session.scalars(sa.select(Account).where(Account.name == "张晓明")).one()
        assert "440205198506121231" not in account.id_number_cipher
        assert account.id_number_masked == "440***********1231"
        assert len(account.id_number_hash) == 64
        assert account.real_name_level == 3 and account.user_type == "person"
        assert account.enterprise is None
        from mobile_hall.identity.protection import decrypt_id_number

        assert decrypt_id_number(account.id_number_cipher) == "440205198506121231"


def test_legal_persons_share_their_enterprise_created_on_first_sight(
    make_browser, app, client, identity_provider
):
    from tests.support.browser import Browser

    Browser(client, identity_provider).sign_in("enterprise")
    Browser(client, identity_provider).sign_in("agent")
    with app.app_context():
        enterprises = db.session.scalars(
            sa.select(Enterprise).where(Enterprise.credit_code == DEMO_COMPANY_USCC)
        ).all()
        assert len(enterprises) == 1
        people = db.session.scalars(
            sa.select(Account)
            .where(Account.enterprise_id == enterprises[0].id)
            .order_by(Account.name)
        ).all()
        assert {(p.name, p.org_role) for p in people} == {
            ("刘建华", "legal_representative"),
            ("陈丽娟", "agent"),
        }


def test_signing_in_again_refreshes_the_same_account(client, app, identity_provider):
    from tests.support.browser import Browser

    with app.app_context():
        earlier = len(audit_actions("identity.sign_in"))
    Browser(client, identity_provider).sign_in("citizen")
    Browser(client, identity_provider).sign_in("citizen")
    with app.app_context():
        accounts = db.session.scalars(sa.select(Account).where(Account.name == "张晓明")).all()
        assert len(accounts) == 1
        events = audit_actions("identity.sign_in")[earlier:]
        assert [e.target for e in events] == [f"account:{accounts[0].id}"] * 2


def test_sign_in_returns_to_a_local_next_path(browser):
    response = browser.sign_in("citizen", "/auth/login?next=/items%3Fq%3Dyyzz")
    assert response.headers["Location"] == "/items?q=yyzz"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "http:/evil",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_an_open_redirect_next_is_ignored(browser, target):
    from urllib.parse import quote

    response = browser.sign_in("citizen", f"/auth/login?next={quote(target, safe='')}")
    assert response.headers["Location"] == "/me"


def test_a_page_that_needs_sign_in_sends_the_person_to_the_platform_and_back(browser):
    response = browser.client.get("/auth/logout")
    assert response.status_code == 303  # signed out people have nothing to sign out of
    browser.sign_in("office", "/staff/roles")
    assert "工作人员角色" in browser.client.get("/staff/roles").get_data(as_text=True)


def test_authorization_request_uses_pkce_state_and_nonce(browser):
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(browser.start()).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert "gd_identity" in query["scope"][0].split()
    assert query["client_id"] == [CLIENT_ID]


# --- refusals ---------------------------------------------------------------------------


def _assert_refused(response, app, reason: str) -> None:
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "登录未完成" in html and 'lang="zh-CN"' in html
    with app.app_context():
        refusals = audit_actions("identity.sign_in_refused")
        assert refusals and refusals[-1].details["reason"] == reason
        unchanged = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Account)
            .where(Account.last_sign_in_at > refusals[-1].occurred_at)
        )
        assert unchanged == 0, "a refused sign-in created or refreshed an account"


def test_a_wrong_state_is_refused(browser, app):
    callback = browser.authenticate(browser.start(), "citizen")
    _assert_refused(browser.callback(callback.replace("state=", "state=x")), app, "state_mismatch")


def test_a_replayed_code_is_refused(browser, app, client, identity_provider):
    from tests.support.browser import Browser

    first = browser.authenticate(browser.start(), "citizen")
    assert browser.callback(first).status_code == 303
    assert browser.client.post("/auth/logout").status_code in (303, 400)
    # The same code again, in a new sign-in attempt of another browser (its own state).
    other = Browser(client, identity_provider)
    fresh = other.authenticate(other.start(), "citizen")
    from urllib.parse import parse_qs, urlsplit

    code = parse_qs(urlsplit(first).query)["code"][0]
    replay = fresh.split("code=")[0] + "code=" + code + "&" + fresh.split("&", 1)[1]
    _assert_refused(other.callback(replay), app, "token_error")


@pytest.mark.parametrize(
    ("faults", "reason"),
    [
        ({"id_token_claims": {"nonce": "not-the-one-we-sent"}}, "id_token_invalid"),
        ({"id_token_claims": {"aud": "another-client"}}, "id_token_invalid"),
        ({"id_token_claims": {"aud": ["another-client"], "azp": CLIENT_ID}}, "id_token_invalid"),
        (
            {"id_token_claims": {"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}},
            "id_token_invalid",
        ),
        ({"id_token_claims": {"iss": "https://impostor.example"}}, "id_token_invalid"),
        (
            {"id_token_claims": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}},
            "id_token_invalid",
        ),
        ({"id_token_claims": {"iat": int(time.time()) + 3600}}, "id_token_invalid"),
        ({"tamper_signature": True}, "id_token_invalid"),
        ({"id_token_alg": "none"}, "id_token_invalid"),
        ({"id_token_alg": "HS256"}, "id_token_invalid"),
        ({"callback_iss": "https://impostor.example"}, "callback_issuer_mismatch"),
    ],
)
def test_an_untrustworthy_answer_is_refused(browser, app, faults, reason):
    authorize = browser.start()
    browser.fault(**faults)
    _assert_refused(browser.callback(browser.authenticate(authorize, "citizen")), app, reason)


@pytest.mark.parametrize(
    ("username", "claim"),
    [
        ("bad-id-card", "id_card"),
        ("no-id-card", "id_card"),
        ("level-seven", "real_name_level"),
        ("bad-uscc", "uscc"),
        ("no-user-type", "user_type"),
        ("no-phone", "phone_number"),
    ],
)
def test_a_bad_claim_refuses_the_sign_in_with_a_clear_page(browser, app, username, claim):
    response = browser.sign_in(username)
    _assert_refused(response, app, "claim_invalid")
    assert "实名信息不完整或未通过校验" in response.get_data(as_text=True)
    with app.app_context():
        assert audit_actions("identity.sign_in_refused")[-1].details["detail"] == claim


def test_a_discovery_document_with_another_issuer_is_refused(make_app, make_browser, app):
    fresh = make_browser(make_app())  # a new app has not cached the discovery document
    fresh.fault(discovery_issuer="https://impostor.example")
    response = fresh.client.get("/auth/login")
    assert response.status_code == 400
    with app.app_context():
        refusal = audit_actions("identity.sign_in_refused")[-1]
        assert refusal.details["reason"] == "issuer_mismatch"


def _signed_in_account(response, app, subject: str) -> Account:
    """The account a sign-in that succeeded (303) made or updated, by its subject."""
    assert response.status_code == 303
    with app.app_context():
        return db.session.scalars(sa.select(Account).where(Account.subject == subject)).one()


def test_claims_are_read_through_the_claims_map(make_app, make_browser, app):
    mapped = make_app(
        OIDC_CLAIMS_MAP={"user_type": "kind", "id_card": "idNo", "real_name_level": "authLevel"}
    )
    response = make_browser(mapped).sign_in("renamed-claims")
    account = _signed_in_account(response, app, "broken-renamed-claims")
    assert account.real_name_level == 3 and account.user_type == "person"


def test_claims_the_id_token_leaves_out_are_read_from_userinfo_and_the_phone_kept_as_digits(
    browser, app
):
    account = _signed_in_account(browser.sign_in("userinfo-claims"), app, "userinfo-claims")
    assert (account.real_name_level, account.phone) == (3, "13800000099")


def test_without_the_map_those_claims_are_refused(browser, app):
    _assert_refused(browser.sign_in("renamed-claims"), app, "claim_invalid")
