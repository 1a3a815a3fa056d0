"""RP-initiated logout and the back-channel logout tokens it sends."""

import base64
import json
import logging
import socket
import time

BACKCHANNEL_PATH = "/auth/backchannel-logout"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def end_session(rp, id_token=None, **params):
    """GET the end-session endpoint in the relying party's browser, without following redirects."""
    if id_token:
        params["id_token_hint"] = id_token
    url = f"{rp.idp.url}/end-session"
    return rp.browser.get(url, params=params, allow_redirects=False)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_end_session_sends_a_valid_backchannel_logout_token_and_redirects(idp, receiver):
    rp = idp.rp()
    _, tokens, id_claims = rp.sign_in("citizen")
    before = len(receiver.tokens(BACKCHANNEL_PATH))
    home = f"{receiver.url}/"
    response = end_session(rp, tokens["id_token"], post_logout_redirect_uri=home, state="s1")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{home}?state=s1"

    [logout_token] = receiver.tokens(BACKCHANNEL_PATH)[before:]
    verified = idp.verify_jwt(logout_token)
    claims = verified.claims
    assert verified.header["typ"] == "logout+jwt" and verified.header["kid"]
    assert claims["events"] == {EVENT: {}}
    assert claims["iss"] == idp.url and claims["aud"] == idp.client_id
    assert claims["sid"] == id_claims["sid"] and claims["sub"] == id_claims["sub"]
    assert "nonce" not in claims
    assert claims["jti"] and abs(claims["iat"] - time.time()) < 60 and claims["exp"] > claims["iat"]


def test_session_is_over_after_end_session(idp):
    rp = idp.rp()
    _, tokens, _ = rp.sign_in("citizen")
    end_session(rp, tokens["id_token"])
    flow = rp.new_flow(prompt="none")
    rp.authorize(flow)
    assert flow.callback["error"] == "login_required"


def test_each_logout_token_is_unique(idp, receiver):
    for _ in range(2):
        rp = idp.rp()
        _, tokens, _ = rp.sign_in("citizen")
        end_session(rp, tokens["id_token"])
    last_two = receiver.tokens(BACKCHANNEL_PATH)[-2:]
    jtis = {idp.verify_jwt(token).claims["jti"] for token in last_two}
    assert len(jtis) == 2


def test_end_session_notifies_every_client_the_session_signed_in_to(make_idp, receiver):
    clients = [
        {
            "client_id": name,
            "client_secret": f"{name}-secret-" + "z" * 20,
            "redirect_uris": [f"{receiver.url}/{name}/callback"],
            "post_logout_redirect_uris": [f"{receiver.url}/{name}/"],
            "backchannel_logout_uri": f"{receiver.url}/{name}/logout",
        }
        for name in ("app-a", "app-b", "app-c")
    ]
    idp = make_idp(DEVIDP_CLIENTS=json.dumps(clients))
    a = idp.rp("app-a", clients[0]["client_secret"], clients[0]["redirect_uris"][0])
    _, tokens, id_claims = a.sign_in("clerk")
    b = idp.rp("app-b", clients[1]["client_secret"], clients[1]["redirect_uris"][0])
    b.browser = a.browser  # same browser: single sign-on, no login page
    flow = b.new_flow()
    b.authorize(flow)
    assert flow.callback.get("code")

    end_session(a, tokens["id_token"])
    for name in ("app-a", "app-b"):
        [token] = receiver.tokens(f"/{name}/logout")
        claims = idp.verify_jwt(token).claims
        assert claims["aud"] == name and claims["sid"] == id_claims["sid"]
    assert receiver.tokens("/app-c/logout") == []


