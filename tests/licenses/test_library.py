"""The library's rules through its services: issuing at completion, signing, verifying, the
wallet and reuse in applications."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus, Decision
from mobile_hall.applications.models import Application
from mobile_hall.audit.models import AuditEvent
from mobile_hall.clock import CHINA_STANDARD_TIME, now
from mobile_hall.common.encoding import b64url_decode, b64url_encode
from mobile_hall.extensions import db
from mobile_hall.identity.constants import OrgRole, UserType
from mobile_hall.identity.models import Account, Enterprise
from mobile_hall.identity.protection import encrypt_id_number
from mobile_hall.licenses import keys, services
from mobile_hall.licenses.completion import application_data
from mobile_hall.licenses.constants import HolderKind, LicenseSource, LicenseState
from mobile_hall.licenses.identifiers import parse_license_identifier
from mobile_hall.licenses.issuance import Holder, signed_form
from mobile_hall.licenses.models import License
from mobile_hall.licenses.signing import (
    Ed25519Signer,
    canonical_json,
    make_token,
    verify_signature,
)
from mobile_hall.storage.files import LocalFileStorage
from mobile_hall.workbench import services as workbench
from tests.support import builders

FOOD_FORM = [
    {"name": "enterprise_name", "label": "企业名称", "type": "text"},
    {
        "name": "business_items",
        "label": "经营项目",
        "type": "checkbox",
        "choices": ["散装食品销售", "热食类食品制售", "冷食类食品制售"],
    },
]


@pytest.fixture
def ctx(app, isolated_db, monkeypatch, tmp_path):
    """An app context on the rolled-back database, uploads kept under `tmp_path`."""
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(tmp_path))
    with app.app_context():
        yield app


def _demo_account(name: str) -> Account:
    """A demo person, for the tests of what the demo data itself holds."""
    return db.session.scalars(sa.select(Account).where(Account.name == name)).one()


def _held_by(enterprise: Enterprise) -> Holder:
    return Holder.enterprise(enterprise.name, enterprise.credit_code)


def _agent_of(enterprise: Enterprise) -> Account:
    return builders.make_account(
        user_type=UserType.LEGAL_PERSON, enterprise=enterprise, org_role=OrgRole.AGENT
    )


def _flip_bit(text: str, index: int) -> str:
    raw = bytearray(b64url_decode(text))
    raw[index] ^= 0x01
    return b64url_encode(bytes(raw))


# --- issuing at completion ---------------------------------------------------------------------


def test_completing_an_approved_license_application_issues_the_license(ctx):
    fields = {
        "operator_name": "经营者名称",
        "business_items": "经营项目",
        "issuing_authority": "发证机关",
    }
    permit = builders.make_license_type(fields=fields)
    unit = permit.issuing_unit
    version = builders.make_item(unit, audience="enterprise", result=permit, form_fields=FOOD_FORM)
    applicant_account = builders.make_account(user_type=UserType.LEGAL_PERSON)
    company = applicant_account.enterprise
    answers = {
        "enterprise_name": company.name,
        "business_items": ["热食类食品制售", "冷食类食品制售"],
    }
    application = builders.make_application(
        applicant_account, version, ApplicationStatus.COMPLETED, answers=answers
    )
    license = db.session.scalars(
        sa.select(License).where(License.application_id == application.id)
    ).one()
    assert application.status is ApplicationStatus.COMPLETED
    assert (license.license_type, license.source) == (permit, LicenseSource.ISSUED)
    assert (license.holder_kind, license.holder_credit_code) == (
        HolderKind.ENTERPRISE,
        company.credit_code,
    )
    assert license.valid_from == now().date()
    assert license.valid_until == date(now().year + 5, now().month, now().day) - timedelta(1)
    assert license.data["operator_name"] == company.name
    assert license.data["business_items"] == "热食类食品制售、冷食类食品制售"
    assert license.data["issuing_authority"] == unit.name
    assert services.verify_token(services.token_for(license)).state is LicenseState.VALID
    issued = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "licenses.issue")
        .order_by(AuditEvent.id)  # the last one made (a table has no order of its own)
    ).all()
    assert issued[-1].target == f"license:{license.identifier}"


def test_a_license_that_cannot_be_issued_leaves_the_application_uncompleted(ctx):
    permit = builders.make_license_type()
    unit = permit.issuing_unit
    version = builders.make_item(unit, audience="enterprise", result=permit)
    clerk = builders.make_staff(unit)
    # At the counter for a shop with no credit code: an enterprise license has no holder.
    counter = workbench.CounterApplicant(
        builders.chinese_name(), builders.id_number(), "13900000000", "曲江某食品店"
    )
    application = workbench.receive_at_counter(
        clerk, version.item.code, unit.code, counter, {}, [0]
    )
    workbench.accept(clerk, application)
    workbench.review(clerk, application, "符合条件")
    workbench.decide(clerk, application, Decision.APPROVED)
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
    fields = {
        "holder_name": "持证人",
        "husband_id_number": "男方身份证件号",
        "registered_on": "登记日期",
        "registration_authority": "登记机关",
        "certificate_number": "证书编号",
    }
    marriage = builders.make_license_type(holder_type="person", fields=fields, validity_years=None)
    name, number = builders.chinese_name(), builders.id_number()
    masked = f"{number[:3]}{'*' * 11}{number[-4:]}"
    application = SimpleNamespace(
        answers={
            "husband_name": name,
            "husband_id_number": {"masked": masked, "cipher": encrypt_id_number(number)},
            "wife_name": "林小燕",
        }
    )
    data = application_data(
        application, marriage, Holder.person(name, number), date(2026, 5, 20), None
    )
    assert data["husband_id_number"] == masked
    assert number not in str(data)
    assert data["holder_name"] == name
    assert data["registered_on"] == "2026-05-20"
    assert data["registration_authority"] == marriage.issuing_unit.name
    assert data["certificate_number"] == ""


def test_the_demo_history_issued_the_citizens_business_license_to_him_in_person(ctx):
    citizen = _demo_account("张晓明")
    held = services.held_licenses(citizen)
    shop = next(lic for lic in held if lic.license_type.name == "个体工商户营业执照")
    assert (shop.holder_kind, shop.holder_id_masked) == (HolderKind.PERSON, "440***********1231")
    assert shop.data["name"] == "曲江晓明便利店"
    assert shop.data["operator"] == "张晓明"
    assert shop.data["business_place"] == "韶关市曲江区马坝镇府前东路18号首层"
    assert shop.data["registration_authority"] == "韶关市曲江区市场监督管理局"


# --- numbering, signing, verifying -------------------------------------------------------------


def test_serials_run_per_type_and_unit_and_identifiers_check(ctx):
    first = builders.issue_licence()
    second = builders.issue_licence(first.license_type)
    parts = parse_license_identifier(second.identifier)
    assert second.serial == first.serial + 1
    unit = first.license_type.issuing_unit
    assert (parts.type_code, parts.issuer_credit_code) == (
        first.license_type.code,
        unit.credit_code,
    )
    assert parts.serial == str(second.serial) and parts.version == 1


def test_the_signature_covers_the_documented_form_and_verifies_with_the_published_keys(ctx):
    company = builders.make_enterprise()
    license = builders.issue_licence(holder=_held_by(company))
    form = signed_form(license)
    assert form["holder"] == {"kind": "enterprise", "name": company.name, "id": company.credit_code}
    signature = b64url_decode(license.signature)
    assert verify_signature(keys.hall_jwks(), license.key_id, canonical_json(form), signature)
    assert services.license_summary(license.identifier)["signature_valid"] is True


def test_an_altered_record_is_named_forged(ctx):
    license = builders.issue_licence()
    token = services.token_for(license)
    license.data = {**license.data, "name": "冒名公司"}
    db.session.commit()
    assert services.verify_token(token).state is LicenseState.FORGED
    assert services.license_summary(license.identifier)["signature_valid"] is False


def test_a_valid_token_shows_the_outline_with_a_masked_person(ctx):
    certificate = builders.make_license_type(
        holder_type="person", fields={"holder_name": "持证人"}, validity_years=None
    )
    holder = Holder.person("欧阳晓明", builders.id_number())
    license = builders.issue_licence(certificate, holder, {"holder_name": holder.name})
    result = services.verify_token(services.token_for(license))
    assert result.state is LicenseState.VALID
    assert (result.type_name, result.issuer_name) == (
        certificate.name,
        certificate.issuing_unit.name,
    )
    assert result.holder_name == "欧**明"
    assert result.valid_until is None


@pytest.mark.parametrize("part", [1, 2])
def test_a_one_bit_change_in_a_token_is_named_forged(ctx, part):
    token = services.token_for(builders.issue_licence())
    pieces = token.split(".")
    pieces[part] = _flip_bit(pieces[part], 3)
    assert services.verify_token(".".join(pieces)).state is LicenseState.FORGED


def test_a_token_signed_by_an_unknown_key_is_named_forged(ctx):
    claims = {"lid": builders.issue_licence().identifier}
    stranger = Ed25519Signer.generate("stranger")
    impostor = Ed25519Signer.generate(keys.current_signer().key_id)
    assert services.verify_token(make_token(stranger, claims)).state is LicenseState.FORGED
    assert services.verify_token(make_token(impostor, claims)).state is LicenseState.FORGED


def test_a_signed_token_for_a_license_not_in_the_library_is_forged(ctx):
    license = builders.issue_licence()
    db.session.delete(license)
    db.session.commit()
    claims = {"lid": license.identifier}
    assert services.verify_token(make_token(keys.current_signer(), claims)).state == "forged"


def test_a_revoked_license_is_named_revoked_with_its_reason_at_once(ctx):
    license = builders.issue_licence()
    token = services.token_for(license)
    services.revoke_license(license, "  被依法吊销  ", actor="test")
    result = services.verify_token(token)
    assert (result.state, result.revoked_reason) == (LicenseState.REVOKED, "被依法吊销")
    services.revoke_license(license, "另一个原因", actor="test")
    assert license.revoked_reason == "被依法吊销"
    with pytest.raises(services.LicenseRefused, match="reason"):
        services.revoke_license(builders.issue_licence(), " ", actor="test")


def test_an_expired_license_is_named_expired(ctx):
    license = builders.issue_licence(valid_from=date(2015, 3, 1))  # valid five years
    assert license.valid_until == date(2020, 2, 29)
    assert services.verify_token(services.token_for(license)).state is LicenseState.EXPIRED


def test_a_license_is_valid_through_its_last_day_and_expired_the_day_after(ctx):
    license = builders.issue_licence(valid_from=date(2026, 3, 2))  # valid five years
    assert license.valid_until == date(2031, 3, 1)
    token = services.token_for(license)
    last_minute = datetime(2031, 3, 1, 23, 59, tzinfo=CHINA_STANDARD_TIME)
    with time_machine.travel(last_minute, tick=False):
        assert services.verify_token(token).state is LicenseState.VALID
    with time_machine.travel(last_minute + timedelta(minutes=1), tick=False):
        assert services.verify_token(token).state is LicenseState.EXPIRED


def test_earlier_keys_stay_published_and_their_licenses_verify(ctx, monkeypatch):
    old = builders.issue_licence()
    old_token = services.token_for(old)
    new_signer = Ed25519Signer.generate("hall-next")
    monkeypatch.setitem(ctx.extensions, "license_signer", new_signer)
    new = builders.issue_licence()
    assert new.key_id == "hall-next" != old.key_id
    assert [key["kid"] for key in keys.hall_jwks()["keys"]][:2] == ["hall-next", old.key_id]
    assert services.verify_token(old_token).state is LicenseState.VALID
    monkeypatch.setitem(ctx.extensions, "license_signer", Ed25519Signer.generate(old.key_id))
    with pytest.raises(keys.KeyIdConflict):
        keys.register_current_key()


# --- the wallet and reuse ----------------------------------------------------------------------


def test_a_wallet_holds_only_its_holders_licenses(ctx):
    company = builders.make_enterprise()
    agent = _agent_of(company)
    number = builders.id_number()
    citizen = builders.make_account(number=number)
    company_license = builders.issue_licence(holder=_held_by(company))
    personal_type = builders.make_license_type(holder_type="person")
    own = builders.issue_licence(personal_type, Holder.person(citizen.name, number))
    assert services.held_licenses(agent) == [company_license]
    assert services.held_licenses(citizen) == [own]
    with pytest.raises(services.LicenseNotFound):
        services.get_held_license(citizen, company_license.id)


def test_usable_licenses_are_valid_ones_with_those_ending_early_flagged(ctx):
    company = builders.make_enterprise()
    agent = _agent_of(company)
    food = builders.make_license_type(fields={"main_format": "主体业态"})
    holder = _held_by(company)
    today = now().date()
    soon = builders.issue_licence(food, holder, {}, valid_until=today + timedelta(days=3))
    later = builders.issue_licence(food, holder, {"main_format": "单位食堂"})
    expired = builders.issue_licence(
        food, holder, {"main_format": "x"}, valid_from=date(2015, 1, 1)
    )
    revoked = builders.issue_licence(food, holder, {"main_format": "y"})
    services.revoke_license(revoked, "注销", actor="test")
    usable = services.usable_licenses(agent, food.id, today + timedelta(days=10))
    assert soon in usable and later in usable
    assert expired not in usable and revoked not in usable
    assert usable.index(later) < usable.index(soon)
    due = today + timedelta(days=10)
    assert soon.expires_before(due) and not later.expires_before(due)
    assert services.usable_licenses(builders.make_account(), food.id, None) == []


def test_the_wallet_covers_materials_that_accept_a_held_license(ctx):
    business = builders.make_license_type()
    version = builders.make_item(business.issuing_unit, accepts=business)
    representative = builders.make_account(user_type=UserType.LEGAL_PERSON)
    held = builders.issue_licence(business, _held_by(representative.enterprise))
    covers = services.wallet_covers(representative, version)
    assert covers == {1: held}  # the second material, the one a licence may stand in for
    assert services.wallet_covers(builders.make_account(), version) == {}
    assert services.wallet_covers(None, version) == {}


def test_a_use_is_logged_with_consent_and_audited_for_the_holder_only(ctx):
    company = builders.make_enterprise()
    agent, citizen = _agent_of(company), builders.make_account()
    business = builders.issue_licence(holder=_held_by(company))
    unit = business.license_type.issuing_unit
    draft = applicant.start_application(agent, builders.make_item(unit).item.code, unit.code)
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
    other = applicant.start_application(agent, builders.make_item(unit).item.code, unit.code)
    with pytest.raises(services.LicenseUnusable, match="revoked"):
        services.record_use(business, other, agent)


def test_a_clerk_sees_the_verified_data_of_a_referenced_license(ctx):
    business = builders.make_license_type(fields={"name": "名称", "uscc": "统一社会信用代码"})
    company = builders.make_enterprise()
    data = {"name": company.name, "uscc": company.credit_code}
    license = builders.issue_licence(business, _held_by(company), data)
    summary = services.license_summary(license.identifier.lower())
    assert summary["type_name"] == business.name and summary["state"] == "valid"
    assert summary["holder_number"] == company.credit_code and summary["signature_valid"] is True
    assert ("统一社会信用代码", company.credit_code) in summary["data"]
    assert services.license_summary("1.2.156.3005.2.X") is None
    license_id = parse_license_identifier(license.identifier)
    unknown = str(license_id).replace(f".{license_id.serial}.", ".999999.")
    assert services.license_summary(unknown) is None


def test_the_demo_licenses_fill_the_demo_wallets_once(ctx):
    assert services.load_demo_licenses() == 0  # the demo load already issued them
    names = {lic.license_type.name for lic in services.held_licenses(_demo_account("张晓明"))}
    assert "结婚证" in names
    company = {lic.license_type.name for lic in services.held_licenses(_demo_account("刘建华"))}
    assert "营业执照" in company
