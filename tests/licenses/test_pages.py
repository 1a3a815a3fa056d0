"""The wallet (我的证照) on the phone, the public verification page and the published keys."""

from __future__ import annotations

import html
import io
import re
from datetime import date
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import Decision
from mobile_hall.catalog.models import LicenseType
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from mobile_hall.licenses import keys, services
from mobile_hall.licenses.constants import LicenseSource
from mobile_hall.licenses.issuance import Holder, issue_license
from mobile_hall.licenses.models import License
from mobile_hall.storage.files import LocalFileStorage
from mobile_hall.workbench import services as workbench
from tests.support.samples import PNG

COMPANY = ("韶关市曲江区马坝镇曲香食品有限公司", "91440205MA4W3K7B95")
FOOD_ANSWERS = {
    "enterprise_name": COMPANY[0],
    "uscc": COMPANY[1],
    "agent_name": "陈丽娟",
    "agent_phone": "13800000005",
    "business_place": "韶关市曲江区马坝镇工业园区兴业路12号",
    "main_format": "餐饮服务经营者",
    "business_items": ["热食类食品制售"],
    "place_area": "80",
}
VERIFY_LINK = re.compile(r'href="(http://localhost/licenses/verify\?token=[^"]+)"')


@pytest.fixture(autouse=True)
def _uploads(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(tmp_path))


def _account(name: str) -> Account:
    return db.session.scalars(sa.select(Account).where(Account.name == name)).one()


def _issue(app, code: str, data: dict, person: tuple | None = None, **dates) -> tuple[int, str]:
    """A license issued through the service layer (to the person, else the demo company);
    its id and QR token."""
    with app.app_context():
        holder = Holder.person(*person) if person else Holder.enterprise(*COMPANY)
        license_type = db.session.scalars(
            sa.select(LicenseType).where(LicenseType.code == code)
        ).one()
        license = issue_license(
            license_type, license_type.issuing_unit, holder, data, source=LicenseSource.API, **dates
        )
        db.session.commit()
        return license.id, services.token_for(license)


def _business_license(app) -> tuple[int, str]:
    return _issue(app, "11440205MB2C31477C001", {"name": COMPANY[0]})


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_license_issued_at_completion_appears_in_the_wallet_with_a_qr_code(app, sign_in):
    enterprise = sign_in("enterprise")
    with app.app_context():
        person, clerk, reviewer = (_account(n) for n in ("刘建华", "王志强", "何淑珍"))
        draft = applicant.start_application(person, "QJ-SCJG-0005", "QJ-SCJGJ")
        applicant.save_answers(person, draft, dict(FOOD_ANSWERS))
        for material in draft.version.materials:
            applicant.attach_upload(person, draft, material.position, io.BytesIO(PNG), "a.png")
        application = applicant.submit(person, draft, declaration=True)
        workbench.accept(clerk, application)
        workbench.review(reviewer, application, "符合条件")
        workbench.decide(reviewer, application, Decision.APPROVED)
        workbench.complete(clerk, application, "electronic")
        license = db.session.scalars(
            sa.select(License).where(License.application_id == application.id)
        ).one()
        license_id, identifier = license.id, license.identifier
    wallet = enterprise.get("/licenses")
    assert wallet.status_code == 200
    assert f'href="/licenses/{license_id}"' in wallet.get_data(as_text=True)
    detail = enterprise.get(f"/licenses/{license_id}")
    page = _text(detail)
    assert detail.status_code == 200 and detail.headers["Cache-Control"] == "no-store"
    assert '<svg viewBox="0 0' in page and 'class="qr"' in page and "<path" in page
    assert "<script" not in page and "https://" not in page
    assert identifier in page and "食品经营许可证" in page
    link = VERIFY_LINK.search(page).group(1)
    scanned = app.test_client().get(link)  # another phone, not signed in
    assert scanned.status_code == 200
    assert 'data-state="valid"' in _text(scanned)


