"""The authorization code flow with PKCE, over real HTTP, as a relying party sees it."""

import time

from devidp.accounts import DEMO_ACCOUNTS

ACCOUNTS = {data["username"]: data["claims"] for data in DEMO_ACCOUNTS}


def test_person_signs_in_and_gets_an_id_token_signed_with_the_published_key(idp):
    rp = idp.rp()
    flow, tokens, claims = rp.sign_in("citizen")
    header = idp.verify_jwt(tokens["id_token"]).header
    assert header["alg"] == "RS256"
    assert header["kid"] == idp.get("/jwks").json()["keys"][0]["kid"]
    assert claims["iss"] == idp.url
    assert claims["aud"] == [idp.client_id] and claims["azp"] == idp.client_id
    assert claims["nonce"] == flow.params["nonce"]
    assert claims["exp"] - claims["iat"] == 600
    assert abs(claims["iat"] - time.time()) < 60 and claims["auth_time"] <= claims["iat"]
    assert claims["sid"]
    assert {k: claims[k] for k in ACCOUNTS["citizen"]} == ACCOUNTS["citizen"]
    assert "uscc" not in claims
    assert tokens["token_type"] == "Bearer" and tokens["access_token"]


def test_legal_person_signs_in_with_the_enterprise_claims_using_client_secret_post(idp):
    rp = idp.rp()
    flow = rp.login("enterprise")
    tokens = rp.exchange(flow, method="post")
    assert tokens.status_code == 200, tokens.text
    claims = idp.verify_jwt(tokens.json()["id_token"]).claims
    assert claims["user_type"] == "legal_person"
    assert claims["uscc"] == ACCOUNTS["enterprise"]["uscc"]
    assert claims["org_name"] == "韶关市曲江区马坝镇曲香食品有限公司"
    assert claims["org_role"] == "legal_representative"
    assert claims["nonce"] == flow.params["nonce"]


def test_callback_carries_code_state_and_issuer(idp):
    rp = idp.rp()
    flow = rp.login("citizen")
    assert flow.response.status_code == 302
    assert flow.callback["state"] == flow.params["state"]
    assert flow.callback["iss"] == idp.url
    assert set(flow.callback) == {"code", "state", "iss"}


def test_userinfo_returns_the_account_claims_for_the_access_token(idp):
    _, tokens, _ = idp.rp().sign_in("agent")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    info = idp.get("/userinfo", headers=bearer)
    assert info.status_code == 200
    assert info.json() == ACCOUNTS["agent"]
    assert idp.get("/userinfo").status_code == 401
    wrong = {"Authorization": "Bearer not-a-token"}
    assert idp.get("/userinfo", headers=wrong).status_code == 401


def test_scope_decides_which_claims_are_released(idp):
    rp = idp.rp()
    flow = rp.login("citizen", scope="openid phone")
    claims = idp.verify_jwt(rp.exchange(flow).json()["id_token"]).claims
    assert claims["sub"] == ACCOUNTS["citizen"]["sub"]
    assert claims["phone_number"] == ACCOUNTS["citizen"]["phone_number"]
    assert not {"name", "id_card", "user_type", "real_name_level"} & set(claims)


def test_unknown_scope_is_refused_on_the_callback(idp):
    rp = idp.rp()
    flow = rp.new_flow(scope="openid email")
    response = rp.authorize(flow)
    assert response.status_code == 302
    assert flow.callback["error"] == "invalid_scope"
    assert flow.callback["state"] == flow.params["state"]


def test_replayed_code_is_refused_and_revokes_the_first_access_token(idp):
    rp = idp.rp()
    flow = rp.login("citizen")
    first = rp.exchange(flow)
    assert first.status_code == 200
    replay = rp.exchange(flow)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    bearer = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert idp.get("/userinfo", headers=bearer).status_code == 401


def test_wrong_pkce_verifier_is_refused_and_burns_the_code(idp):
    rp = idp.rp()
    flow = rp.login("citizen")
    wrong = rp.exchange(flow, verifier="w" * 50)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert rp.exchange(flow).status_code == 400


def test_authorization_without_pkce_or_with_plain_pkce_is_refused(idp):
    rp = idp.rp()
    for overrides in [
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge_method": "plain"},
        {"code_challenge_method": None},
    ]:
        flow = rp.new_flow(**overrides)
        rp.authorize(flow)
        assert flow.callback["error"] == "invalid_request", overrides
        assert flow.callback["iss"] == idp.url


