"""The library's rules through its services: issuing at completion, signing, verifying, the
wallet and reuse in applications."""

from __future__ import annotations

import base64
import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus, Decision
from mobile_hall.applications.models import Application
from mobile_hall.audit.models import AuditEvent
from mobile_hall.catalog.models import ItemVersion, LicenseType, ServiceItem
from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from mobile_hall.identity.protection import encrypt_id_number
from mobile_hall.licenses import keys, services
from mobile_hall.licenses.completion import application_data
from mobile_hall.licenses.constants import HolderKind, LicenseSource, LicenseState
from mobile_hall.licenses.identifiers import parse_license_identifier
from mobile_hall.licenses.issuance import Holder, issue_license, signed_form
from mobile_hall.licenses.models import License
from mobile_hall.licenses.signing import (
    Ed25519Signer,
    canonical_json,
    make_token,
    verify_signature,
)
from mobile_hall.storage.files import LocalFileStorage
from mobile_hall.workbench import services as workbench
from tests.support.samples import PNG

BUSINESS_LICENSE = "11440205MB2C31477C001"
FOOD_PERMIT = "11440205MB2C31477C003"
MARRIAGE = "114402050070186335001"
COMPANY = ("韶关市曲江区马坝镇曲香食品有限公司", "91440205MA4W3K7B95")
CITIZEN = ("张晓明", "440205198506121231")
FOOD_ANSWERS = {
    "enterprise_name": COMPANY[0],
    "uscc": COMPANY[1],
    "agent_name": "陈丽娟",
    "agent_phone": "13800000005",
    "business_place": "韶关市曲江区马坝镇工业园区兴业路12号",
    "main_format": "餐饮服务经营者",
    "business_items": ["热食类食品制售", "冷食类食品制售"],
    "place_area": "80",
}


@pytest.fixture
def ctx(app, isolated_db, monkeypatch, tmp_path):
    """An app context on the rolled-back database, uploads kept under `tmp_path`."""
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(tmp_path))
    with app.app_context():
        yield app


def _account(name: str) -> Account:
    return db.session.scalars(sa.select(Account).where(Account.name == name)).one()


def _type(code: str) -> LicenseType:
    return db.session.scalars(sa.select(LicenseType).where(LicenseType.code == code)).one()


def _issue(code: str = BUSINESS_LICENSE, holder: Holder | None = None, **kwargs) -> License:
    license_type = _type(code)
    holder = holder or Holder.enterprise(*COMPANY)
    data = kwargs.pop("data", {"name": holder.name})
    license = issue_license(
        license_type,
        license_type.issuing_unit,
        holder,
        data,
        source=LicenseSource.API,
        **kwargs,
    )
    db.session.commit()
    return license


def _decided_food_permit_application() -> Application:
    """刘建华 applies online for a 食品经营许可证; the bureau's clerks approve it."""
    person, clerk, reviewer = _account("刘建华"), _account("王志强"), _account("何淑珍")
    draft = applicant.start_application(person, "QJ-SCJG-0005", "QJ-SCJGJ")
    applicant.save_answers(person, draft, dict(FOOD_ANSWERS))
    for material in draft.version.materials:
        applicant.attach_upload(person, draft, material.position, io.BytesIO(PNG), "scan.png")
    submitted = applicant.submit(person, draft, declaration=True)
    workbench.accept(clerk, submitted)
    workbench.review(reviewer, submitted, "现场核查符合条件")
    workbench.decide(reviewer, submitted, Decision.APPROVED)
    return submitted