def test_failed_backchannel_delivery_is_logged_and_logout_goes_on(make_idp, caplog):
    gone = f"http://127.0.0.1:{closed_port()}"
    client = {
        "client_id": "gone",
        "client_secret": "gone-secret-" + "q" * 20,
        "redirect_uris": [f"{gone}/auth/callback"],
        "post_logout_redirect_uris": [f"{gone}/"],
        "backchannel_logout_uri": f"{gone}/auth/backchannel-logout",
    }
    idp = make_idp(DEVIDP_CLIENTS=[client], DEVIDP_BACKCHANNEL_TIMEOUT=0.5)
    rp = idp.rp("gone", client["client_secret"], client["redirect_uris"][0])
    _, tokens, _ = rp.sign_in("citizen")
    with caplog.at_level(logging.WARNING, logger="devidp.logout"):
        response = end_session(rp, tokens["id_token"], post_logout_redirect_uri=f"{gone}/")
    assert response.status_code == 302
    assert any("Back-channel logout to gone failed" in r.getMessage() for r in caplog.records)


def test_unregistered_post_logout_uri_shows_the_signed_out_page_instead(idp):
    rp = idp.rp()
    _, tokens, _ = rp.sign_in("citizen")
    response = end_session(rp, tokens["id_token"], post_logout_redirect_uri="https://evil.example/")
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "已退出" in response.text


def test_forged_id_token_hint_is_refused_without_redirect(idp, receiver):
    rp = idp.rp()
    _, tokens, _ = rp.sign_in("citizen")
    header, _, signature = tokens["id_token"].split(".")
    payload = base64.urlsafe_b64encode(json.dumps({"sub": "someone-else"}).encode()).decode()
    forged = f"{header}.{payload.rstrip('=')}.{signature}"
    response = end_session(rp, forged, post_logout_redirect_uri=f"{receiver.url}/")
    assert response.status_code == 400
    assert "Location" not in response.headers
    flow = rp.new_flow(prompt="none")
    rp.authorize(flow)
    assert flow.callback.get("code")  # still signed in


def test_logout_without_hint_asks_for_confirmation_then_signs_out(idp, receiver):
    rp = idp.rp()
    rp.sign_in("office")
    before = len(receiver.tokens(BACKCHANNEL_PATH))
    page = end_session(rp, post_logout_redirect_uri=f"{receiver.url}/", client_id=idp.client_id)
    assert page.status_code == 200 and "确认退出" in page.text
    forged = rp.browser.post(f"{idp.url}/end-session", data={"client_id": idp.client_id})
    assert "确认退出" in forged.text  # a cross-site POST without the form's token only asks
    assert len(receiver.tokens(BACKCHANNEL_PATH)) == before
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf,
        "client_id": idp.client_id,
        "post_logout_redirect_uri": f"{receiver.url}/",
    }
    done = rp.browser.post(f"{idp.url}/end-session", data=form, allow_redirects=False)
    assert done.status_code == 302 and done.headers["Location"] == f"{receiver.url}/"
    assert len(receiver.tokens(BACKCHANNEL_PATH)) == before + 1


def test_signing_in_as_someone_else_ends_the_previous_session(idp, receiver):
    rp = idp.rp()
    _, _, first = rp.sign_in("citizen")
    before = len(receiver.tokens(BACKCHANNEL_PATH))
    flow = rp.new_flow(prompt="login")
    rp.authorize(flow)
    rp.submit_login(flow, "agent")
    claims = idp.verify_jwt(rp.exchange(flow).json()["id_token"]).claims
    assert claims["sub"] != first["sub"] and claims["sid"] != first["sid"]
    [token] = receiver.tokens(BACKCHANNEL_PATH)[before:]
    assert idp.verify_jwt(token).claims["sid"] == first["sid"]


def test_relying_party_may_post_the_logout_request_with_its_id_token(idp, receiver):
    rp = idp.rp()
    _, tokens, _ = rp.sign_in("enterprise")
    form = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": f"{receiver.url}/"}
    response = rp.browser.post(f"{idp.url}/end-session", data=form, allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"] == f"{receiver.url}/"
    flow = rp.new_flow(prompt="none")
    rp.authorize(flow)
    assert flow.callback["error"] == "login_required"