def test_code_is_bound_to_its_redirect_uri_and_client_secret(idp):
    rp = idp.rp()
    flow = rp.login("citizen")
    rp.secret = "not-the-secret"
    bad_secret = rp.exchange(flow)
    assert bad_secret.status_code == 401
    assert bad_secret.json()["error"] == "invalid_client"
    rp = idp.rp()
    flow = rp.login("citizen")
    rp.redirect_uri = idp.redirect_uri + "/elsewhere"
    assert rp.exchange(flow).json()["error"] == "invalid_grant"


def test_unregistered_redirect_uri_shows_an_error_page_and_never_redirects(idp):
    rp = idp.rp()
    response = rp.authorize(rp.new_flow(redirect_uri="https://evil.example/callback"))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "登录请求无效" in response.text


def test_unknown_client_or_missing_redirect_uri_shows_an_error_page(idp):
    rp = idp.rp()
    for overrides in [{"client_id": "nobody"}, {"redirect_uri": None}]:
        response = rp.authorize(rp.new_flow(**overrides))
        assert response.status_code == 400, overrides
        assert "Location" not in response.headers


def test_login_page_is_chinese_and_wrong_password_keeps_the_username(idp):
    rp = idp.rp()
    flow = rp.new_flow()
    page = rp.authorize(flow)
    assert page.status_code == 200
    for text in ["统一身份认证平台（开发环境）", "账号", "密码", "登录"]:
        assert text in page.text
    response = rp.submit_login(flow, "citizen", "wrong")
    assert response.status_code == 200
    assert "账号或密码不正确" in response.text
    assert 'value="citizen"' in response.text
    assert 'aria-describedby="password-error"' in response.text
    assert rp.submit_login(flow, "citizen").status_code == 302


def test_login_form_without_its_csrf_token_is_not_accepted(idp):
    rp = idp.rp()
    flow = rp.new_flow()
    rp.authorize(flow)
    response = rp.browser.post(
        f"{idp.url}/authorize",
        params=flow.params,
        data={"username": "citizen", "password": "demo"},
        allow_redirects=False,
    )
    assert response.status_code == 200
    assert "页面已过期" in response.text
    assert "Location" not in response.headers


def test_existing_session_skips_the_login_page_and_keeps_the_sid(idp):
    rp = idp.rp()
    _, _, first = rp.sign_in("citizen")
    flow = rp.new_flow()
    rp.authorize(flow)
    assert flow.response.status_code == 302
    claims = idp.verify_jwt(rp.exchange(flow).json()["id_token"]).claims
    assert claims["sid"] == first["sid"] and claims["sub"] == first["sub"]
    assert claims["nonce"] == flow.params["nonce"]


def test_prompt_login_asks_again_despite_the_session(idp):
    rp = idp.rp()
    rp.login("citizen")
    flow = rp.new_flow(prompt="login")
    assert rp.authorize(flow).status_code == 200
    assert "账号" in flow.response.text


def test_prompt_none_without_session_answers_login_required(idp):
    rp = idp.rp()
    flow = rp.new_flow(prompt="none")
    response = rp.authorize(flow)
    assert response.status_code == 302
    assert flow.callback["error"] == "login_required"
    assert flow.callback["state"] == flow.params["state"]
    assert flow.callback["iss"] == idp.url
    assert "code" not in flow.callback


def test_prompt_none_with_session_answers_a_code(idp):
    rp = idp.rp()
    rp.login("senior")
    flow = rp.new_flow(prompt="none")
    rp.authorize(flow)
    assert flow.callback.get("code")
    claims = idp.verify_jwt(rp.exchange(flow).json()["id_token"]).claims
    assert claims["sub"] == ACCOUNTS["senior"]["sub"]


def test_reused_nonce_is_refused(idp):
    rp = idp.rp()
    first = rp.login("citizen")
    flow = rp.new_flow(nonce=first.params["nonce"])
    rp.authorize(flow)
    assert flow.callback["error"] == "invalid_request"


def test_extra_account_claims_are_released_as_configured_even_when_malformed(make_idp):
    extra = [{"username": "bad-id", "claims": {"sub": "bad-1", "name": "测试", "id_card": "123"}}]
    idp = make_idp(DEVIDP_EXTRA_ACCOUNTS=extra)
    _, _, claims = idp.rp().sign_in("bad-id")
    assert claims["id_card"] == "123" and claims["sub"] == "bad-1"