def _flip_bit(text: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


# --- issuing at completion ---------------------------------------------------------------------


def test_completing_an_approved_license_application_issues_the_license(ctx):
    application = _decided_food_permit_application()
    workbench.complete(_account("王志强"), application, "electronic")
    license = db.session.scalars(
        sa.select(License).where(License.application_id == application.id)
    ).one()
    assert application.status is ApplicationStatus.COMPLETED
    assert (license.license_type.code, license.source) == (FOOD_PERMIT, LicenseSource.ISSUED)
    assert (license.holder_kind, license.holder_credit_code) == (HolderKind.ENTERPRISE, COMPANY[1])
    assert license.valid_from == now().date()
    assert license.valid_until == date(now().year + 5, now().month, now().day) - timedelta(1)
    assert license.data["operator_name"] == COMPANY[0]
    assert license.data["business_items"] == "热食类食品制售、冷食类食品制售"
    assert license.data["issuing_authority"] == "韶关市曲江区市场监督管理局"
    assert services.verify_token(services.token_for(license)).state is LicenseState.VALID
    issued = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "licenses.issue")
        .order_by(AuditEvent.id)  # the last one made (a table has no order of its own)
    ).all()
    assert issued[-1].target == f"license:{license.identifier}"


def test_a_license_that_cannot_be_issued_leaves_the_application_uncompleted(ctx):
    clerk, reviewer = _account("王志强"), _account("何淑珍")
    # At the counter for a shop with no credit code: an enterprise license has no holder.
    counter = workbench.CounterApplicant(
        "李四", "440205199001011234", "13900000000", "曲江某食品店"
    )
    application = workbench.receive_at_counter(clerk, "QJ-SCJG-0005", "QJ-SCJGJ", counter, {}, [0])
    workbench.accept(clerk, application)
    workbench.review(reviewer, application, "符合条件")
    workbench.decide(reviewer, application, Decision.APPROVED)
    with pytest.raises(services.LicenseRefused, match="license_holder"):
        workbench.complete(clerk, application, "electronic")
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status is ApplicationStatus.DECIDED
    assert application.completed_at is None
    assert [r.stage.value for r in application.records][-1] == "decide"
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(License.application_id == application.id)
        )
        == 0
    )


def test_license_data_maps_answers_and_keeps_identity_numbers_masked(ctx):
    marriage = _type(MARRIAGE)
    holder = Holder.person(*CITIZEN)
    application = SimpleNamespace(
        answers={
            "husband_name": "张晓明",
            "husband_id_number": {
                "masked": "440***********1231",
                "cipher": encrypt_id_number(CITIZEN[1]),
            },
            "wife_name": "林小燕",
        }
    )
    data = application_data(application, marriage, holder, date(2026, 5, 20), None)
    assert data["husband_id_number"] == "440***********1231"
    assert CITIZEN[1] not in str(data)
    assert data["holder_name"] == "张晓明"
    assert data["registered_on"] == "2026-05-20"
    assert data["registration_authority"] == "韶关市曲江区民政局"
    assert data["certificate_number"] == ""


def test_the_demo_history_issued_the_citizens_business_license_to_him_in_person(ctx):
    citizen = _account("张晓明")
    held = services.held_licenses(citizen)
    shop = next(lic for lic in held if lic.license_type.name == "个体工商户营业执照")
    assert (shop.holder_kind, shop.holder_id_masked) == (HolderKind.PERSON, "440***********1231")
    assert shop.data["name"] == "曲江晓明便利店"
    assert shop.data["operator"] == "张晓明"
    assert shop.data["business_place"] == "韶关市曲江区马坝镇府前东路18号首层"
    assert shop.data["registration_authority"] == "韶关市曲江区市场监督管理局"


# --- numbering, signing, verifying -------------------------------------------------------------


def test_serials_run_per_type_and_unit_and_identifiers_check(ctx):
    first, second = _issue(), _issue(data={"name": "另一家"})
    parts = parse_license_identifier(second.identifier)
    assert second.serial == first.serial + 1
    assert (parts.type_code, parts.issuer_credit_code) == (BUSINESS_LICENSE, "11440205MB2C31477C")
    assert parts.serial == str(second.serial) and parts.version == 1


def test_the_signature_covers_the_documented_form_and_verifies_with_the_published_keys(ctx):
    license = _issue()
    signature = base64.urlsafe_b64decode(license.signature + "==")
    form = signed_form(license)
    assert form["holder"] == {"kind": "enterprise", "name": COMPANY[0], "id": COMPANY[1]}
    assert verify_signature(keys.hall_jwks(), license.key_id, canonical_json(form), signature)
    assert services.license_summary(license.identifier)["signature_valid"] is True


