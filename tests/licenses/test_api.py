"""The departments' API: a unit's key issues, revokes and looks up licenses of its types."""

from __future__ import annotations

import html
from dataclasses import dataclass

import jwt
import pytest
import sqlalchemy as sa

from mobile_hall.api.keys import create_api_key, revoke_api_key
from mobile_hall.api.models import ApiKey
from mobile_hall.audit.models import AuditEvent
from mobile_hall.common.encoding import b64url_decode
from mobile_hall.extensions import db
from mobile_hall.identity.identifiers import mask_id_number
from mobile_hall.licenses.demo import DEMO_CITIZEN
from mobile_hall.licenses.identifiers import is_valid_license_identifier
from mobile_hall.licenses.models import License
from mobile_hall.licenses.signing import canonical_json, verify_signature
from mobile_hall.organisations.models import Unit
from tests.support import builders

COMPANY = {
    "kind": "enterprise",
    "name": "曲江区好味道餐饮店",
    "credit_code": builders.credit_code(),
}
PERSON_ID = builders.id_number()
PERMIT_FIELDS = {
    "operator_name": "经营者名称",
    "main_format": "主体业态",
    "uscc": "统一社会信用代码",
}


@dataclass(frozen=True)
class Departments:
    """Two departments' units and the licence type each issues (by code)."""

    market: str
    permit: str  # an enterprise's, five years
    civil: str
    certificate: str  # a person's, for life


@pytest.fixture
def departments(app, isolated_db) -> Departments:
    with app.app_context():
        permit = builders.make_license_type(fields=PERMIT_FIELDS)
        certificate = builders.make_license_type(
            holder_type="person", fields={"holder_name": "持证人"}, validity_years=None
        )
        return Departments(
            permit.issuing_unit.code, permit.code, certificate.issuing_unit.code, certificate.code
        )


@pytest.fixture
def key_of(app, departments):
    """Make an API key for a unit (the market department's by default); returns the
    Authorization header."""

    def make(unit_code: str = departments.market) -> dict[str, str]:
        with app.app_context():
            _api_key, key = create_api_key(unit_code, actor="test")
        return {"Authorization": f"Bearer {key}"}

    return make


@pytest.fixture
def issue(client, departments):
    """POST a licence to the API (the market department's permit to COMPANY by default)."""

    def post(headers, **overrides):
        body = {
            "type": departments.permit,
            "holder": COMPANY,
            "data": {"operator_name": COMPANY["name"], "main_format": "餐饮服务经营者"},
            **overrides,
        }
        return client.post("/api/v1/licenses", json=body, headers=headers)

    return post


def test_a_department_issues_a_license_that_verifies(client, key_of, issue):
    response = issue(key_of(), valid_from="2026-03-01")
    assert response.status_code == 201, response.get_json()
    issued = response.get_json()
    assert is_valid_license_identifier(issued["identifier"])
    assert response.headers["Location"] == f"/api/v1/licenses/{issued['identifier']}"
    assert (issued["valid_from"], issued["valid_until"]) == ("2026-03-01", "2031-02-28")
    assert (issued["status"], issued["source"]) == ("valid", "api")
    assert issued["data"]["main_format"] == "餐饮服务经营者" and issued["data"]["uscc"] == ""
    page = html.unescape(client.get(issued["verify_url"]).get_data(as_text=True))
    assert 'data-state="valid"' in page


def test_the_signed_form_verifies_with_the_published_keys_alone(client, key_of, issue):
    issued = issue(key_of()).get_json()
    published = client.get("/licenses/keys").get_json()
    signed = issued["signature"]
    signature = b64url_decode(signed["value"])
    data = canonical_json(signed["signed"])
    assert verify_signature(published, signed["key_id"], data, signature)
    assert signed["signed"]["identifier"] == issued["identifier"]


def test_a_third_party_verifies_a_licence_with_pyjwt_and_the_published_jwks_alone(
    client, key_of, issue
):
    """What a department or a bank can do offline with PyJWT, knowing only /licenses/keys."""
    issued = issue(key_of()).get_json()
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


def test_a_person_is_kept_by_hash_and_mask_and_the_number_is_never_echoed(
    app, client, key_of, issue, departments
):
    holder = {"kind": "person", "name": "林小燕", "id_number": PERSON_ID}
    response = issue(
        key_of(departments.civil), type=departments.certificate, holder=holder, data={}
    )
    assert response.status_code == 201
    assert PERSON_ID not in response.get_data(as_text=True)
    assert response.get_json()["holder"]["number"] == f"{PERSON_ID[:3]}{'*' * 11}{PERSON_ID[-4:]}"
    with app.app_context():
        license = db.session.scalars(
            sa.select(License).where(License.identifier == response.get_json()["identifier"])
        ).one()
        assert PERSON_ID not in str([getattr(license, c.key) for c in License.__table__.columns])
    wrong = next(c for c in "0123456789X" if c != PERSON_ID[-1])  # one check character is right
    bad = {**holder, "id_number": PERSON_ID[:-1] + wrong}
    refused = issue(key_of(departments.civil), type=departments.certificate, holder=bad, data={})
    assert refused.status_code == 400
    assert refused.get_json()["reason"] == "id_number"
    assert bad["id_number"] not in refused.get_data(as_text=True)


