"""Discovery, published keys, key persistence and start-up settings."""

import json
import stat

import pytest

from devidp import ConfigError, create_app


def test_discovery_document_describes_the_provider(idp):
    doc = idp.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == idp.url
    for name, path in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
        ("end_session_endpoint", "/end-session"),
    ]:
        assert doc[name] == idp.url + path
    assert doc["response_types_supported"] == ["code"]
    assert doc["subject_types_supported"] == ["public"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "profile", "phone", "gd_identity"} <= set(doc["scopes_supported"])
    assert {"id_card", "uscc", "real_name_level", "org_role", "sid"} <= set(doc["claims_supported"])
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert doc["backchannel_logout_supported"] is True
    assert doc["backchannel_logout_session_supported"] is True
    assert doc["authorization_response_iss_parameter_supported"] is True


def test_jwks_publishes_only_public_rsa_keys_with_a_kid(idp):
    keys = idp.get("/jwks").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert keys[0]["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(keys[0])


def test_key_is_generated_once_with_mode_0600_and_reused_by_the_next_instance(make_idp, tmp_path):
    key_file = tmp_path / "instance" / "devidp-jwks.json"
    first = make_idp(DEVIDP_KEY_FILE=str(key_file))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "d" in json.loads(key_file.read_text())["keys"][0]  # the private key is kept
    _, tokens, _ = first.rp().sign_in("citizen")

    second = make_idp(DEVIDP_KEY_FILE=str(key_file))
    assert second.get("/jwks").json() == first.get("/jwks").json()
    assert second.verify_jwt(tokens["id_token"]).claims["sub"]


def test_start_without_client_secret_is_refused_with_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="DEVIDP_CLIENT_SECRET"):
        create_app({"DEVIDP_KEY_FILE": str(tmp_path / "k.json")})


def test_settings_fall_back_to_the_environment(monkeypatch, key_file):
    monkeypatch.setenv("DEVIDP_CLIENT_SECRET", "from-the-environment")
    monkeypatch.setenv("DEVIDP_ISSUER", "http://127.0.0.1:9999")
    app = create_app({"DEVIDP_KEY_FILE": str(key_file)})
    doc = app.test_client().get("/.well-known/openid-configuration").get_json()
    assert doc["issuer"] == "http://127.0.0.1:9999"


def test_clients_can_be_listed_as_json(make_idp, receiver):
    clients = [
        {
            "client_id": "other-app",
            "client_secret": "other-secret-" + "y" * 20,
            "redirect_uris": [f"{receiver.url}/other/callback"],
        }
    ]
    idp = make_idp(DEVIDP_CLIENTS=json.dumps(clients), DEVIDP_CLIENT_SECRET=None)
    rp = idp.rp("other-app", clients[0]["client_secret"], f"{receiver.url}/other/callback")
    _, _, claims = rp.sign_in("citizen")
    assert claims["aud"] == ["other-app"]
    hall = idp.rp()
    response = hall.authorize(hall.new_flow())
    assert response.status_code == 400  # mobile-hall is not registered here
    assert "Location" not in response.headers


def test_home_page_lists_the_demo_accounts_for_newcomers(idp):
    page = idp.get("/")
    assert page.status_code == 200
    for username in ["citizen", "citizen-l1", "enterprise", "agent", "clerk", "office"]:
        assert f"<code>{username}</code>" in page.text
    assert "韶关市曲江区马坝镇曲香食品有限公司" in page.text
    assert "demo" in page.text