def test_an_altered_record_is_named_forged(ctx):
    license = _issue()
    token = services.token_for(license)
    license.data = {**license.data, "name": "冒名公司"}
    db.session.commit()
    assert services.verify_token(token).state is LicenseState.FORGED
    assert services.license_summary(license.identifier)["signature_valid"] is False


def test_a_valid_token_shows_the_outline_with_a_masked_person(ctx):
    license = _issue(MARRIAGE, Holder.person(*CITIZEN), data={"holder_name": "张晓明"})
    result = services.verify_token(services.token_for(license))
    assert result.state is LicenseState.VALID
    assert (result.type_name, result.issuer_name) == ("结婚证", "韶关市曲江区民政局")
    assert result.holder_name == "张*明"
    assert result.valid_until is None


@pytest.mark.parametrize("part", [1, 2])
def test_a_one_bit_change_in_a_token_is_named_forged(ctx, part):
    token = services.token_for(_issue())
    pieces = token.split(".")
    pieces[part] = _flip_bit(pieces[part], 3)
    assert services.verify_token(".".join(pieces)).state is LicenseState.FORGED


def test_a_token_signed_by_an_unknown_key_is_named_forged(ctx):
    license = _issue()
    claims = {"lid": license.identifier}
    stranger = Ed25519Signer.generate("stranger")
    impostor = Ed25519Signer.generate(keys.current_signer().key_id)
    assert services.verify_token(make_token(stranger, claims)).state is LicenseState.FORGED
    assert services.verify_token(make_token(impostor, claims)).state is LicenseState.FORGED


def test_a_signed_token_for_a_license_not_in_the_library_is_forged(ctx):
    license = _issue()
    db.session.delete(license)
    db.session.commit()
    claims = {"lid": license.identifier}
    assert services.verify_token(make_token(keys.current_signer(), claims)).state == "forged"


def test_a_revoked_license_is_named_revoked_with_its_reason_at_once(ctx):
    license = _issue()
    token = services.token_for(license)
    services.revoke_license(license, "  被依法吊销  ", actor="test")
    result = services.verify_token(token)
    assert (result.state, result.revoked_reason) == (LicenseState.REVOKED, "被依法吊销")
    services.revoke_license(license, "另一个原因", actor="test")
    assert license.revoked_reason == "被依法吊销"
    with pytest.raises(services.LicenseRefused, match="reason"):
        services.revoke_license(_issue(data={"name": "乙"}), " ", actor="test")


def test_an_expired_license_is_named_expired(ctx):
    license = _issue(FOOD_PERMIT, valid_from=date(2015, 3, 1), data={})
    assert license.valid_until == date(2020, 2, 29)
    assert services.verify_token(services.token_for(license)).state is LicenseState.EXPIRED


def test_earlier_keys_stay_published_and_their_licenses_verify(ctx, monkeypatch):
    old = _issue()
    old_token = services.token_for(old)
    new_signer = Ed25519Signer.generate("hall-next")
    monkeypatch.setitem(ctx.extensions, "license_signer", new_signer)
    new = _issue(data={"name": "新签发"})
    assert new.key_id == "hall-next" != old.key_id
    assert [key["kid"] for key in keys.hall_jwks()["keys"]][:2] == ["hall-next", old.key_id]
    assert services.verify_token(old_token).state is LicenseState.VALID
    monkeypatch.setitem(ctx.extensions, "license_signer", Ed25519Signer.generate(old.key_id))
    with pytest.raises(keys.KeyIdConflict):
        keys.register_current_key()


# --- the wallet and reuse ----------------------------------------------------------------------


