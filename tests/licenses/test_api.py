"""The departments' API: a unit's key issues, revokes and looks up licenses of its types."""

from __future__ import annotations

import html

import jwt
import pytest
import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.common.encoding import b64url_decode
from mobile_hall.extensions import db
from mobile_hall.licenses.departments import create_api_key, revoke_api_key
from mobile_hall.licenses.identifiers import is_valid_license_identifier
from mobile_hall.licenses.models import ApiKey, License
from mobile_hall.licenses.signing import canonical_json, verify_signature

FOOD_PERMIT = "11440205MB2C31477C003"
MARRIAGE = "114402050070186335001"
COMPANY = {"kind": "enterprise", "name": "曲江区好味道餐饮店", "credit_code": "91440205MA4W3K7B95"}
PERSON_ID = "440205198807153325"


@pytest.fixture
def key_of(app, isolated_db):
    """Make an API key for a unit; returns the Authorization header."""

    def make(unit_code: str = "QJ-SCJGJ") -> dict[str, str]:
        with app.app_context():
            _api_key, key = create_api_key(unit_code, actor="test")
        return {"Authorization": f"Bearer {key}"}

    return make


def _issue(client, headers, **overrides):
    body = {
        "type": FOOD_PERMIT,
        "holder": COMPANY,
        "data": {"operator_name": COMPANY["name"], "main_format": "餐饮服务经营者"},
        **overrides,
    }
    return client.post("/api/v1/licenses", json=body, headers=headers)


def test_a_department_issues_a_license_that_verifies(client, key_of):
    response = _issue(client, key_of(), valid_from="2026-03-01")
    assert response.status_code == 201, response.get_json()
    issued = response.get_json()
    assert is_valid_license_identifier(issued["identifier"])
    assert response.headers["Location"] == f"/api/v1/licenses/{issued['identifier']}"
    assert (issued["valid_from"], issued["valid_until"]) == ("2026-03-01", "2031-02-28")
    assert (issued["status"], issued["source"]) == ("valid", "api")
    assert issued["data"]["main_format"] == "餐饮服务经营者" and issued["data"]["uscc"] == ""
    page = html.unescape(client.get(issued["verify_url"]).get_data(as_text=True))
    assert 'data-state="valid"' in page


def test_the_signed_form_verifies_with_the_published_keys_alone(client, key_of):
    issued = _issue(client, key_of()).get_json()
    published = client.get("/licenses/keys").get_json()
    signed = issued["signature"]
    signature = b64url_decode(signed["value"])
    data = canonical_json(signed["signed"])
    assert verify_signature(published, signed["key_id"], data, signature)
    assert signed["signed"]["identifier"] == issued["identifier"]


def test_a_third_party_verifies_a_licence_with_pyjwt_and_the_published_jwks_alone(client, key_of):
    """What a department or a bank can do offline with PyJWT, knowing only /licenses/keys."""
    issued = _issue(client, key_of()).get_json()
    published = jwt.PyJWKSet.from_dict(client.get("/licenses/keys").get_json())
    token = issued["token"]
    key = published[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key, algorithms=["EdDSA"])
    assert claims["lid"] == issued["identifier"]
    signed = issued["signature"]
    record_key = published[signed["key_id"]].key
    record_key.verify(b64url_decode(signed["value"]), canonical_json(signed["signed"]))
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BA")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key, algorithms=["EdDSA"])


def test_a_person_is_kept_by_hash_and_mask_and_the_number_is_never_echoed(app, client, key_of):
    holder = {"kind": "person", "name": "林小燕", "id_number": PERSON_ID}
    response = _issue(client, key_of("QJ-MZJ"), type=MARRIAGE, holder=holder, data={})
    assert response.status_code == 201
    assert PERSON_ID not in response.get_data(as_text=True)
    assert response.get_json()["holder"]["number"] == "440***********3325"
    with app.app_context():
        license = db.session.scalars(
            sa.select(License).where(License.identifier == response.get_json()["identifier"])
        ).one()
        assert PERSON_ID not in str([getattr(license, c.key) for c in License.__table__.columns])
    bad = {**holder, "id_number": "440205198807153326"}
    refused = _issue(client, key_of("QJ-MZJ"), type=MARRIAGE, holder=bad, data={})
    assert refused.status_code == 400
    assert refused.get_json()["reason"] == "id_number"
    assert "440205198807153326" not in refused.get_data(as_text=True)