def test_a_holder_never_sees_another_holders_license(app, sign_in):
    license_id, _token = _business_license(app)
    citizen = sign_in("citizen")
    assert citizen.get(f"/licenses/{license_id}").status_code == 404
    assert f"/licenses/{license_id}" not in citizen.get("/licenses").get_data(as_text=True)
    agent = sign_in("agent", app.test_client())
    assert agent.get(f"/licenses/{license_id}").status_code == 200
    assert app.test_client().get("/licenses").status_code in (302, 303)


def test_the_holder_sees_who_used_the_license_for_which_application(app, sign_in):
    license_id, _token = _business_license(app)
    enterprise = sign_in("enterprise")
    with app.app_context():
        agent = _account("陈丽娟")
        draft = applicant.start_application(agent, "QJ-RS-0007", "QJ-RSJ")
        services.record_use(db.session.get(License, license_id), draft, agent)
        db.session.commit()
    uses = _text(enterprise.get(f"/licenses/{license_id}")).split('id="uses"')[1]
    assert "用人单位社会保险参保登记" in uses and "陈丽娟" in uses


def test_the_verification_page_names_valid_revoked_expired_and_forged(app, client):
    license_id, token = _business_license(app)
    assert 'data-state="valid"' in _text(client.get(f"/licenses/verify?token={token}"))
    head, payload, signature = token.split(".")
    altered = f"{head}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    forged = _text(client.get(f"/licenses/verify?token={altered}"))
    assert 'data-state="forged"' in forged and "伪造或无效" in forged and "营业执照" not in forged
    with app.app_context():
        services.revoke_license(db.session.get(License, license_id), "营业执照被吊销", actor="test")
    revoked = _text(client.get(f"/licenses/verify?token={token}"))
    assert 'data-state="revoked"' in revoked and "注销原因：营业执照被吊销" in revoked
    _id, old_token = _issue(app, "11440205MB2C31477C003", {}, valid_from=date(2016, 1, 1))
    expired = _text(client.get(f"/licenses/verify?token={old_token}"))
    assert 'data-state="expired"' in expired and "2020-12-31" in expired


def test_verification_shows_the_outline_only_with_a_masked_name_and_is_never_cached(app, client):
    data = {"holder_name": "张晓明", "wife_name": "林小燕", "certificate_number": "J440205-1"}
    person = ("张晓明", "440205198506121231")
    _id, token = _issue(app, "114402050070186335001", data, person)
    response = client.get(f"/licenses/verify?token={token}")
    page = _text(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "张*明" in page and "结婚证" in page and "韶关市曲江区民政局" in page
    for secret in ("张晓明", "林小燕", "J440205-1", "440***", "1231"):
        assert secret not in page


def test_a_pasted_link_is_verified_and_an_empty_paste_is_refused(app, client):
    _id, token = _business_license(app)
    link = f"http://localhost/licenses/verify?token={token}"
    pasted = client.get(f"/licenses/verify?token={quote(link, safe='')}")
    assert 'data-state="valid"' in _text(pasted)
    empty = client.get("/licenses/verify?token=")
    assert empty.status_code == 400 and "请粘贴二维码内容或核验链接" in _text(empty)
    assert client.get("/licenses/verify").status_code == 200


def test_the_public_keys_are_a_jwks_with_the_current_key_first(app, client):
    _business_license(app)
    response = client.get("/licenses/keys")
    assert response.mimetype == "application/jwk-set+json"
    published = response.get_json()["keys"]
    with app.app_context():
        assert published[0]["kid"] == keys.current_signer().key_id
    assert published[0]["kty"] == "OKP" and all("d" not in key for key in published)


def test_the_verification_page_opens_in_embedded_mode(client):
    response = client.get("/licenses/verify?embed=1")
    assert response.status_code == 200 and 'class="topbar"' not in response.get_data(as_text=True)
