"""The wallet (我的证照) on the phone, the public verification page and the published keys."""

from __future__ import annotations

import html
import re
from datetime import date
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.extensions import db
from mobile_hall.identity.constants import OrgRole, UserType
from mobile_hall.licenses import keys, services
from mobile_hall.licenses.issuance import Holder
from mobile_hall.licenses.models import License
from mobile_hall.storage.files import LocalFileStorage
from tests.support import builders
from tests.support.applications import account

VERIFY_LINK = re.compile(r'href="(http://localhost/licenses/verify\?token=[^"]+)"')


@pytest.fixture(autouse=True)
def _uploads(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(tmp_path))


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_license_issued_at_completion_appears_in_the_wallet_with_a_qr_code(app, sign_in):
    enterprise = sign_in("enterprise")
    with app.app_context():
        permit = builders.make_license_type()
        version = builders.make_item(permit.issuing_unit, audience="enterprise", result=permit)
        application = builders.make_application(
            account("enterprise"), version, ApplicationStatus.COMPLETED
        )
        license = db.session.scalars(
            sa.select(License).where(License.application_id == application.id)
        ).one()
        license_id, identifier, type_name = license.id, license.identifier, permit.name
    wallet = enterprise.get("/licenses")
    assert wallet.status_code == 200
    assert f'href="/licenses/{license_id}"' in wallet.get_data(as_text=True)
    detail = enterprise.get(f"/licenses/{license_id}")
    page = _text(detail)
    assert detail.status_code == 200 and detail.headers["Cache-Control"] == "no-store"
    assert '<svg viewBox="0 0' in page and 'class="qr"' in page and "<path" in page
    assert "<script" not in page and "https://" not in page
    assert identifier in page and type_name in page
    link = VERIFY_LINK.search(page).group(1)
    scanned = app.test_client().get(link)  # another phone, not signed in
    assert scanned.status_code == 200
    assert 'data-state="valid"' in _text(scanned)


def test_a_holder_never_sees_another_holders_license(app, sign_in):
    citizen = sign_in("citizen")
    agent = sign_in("agent", app.test_client())
    with app.app_context():
        company = account("agent").enterprise
        holder = Holder.enterprise(company.name, company.credit_code)
    license_id, _token = builders.licence_with_token(app, holder=holder)
    assert citizen.get(f"/licenses/{license_id}").status_code == 404
    assert f"/licenses/{license_id}" not in citizen.get("/licenses").get_data(as_text=True)
    assert agent.get(f"/licenses/{license_id}").status_code == 200
    assert app.test_client().get("/licenses").status_code in (302, 303)


def test_the_holder_sees_who_used_the_license_for_which_application(app, sign_in):
    enterprise = sign_in("enterprise")
    with app.app_context():
        company = account("enterprise").enterprise
        license = builders.issue_licence(
            holder=Holder.enterprise(company.name, company.credit_code)
        )
        agent = builders.make_account(
            user_type=UserType.LEGAL_PERSON, enterprise=company, org_role=OrgRole.AGENT
        )
        unit = license.license_type.issuing_unit
        version = builders.make_item(unit)
        draft = applicant.start_application(agent, version.item.code, unit.code)
        services.record_use(license, draft, agent)
        db.session.commit()
        license_id, item_name, agent_name = license.id, version.name, agent.name
    uses = _text(enterprise.get(f"/licenses/{license_id}")).split('id="uses"')[1]
    assert item_name in uses and agent_name in uses


def test_the_verification_page_names_valid_revoked_expired_and_forged(app, client):
    with app.app_context():
        license = builders.issue_licence()
        license_id, token = license.id, services.token_for(license)
        type_name = license.license_type.name
    assert 'data-state="valid"' in _text(client.get(f"/licenses/verify?token={token}"))
    head, payload, signature = token.split(".")
    altered = f"{head}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    forged = _text(client.get(f"/licenses/verify?token={altered}"))
    assert 'data-state="forged"' in forged and "伪造或无效" in forged and type_name not in forged
    with app.app_context():
        services.revoke_license(db.session.get(License, license_id), "营业执照被吊销", actor="test")
    revoked = _text(client.get(f"/licenses/verify?token={token}"))
    assert 'data-state="revoked"' in revoked and "注销原因：营业执照被吊销" in revoked
    _id, old_token = builders.licence_with_token(
        app, valid_from=date(2016, 1, 1)
    )  # valid five years
    expired = _text(client.get(f"/licenses/verify?token={old_token}"))
    assert 'data-state="expired"' in expired and "2020-12-31" in expired


def test_verification_shows_the_outline_only_with_a_masked_name_and_is_never_cached(app, client):
    fields = {"holder_name": "持证人", "wife_name": "女方", "certificate_number": "证书编号"}
    data = {"holder_name": "欧阳晓明", "wife_name": "林小燕", "certificate_number": "J440205-1"}
    number = builders.id_number()
    with app.app_context():
        certificate = builders.make_license_type(holder_type="person", fields=fields)
        license = builders.issue_licence(certificate, Holder.person("欧阳晓明", number), data)
        token = services.token_for(license)
        type_name, issuer_name = certificate.name, certificate.issuing_unit.name
    response = client.get(f"/licenses/verify?token={token}")
    page = _text(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "欧**明" in page and type_name in page and issuer_name in page
    for secret in ("欧阳晓明", "林小燕", "J440205-1", number, f"{number[:3]}***"):
        assert secret not in page


def test_a_pasted_link_is_verified_and_an_empty_paste_is_refused(app, client):
    _id, token = builders.licence_with_token(app)
    link = f"http://localhost/licenses/verify?token={token}"
    pasted = client.get(f"/licenses/verify?token={quote(link, safe='')}")
    assert 'data-state="valid"' in _text(pasted)
    empty = client.get("/licenses/verify?token=")
    assert empty.status_code == 400 and "请粘贴二维码内容或核验链接" in _text(empty)
    assert client.get("/licenses/verify").status_code == 200


def test_the_public_keys_are_a_jwks_with_the_current_key_first(app, client):
    builders.licence_with_token(app)
    response = client.get("/licenses/keys")
    assert response.mimetype == "application/jwk-set+json"
    published = response.get_json()["keys"]
    with app.app_context():
        assert published[0]["kid"] == keys.current_signer().key_id
    assert published[0]["kty"] == "OKP" and all("d" not in key for key in published)


def test_the_verification_page_opens_in_embedded_mode(client):
    response = client.get("/licenses/verify?embed=1")
    assert response.status_code == 200 and 'class="topbar"' not in response.get_data(as_text=True)