def test_a_revocation_needs_a_reason_is_audited_and_shows_on_the_verify_page_at_once(
    app, client, key_of
):
    headers = key_of()
    issued = _issue(client, headers).get_json()
    path = f"/api/v1/licenses/{issued['identifier']}/revoke"
    assert client.post(path, json={}, headers=headers).status_code == 400
    assert client.post(path, json={"reason": "  "}, headers=headers).status_code == 400
    response = client.post(path, json={"reason": "经营场所已灭失"}, headers=headers)
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["revoked_reason"]) == (
        "revoked",
        "经营场所已灭失",
    )
    page = html.unescape(client.get(issued["verify_url"]).get_data(as_text=True))
    assert 'data-state="revoked"' in page and "经营场所已灭失" in page
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "licenses.revoke")
        ).all()[-1]
    assert event.target == f"license:{issued['identifier']}"
    assert event.actor.startswith("api-key:qjl_")


def test_a_look_up_gives_the_state_today(client, key_of):
    headers = key_of()
    issued = _issue(client, headers).get_json()
    found = client.get(f"/api/v1/licenses/{issued['identifier'].lower()}", headers=headers)
    assert found.status_code == 200
    assert found.get_json()["identifier"] == issued["identifier"]
    assert found.get_json()["status"] == "valid"
    unknown = issued["identifier"].replace(".001.", ".002.")[:-1] + "0"
    assert client.get(f"/api/v1/licenses/{unknown}", headers=headers).status_code == 404


def test_without_a_valid_key_every_call_is_401(app, client, key_of):
    headers = key_of()
    issued = _issue(client, headers).get_json()
    path = f"/api/v1/licenses/{issued['identifier']}"
    for bad in ({}, {"Authorization": "Bearer qjl_wrong"}, {"Authorization": "Basic abc"}):
        response = client.get(path, headers=bad)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _issue(client, {}).status_code == 401
    with app.app_context():
        prefix = db.session.scalars(sa.select(ApiKey.prefix)).all()[-1]
        revoke_api_key(prefix, actor="test")
    assert client.get(path, headers=headers).status_code == 401


def test_a_type_outside_the_keys_scope_is_403(client, key_of):
    market, civil = key_of(), key_of("QJ-MZJ")
    holder = {"kind": "person", "name": "林小燕", "id_number": PERSON_ID}
    assert _issue(client, market, type=MARRIAGE, holder=holder, data={}).status_code == 403
    issued = _issue(client, market).get_json()
    path = f"/api/v1/licenses/{issued['identifier']}"
    assert client.get(path, headers=civil).status_code == 403
    revoke = client.post(f"{path}/revoke", json={"reason": "越权"}, headers=civil)
    assert revoke.status_code == 403
    assert client.get(path, headers=market).get_json()["status"] == "valid"


def test_a_repeated_issue_is_409_naming_the_first_license(client, key_of):
    headers = key_of()
    first = _issue(client, headers).get_json()
    again = _issue(client, headers)
    assert again.status_code == 409
    assert again.get_json() == {"error": "duplicate", "identifier": first["identifier"]}


def test_a_malformed_request_is_400_naming_fields_not_values(client, key_of):
    headers = key_of()
    response = _issue(client, headers, data={"no_such_field": "x"})
    assert (response.status_code, response.get_json()["reason"]) == (400, "data_field")
    missing = client.post("/api/v1/licenses", json={"type": FOOD_PERMIT}, headers=headers)
    assert missing.status_code == 400
    assert {p["field"] for p in missing.get_json()["problems"]} == {"holder", "data"}
    not_json = client.post("/api/v1/licenses", data="{", headers=headers)
    assert not_json.status_code == 400


def test_the_cli_prints_a_new_key_once_and_keeps_only_its_hash(app, runner):
    result = runner.invoke(args=["licenses", "create-api-key", "QJ-SCJGJ"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("qjl_") and len(key) > 40
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiKey)).all()[-1]
        assert key not in (stored.key_hash, stored.prefix) and key.startswith(stored.prefix)
        assert FOOD_PERMIT in stored.scopes and MARRIAGE not in stored.scopes
    refused = runner.invoke(args=["licenses", "create-api-key", "QJ-NOWHERE"])
    assert refused.exit_code == 1 and "单位代码不存在" in refused.output
