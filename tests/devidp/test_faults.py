"""Fault injection for the hall's negative tests (only when DEVIDP_FAULTS_ENABLED)."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from joserfc.errors import BadSignatureError

DISCOVERY = "/.well-known/openid-configuration"


def decode_unverified(token: str) -> tuple[dict, dict, bytes]:
    """Header, claims and raw signature of a compact JWT, without checking anything."""

    def b64(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    header, claims, signature = token.split(".")
    return json.loads(b64(header)), json.loads(b64(claims)), b64(signature)


def set_faults(idp, **faults):
    response = idp.post("/_faults", json=faults)
    assert response.status_code == 200, response.text
    return response.json()


def id_token_after(idp, **faults) -> str:
    """Set ``faults``, sign in, and return the ID token of the token response."""
    set_faults(idp, **faults)
    rp = idp.rp()
    tokens = rp.exchange(rp.login("citizen"))
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["id_token"]


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_faults_endpoint_does_not_exist_when_disabled(idp, method):
    assert idp.http.request(method, f"{idp.url}/_faults", json={}).status_code == 404
    assert idp.post("/_faults/logout-token", json={"sub": "x"}).status_code == 404


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": ["another-client"], "azp": "mobile-hall"},
        {"iss": "https://impostor.example"},
        {"nonce": "not-the-nonce"},
        {"exp": 1000, "iat": 900},
        {"id_card": "440205198506121230", "uscc": "91440205MA4W3K7B9X"},
        {"real_name_level": 7},
    ],
)
def test_id_token_claims_fault_overrides_claims_in_a_validly_signed_token(faulty_idp, overrides):
    claims = faulty_idp.verify_jwt(id_token_after(faulty_idp, id_token_claims=overrides)).claims
    assert {k: claims[k] for k in overrides} == overrides


def test_id_token_claims_fault_with_null_deletes_the_claim(faulty_idp):
    token = id_token_after(faulty_idp, id_token_claims={"nonce": None, "id_card": None})
    claims = faulty_idp.verify_jwt(token).claims
    assert "nonce" not in claims and "id_card" not in claims
    assert claims["sub"]


def test_id_token_alg_none_fault_gives_an_unsigned_token(faulty_idp):
    header, claims, signature = decode_unverified(id_token_after(faulty_idp, id_token_alg="none"))
    assert header["alg"] == "none" and "kid" not in header
    assert signature == b""
    assert claims["iss"] == faulty_idp.url


def test_id_token_alg_hs256_fault_signs_with_the_client_secret(faulty_idp):
    token = id_token_after(faulty_idp, id_token_alg="HS256")
    header, claims, signature = decode_unverified(token)
    signing_input = token.rsplit(".", 1)[0].encode()
    key = faulty_idp.client_secret.encode()
    assert header["alg"] == "HS256"
    assert signature == hmac.new(key, signing_input, hashlib.sha256).digest()
    assert claims["aud"] == [faulty_idp.client_id]


def test_tamper_signature_fault_breaks_the_signature_only(faulty_idp):
    token = id_token_after(faulty_idp, tamper_signature=True)
    with pytest.raises(BadSignatureError):
        faulty_idp.verify_jwt(token)
    header, claims, _ = decode_unverified(token)
    assert header["alg"] == "RS256" and claims["iss"] == faulty_idp.url


def test_token_faults_apply_once_then_tokens_are_genuine_again(faulty_idp):
    id_token_after(faulty_idp, id_token_claims={"aud": "x"})
    rp = faulty_idp.rp()
    claims = faulty_idp.verify_jwt(rp.exchange(rp.login("citizen")).json()["id_token"]).claims
    assert claims["aud"] == [faulty_idp.client_id]


def test_persistent_faults_stay_until_deleted(faulty_idp):
    set_faults(faulty_idp, discovery_issuer="https://other.example", persist=True)
    for _ in range(2):
        assert faulty_idp.get(DISCOVERY).json()["issuer"] == "https://other.example"
    assert faulty_idp.http.delete(f"{faulty_idp.url}/_faults").status_code == 204
    assert faulty_idp.get(DISCOVERY).json()["issuer"] == faulty_idp.url
    assert faulty_idp.get("/_faults").json() == {"persist": False}


def test_discovery_issuer_fault_changes_the_next_discovery_document_only(faulty_idp):
    set_faults(faulty_idp, discovery_issuer="https://other.example")
    faulty = faulty_idp.get(DISCOVERY).json()
    assert faulty["issuer"] == "https://other.example"
    assert faulty["token_endpoint"] == f"{faulty_idp.url}/token"
    assert faulty_idp.get(DISCOVERY).json()["issuer"] == faulty_idp.url


def test_callback_iss_fault_changes_the_iss_parameter_of_the_redirect(faulty_idp):
    set_faults(faulty_idp, callback_iss="https://other.example")
    flow = faulty_idp.rp().login("citizen")
    assert flow.callback["iss"] == "https://other.example"
    assert faulty_idp.rp().login("citizen").callback["iss"] == faulty_idp.url


@pytest.mark.parametrize(
    "body", [{"no_such_fault": 1}, {"id_token_alg": "ES256"}, {"tamper_signature": "yes"}, [1]]
)
def test_malformed_faults_are_refused(faulty_idp, body):
    response = faulty_idp.post("/_faults", json=body)
    assert response.status_code == 400
    assert faulty_idp.get("/_faults").json() == {"persist": False}


def test_logout_token_is_minted_genuine_or_faulty_for_backchannel_tests(faulty_idp):
    def mint(**body):
        response = faulty_idp.post("/_faults/logout-token", json=body)
        return response.json()["logout_token"] if response.status_code == 200 else response

    genuine = faulty_idp.verify_jwt(mint(sub="s-1", sid="sid-1"))
    assert genuine.header["typ"] == "logout+jwt"
    assert genuine.claims["sid"] == "sid-1" and genuine.claims["aud"] == faulty_idp.client_id
    assert genuine.claims["exp"] > time.time()

    faulty = faulty_idp.verify_jwt(
        mint(sub="s-1", claims={"nonce": "n", "events": None}, typ="JWT")
    )
    assert faulty.header["typ"] == "JWT"
    assert faulty.claims["nonce"] == "n"
    assert "events" not in faulty.claims and "sid" not in faulty.claims

    sid_only = faulty_idp.verify_jwt(mint(sid="sid-2"))
    assert sid_only.claims["sid"] == "sid-2" and "sub" not in sid_only.claims
    assert mint(client_id="mobile-hall").status_code == 400
    assert mint(sub="s", client_id="nobody").status_code == 400