def test_a_wallet_holds_only_its_holders_licenses(ctx):
    company_license = _issue()
    citizen, agent = _account("张晓明"), _account("陈丽娟")
    assert company_license in services.held_licenses(agent)
    assert company_license not in services.held_licenses(citizen)
    assert all(
        lic.holder_id_hash == citizen.id_number_hash for lic in services.held_licenses(citizen)
    )
    with pytest.raises(services.LicenseNotFound):
        services.get_held_license(citizen, company_license.id)


def test_usable_licenses_are_valid_ones_with_those_ending_early_flagged(ctx):
    agent = _account("陈丽娟")
    food = _type(FOOD_PERMIT)
    soon = _issue(FOOD_PERMIT, data={}, valid_until=now().date() + timedelta(days=3))
    later = _issue(FOOD_PERMIT, data={"main_format": "单位食堂"})
    expired = _issue(FOOD_PERMIT, data={"main_format": "x"}, valid_from=date(2015, 1, 1))
    revoked = _issue(FOOD_PERMIT, data={"main_format": "y"})
    services.revoke_license(revoked, "注销", actor="test")
    usable = services.usable_licenses(agent, food.id, now().date() + timedelta(days=10))
    assert soon in usable and later in usable
    assert expired not in usable and revoked not in usable
    assert usable.index(later) < usable.index(soon)
    due = now().date() + timedelta(days=10)
    assert soon.expires_before(due) and not later.expires_before(due)
    assert services.usable_licenses(_account("张晓明"), food.id, None) == []


def test_the_wallet_covers_materials_that_accept_a_held_license(ctx):
    version = db.session.scalars(
        sa.select(ItemVersion)
        .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
        .where(ServiceItem.code == "QJ-SCJG-0005")
    ).one()
    covers = services.wallet_covers(_account("刘建华"), version)
    assert set(covers) == {1}
    assert covers[1].license_type.name == "营业执照"  # the demo company's, from the demo data
    assert services.wallet_covers(_account("张晓明"), version) == {}
    assert services.wallet_covers(None, version) == {}


def test_a_use_is_logged_with_consent_and_audited_for_the_holder_only(ctx):
    agent, citizen = _account("陈丽娟"), _account("张晓明")
    business = _issue()
    draft = applicant.start_application(agent, "QJ-SCJG-0005", "QJ-SCJGJ")
    use = services.record_use(business, draft, agent)
    db.session.commit()
    assert services.record_use(business, draft, agent) is use
    assert business.uses == [use] and use.account == agent
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "licenses.use")
        .order_by(AuditEvent.id)  # the last one made (a table has no order of its own)
    ).all()[-1]
    assert (event.actor, event.details["consent"]) == (f"account:{agent.id}", True)
    with pytest.raises(services.LicenseNotFound):
        services.record_use(business, draft, citizen)
    services.revoke_license(business, "吊销", actor="test")
    other = applicant.start_application(agent, "QJ-RS-0007", "QJ-RSJ")
    with pytest.raises(services.LicenseUnusable, match="revoked"):
        services.record_use(business, other, agent)


def test_a_clerk_sees_the_verified_data_of_a_referenced_license(ctx):
    license = _issue(data={"name": COMPANY[0], "uscc": COMPANY[1]})
    summary = services.license_summary(license.identifier.lower())
    assert summary["type_name"] == "营业执照" and summary["state"] == "valid"
    assert summary["holder_number"] == COMPANY[1] and summary["signature_valid"] is True
    assert ("统一社会信用代码", COMPANY[1]) in summary["data"]
    assert services.license_summary("1.2.156.3005.2.X") is None
    license_id = parse_license_identifier(license.identifier)
    unknown = str(license_id).replace(f".{license_id.serial}.", ".999999.")
    assert services.license_summary(unknown) is None


def test_the_demo_licenses_fill_the_demo_wallets_once(ctx):
    assert services.load_demo_licenses() == 0  # the demo load already issued them
    names = {lic.license_type.name for lic in services.held_licenses(_account("张晓明"))}
    assert "结婚证" in names
    company = {lic.license_type.name for lic in services.held_licenses(_account("刘建华"))}
    assert "营业执照" in company