def test_an_id_number_in_the_data_is_kept_and_shown_only_masked(
    app, client, sign_in, key_of, issue, departments
):
    with app.app_context():
        civil = db.session.scalars(sa.select(Unit).where(Unit.code == departments.civil)).one()
        spouses = {
            "holder_name": "持证人",
            "wife_name": "女方姓名",
            "wife_id_number": "女方身份证号",
        }
        marriage = builders.make_license_type(civil, holder_type="person", fields=spouses).code
    headers = key_of(departments.civil)  # after the type: the key reaches the unit's types
    spouse = builders.id_number()
    response = issue(
        headers,
        type=marriage,
        holder={"kind": "person", "name": DEMO_CITIZEN[0], "id_number": DEMO_CITIZEN[1]},
        data={"holder_name": DEMO_CITIZEN[0], "wife_name": "林小燕", "wife_id_number": spouse},
    )
    assert response.status_code == 201, response.get_json()
    issued = response.get_json()
    assert issued["data"]["wife_id_number"] == mask_id_number(spouse)
    look_up = client.get(f"/api/v1/licenses/{issued['identifier']}", headers=headers)
    assert look_up.get_json()["data"]["wife_id_number"] == mask_id_number(spouse)
    with app.app_context():
        license = db.session.scalars(
            sa.select(License).where(License.identifier == issued["identifier"])
        ).one()
        stored = str([getattr(license, c.key) for c in License.__table__.columns])
        license_id = license.id
    # The holder is still found by the hash of their own number: the licence is in the wallet.
    page = sign_in("citizen").get(f"/licenses/{license_id}")
    assert page.status_code == 200 and mask_id_number(spouse) in page.get_data(as_text=True)
    for shown in (response, look_up, page):
        assert spouse not in shown.get_data(as_text=True)
    assert spouse not in stored


def test_a_revocation_needs_a_reason_is_audited_and_shows_on_the_verify_page_at_once(
    app, client, key_of, issue
):
    headers = key_of()
    issued = issue(headers).get_json()
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
    assert event.actor.startswith("api-key:qjk_")


def test_a_look_up_gives_the_state_today_and_is_audited(app, client, key_of, issue):
    headers = key_of()
    issued = issue(headers).get_json()
    found = client.get(f"/api/v1/licenses/{issued['identifier'].lower()}", headers=headers)
    assert found.status_code == 200
    assert found.get_json()["identifier"] == issued["identifier"]
    assert found.get_json()["status"] == "valid"
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "licenses.look_up")
        ).all()[-1]
    assert event.target == f"license:{issued['identifier']}"
    unknown = issued["identifier"].replace(".001.", ".002.")[:-1] + "0"
    assert client.get(f"/api/v1/licenses/{unknown}", headers=headers).status_code == 404


def test_without_a_valid_key_every_call_is_401(app, client, key_of, issue):
    headers = key_of()
    issued = issue(headers).get_json()
    path = f"/api/v1/licenses/{issued['identifier']}"
    for bad in ({}, {"Authorization": "Bearer qjk_wrong"}, {"Authorization": "Basic abc"}):
        response = client.get(path, headers=bad)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert issue({}).status_code == 401
    with app.app_context():
        prefix = db.session.scalars(sa.select(ApiKey.prefix)).all()[-1]
        revoke_api_key(prefix, actor="test")
    assert client.get(path, headers=headers).status_code == 401


def test_a_type_outside_the_keys_scope_is_403(client, key_of, issue, departments):
    market, civil = key_of(), key_of(departments.civil)
    holder = {"kind": "person", "name": "林小燕", "id_number": PERSON_ID}
    assert issue(market, type=departments.certificate, holder=holder, data={}).status_code == 403
    issued = issue(market).get_json()
    path = f"/api/v1/licenses/{issued['identifier']}"
    assert client.get(path, headers=civil).status_code == 403
    revoke = client.post(f"{path}/revoke", json={"reason": "越权"}, headers=civil)
    assert revoke.status_code == 403
    assert client.get(path, headers=market).get_json()["status"] == "valid"


def test_a_repeated_issue_is_409_naming_the_first_license(client, key_of, issue):
    headers = key_of()
    first = issue(headers).get_json()
    again = issue(headers)
    assert again.status_code == 409
    assert again.get_json() == {"error": "duplicate", "identifier": first["identifier"]}


def test_a_malformed_request_is_400_naming_fields_not_values(client, key_of, issue, departments):
    headers = key_of()
    response = issue(headers, data={"no_such_field": "x"})
    assert (response.status_code, response.get_json()["reason"]) == (400, "data_field")
    missing = client.post("/api/v1/licenses", json={"type": departments.permit}, headers=headers)
    assert missing.status_code == 400
    assert {p["field"] for p in missing.get_json()["problems"]} == {"holder", "data"}
    not_json = client.post("/api/v1/licenses", data="{", headers=headers)
    assert not_json.status_code == 400


def test_the_cli_prints_a_new_key_once_and_keeps_only_its_hash(app, runner, departments):
    result = runner.invoke(args=["licenses", "create-api-key", departments.market])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("qjk_") and len(key) > 40
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiKey)).all()[-1]
        assert key not in (stored.key_hash, stored.prefix) and key.startswith(stored.prefix)
        assert stored.license_types == [departments.permit]
    refused = runner.invoke(args=["licenses", "create-api-key", "QJ-NOWHERE"])
    assert refused.exit_code == 1 and "单位代码不存在" in refused.output
