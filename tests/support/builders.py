"""Builders: the tests' own people, enterprises, units, items, licence types, applications and
licences, made through the hall's services under made-up names, never the demo data's.

Call them inside an app context (the `app_context` fixture, or ``with app.app_context()``); each
commits what it makes, which the test's rolled-back transaction takes away afterwards. Every call
makes new rows with new codes and numbers, so tests never share or collide on what they build.
"""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus, Decision
from mobile_hall.applications.models import Application
from mobile_hall.authoring import services as authoring
from mobile_hall.authoring.models import GuideDraft
from mobile_hall.catalog.models import ItemVersion, LicenseType, ServiceItem
from mobile_hall.catalog.schema import ThemeRecord
from mobile_hall.catalog.services import import_catalog, upsert_themes
from mobile_hall.extensions import db
from mobile_hall.identity.constants import OrgRole, StaffRoleKind, UserType
from mobile_hall.identity.identifiers import is_valid_credit_code, is_valid_id_number
from mobile_hall.identity.models import Account, Enterprise
from mobile_hall.identity.services import register_account, upsert_staff_roles
from mobile_hall.licenses.constants import LicenseSource
from mobile_hall.licenses.issuance import Holder, issue_license
from mobile_hall.licenses.models import License
from mobile_hall.licenses.schema import LicenseTypeRecord
from mobile_hall.licenses.services import token_for, upsert_license_types
from mobile_hall.organisations.constants import UnitLevel
from mobile_hall.organisations.models import ServiceLocation, Unit
from mobile_hall.organisations.schema import FigureRecord, UnitRecord
from mobile_hall.organisations.services import upsert_figures, upsert_units
from mobile_hall.registry.constants import EntryTarget
from mobile_hall.registry.models import OneStopEntry
from mobile_hall.workbench import services as workbench
from tests.support.samples import PNG, value_for

# Accounts made here come from no identity provider: they cannot sign in through the test one.
ISSUER = "https://builders.invalid"
ID_CHECK_CHARACTERS = "0123456789X"
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# How far each state lies along the way an application is handled, and the step that reaches it.
STEPS = {
    ApplicationStatus.ACCEPTED: "accept",
    ApplicationStatus.REVIEWED: "review",
    ApplicationStatus.DECIDED: "decide",
    ApplicationStatus.COMPLETED: "complete",
}

_numbers = itertools.count(1)


def _next() -> int:
    return next(_numbers)


def chinese_name(surname: str = "甄") -> str:
    """A new person's name in Chinese characters (the forms accept no digits in a name)."""
    return surname + "".join("零一二三四五六七八九"[int(digit)] for digit in str(_next()))


def id_number() -> str:
    """A new valid 18-digit resident ID number (born in a different day for every call)."""
    born = date(1960, 1, 1) + timedelta(days=_next())
    first = f"440205{born:%Y%m%d}123"
    return next(first + c for c in ID_CHECK_CHARACTERS if is_valid_id_number(first + c))


def credit_code(kind: str = "91") -> str:
    """A new valid unified social credit code (统一社会信用代码): ``91`` a company, ``11`` a
    government body."""
    first = f"{kind}440205TB{_next():07d}"
    return next(first + c for c in CREDIT_CODE_ALPHABET if is_valid_credit_code(first + c))


def make_account(
    *,
    user_type: UserType = UserType.PERSON,
    enterprise: Enterprise | None = None,
    org_role: OrgRole = OrgRole.LEGAL_REPRESENTATIVE,
    number: str | None = None,
    level: int = 3,
) -> Account:
    """A person, or a legal person acting for ``enterprise`` (a new enterprise when none)."""
    claims: dict[str, Any] = {
        "sub": f"builder-{_next()}",
        "name": chinese_name(),
        "user_type": user_type.value,
        "id_card": number or id_number(),
        "real_name_level": level,
        "phone_number": f"139{_next():08d}",
    }
    if user_type is UserType.LEGAL_PERSON:
        claims["uscc"] = enterprise.credit_code if enterprise else credit_code()
        claims["org_name"] = (
            enterprise.name if enterprise else f"曲江测试{chinese_name('')}有限公司"
        )
        claims["org_role"] = org_role.value
    account = register_account(ISSUER, claims)
    db.session.commit()
    return account


def make_enterprise() -> Enterprise:
    """A new enterprise, with its legal representative's account."""
    return make_account(user_type=UserType.LEGAL_PERSON).enterprise


def make_unit(level: UnitLevel = UnitLevel.DEPARTMENT) -> Unit:
    """A new unit with a credit code, under the district."""
    code = f"TB-{_next()}"
    district = db.session.scalar(sa.select(Unit.code).where(Unit.level == UnitLevel.DISTRICT))
    record = UnitRecord(
        code=code,
        name=f"曲江区测试局{code}",
        short_name=f"测试局{code}",
        level=level,
        parent=district,
        credit_code=credit_code("11"),
        address="韶关市曲江区测试路1号",
        hours="周一至周五 9:00-17:00",
        phone="0751-6600000",
    )
    upsert_units([record])
    if level is UnitLevel.TOWN:
        upsert_figures([FigureRecord(unit=code, year=2000, population=1000, enterprise_count=10)])
    db.session.commit()
    return db.session.scalars(sa.select(Unit).where(Unit.code == code)).one()


def make_staff(unit: Unit, *roles: StaffRoleKind) -> Account:
    """A person holding ``roles`` (by default window clerk, reviewer and approver) in ``unit``."""
    number = id_number()
    account = make_account(number=number)
    kinds = roles or (StaffRoleKind.WINDOW_CLERK, StaffRoleKind.REVIEWER, StaffRoleKind.APPROVER)
    upsert_staff_roles(
        [{"id_number": number, "unit": unit.code, "roles": kinds, "name": account.name}]
    )
    db.session.commit()
    return account


def make_license_type(
    unit: Unit | None = None,
    *,
    holder_type: str = "enterprise",
    fields: dict[str, str] | None = None,
    validity_years: int | None = 5,
) -> LicenseType:
    """A new licence type issued by ``unit`` (a new unit when none), with data ``fields``
    (name → label; by default a 名称)."""
    unit = unit or make_unit()
    fields = fields or {"name": "名称"}
    code = f"{unit.credit_code}{_next() % 1000:03d}"
    record = LicenseTypeRecord(
        code=code,
        name=f"测试许可证{code[-3:]}",
        issuing_unit=unit.code,
        holder_type=holder_type,
        fields=[{"name": name, "label": label} for name, label in fields.items()],
        validity_years=validity_years,
    )
    upsert_license_types([record])
    db.session.commit()
    return db.session.scalars(sa.select(LicenseType).where(LicenseType.code == code)).one()


def make_item(
    unit: Unit,
    *,
    audience: str = "both",
    result: LicenseType | None = None,
    materials: int = 1,
    accepts: LicenseType | None = None,
    form_fields: list[dict] | None = None,
) -> ItemVersion:
    """A new online item implemented by ``unit``, published through the catalog import, with
    ``materials`` uploads and, last, one that a licence of type ``accepts`` may stand in for;
    its result is a licence of type ``result`` when given, else none."""
    code = f"TB-ITEM-{_next()}"
    theme = f"builder_{_next()}"
    theme_audience = "enterprise" if audience == "enterprise" else "person"
    upsert_themes([ThemeRecord(code=theme, name="测试主题", audience=theme_audience)])
    outcome = (
        {"type": "license", "name": result.name, "license_type": result.code}
        if result
        else {"type": "none"}
    )
    record = {
        "code": code,
        "name": f"测试事项{code}",
        "kind": "administrative_license",
        "is_approval": True,
        "audience": audience,
        "themes": [theme],
        "units": [unit.code],
        "legal_basis": "《测试条例》第一条",
        "conditions": ["符合测试条件"],
        "materials": [{"name": f"测试材料{i + 1}"} for i in range(materials)]
        + ([{"name": accepts.name, "license_type": accepts.code}] if accepts else []),
        "legal_time_limit_days": 10,
        "promised_time_limit_days": 5,
        "required_visits": 0,
        "online_stages": ["apply", "accept", "review", "decide", "deliver"],
        "mobile_enabled": True,
        "min_real_name_level": 2,
        "form_fields": form_fields or [{"name": "name", "label": "名称", "type": "text"}],
        "result": outcome,
        "contact_phone": "0751-6600000",
        "business_manual": [{"step": "受理", "role": "window_clerk", "description": "核对材料"}],
    }
    import_catalog({"items": [record]}, actor="test")
    item = db.session.scalars(sa.select(ServiceItem).where(ServiceItem.code == code)).one()
    return item.current_version


def make_application(
    account: Account,
    version: ItemVersion,
    state: ApplicationStatus = ApplicationStatus.SUBMITTED,
    *,
    answers: dict[str, Any] | None = None,
) -> Application:
    """An application of ``account`` for ``version`` at its first unit, taken to ``state``
    (draft, submitted, then accepted, reviewed, decided as approved, completed) by the
    applicant's services and then by a new member of staff holding every role the steps need.

    Answers are valid ones for every form field, ``answers`` overriding them.
    """
    unit = version.units[0]
    application = applicant.start_application(account, version.item.code, unit.code)
    if state is ApplicationStatus.DRAFT:
        return application
    given = {spec["name"]: value_for(spec) for spec in version.form_fields}
    applicant.save_answers(account, application, given | (answers or {}))
    for material in version.materials:
        applicant.attach_upload(account, application, material.position, io.BytesIO(PNG), "a.png")
    applicant.submit(account, application, declaration=True)
    if state is ApplicationStatus.SUBMITTED:
        return application
    staff = make_staff(unit)
    for reached, step in STEPS.items():
        _take(step, staff, application)
        if reached is state:
            return application
    raise ValueError(f"a builder cannot take an application to {state}")


def _take(step: str, staff: Account, application: Application) -> None:
    if step == "accept":
        workbench.accept(staff, application)
    elif step == "review":
        workbench.review(staff, application, "符合条件")
    elif step == "decide":
        workbench.decide(staff, application, Decision.APPROVED)
    else:
        workbench.complete(staff, application, application.version.result_delivery[0])


def issue_licence(
    license_type: LicenseType | None = None,
    holder: Holder | None = None,
    data: dict[str, str] | None = None,
    **dates: date,
) -> License:
    """A licence of ``license_type`` (a new type when none) issued through the service layer
    as a department's system would, to ``holder`` (a new enterprise when none); committed."""
    license_type = license_type or make_license_type()
    if holder is None:
        enterprise = make_enterprise()
        holder = Holder.enterprise(enterprise.name, enterprise.credit_code)
    texts = data if data is not None else {"name": holder.name}
    license = issue_license(
        license_type, license_type.issuing_unit, holder, texts, source=LicenseSource.API, **dates
    )
    db.session.commit()
    return license


def licence_with_token(app: Flask, **kwargs: Any) -> tuple[int, str]:
    """In an app context of its own: a licence made by `issue_licence` (same arguments), its id
    and the token its QR code carries."""
    with app.app_context():
        license = issue_licence(**kwargs)
        return license.id, token_for(license)


def make_location(unit: Unit) -> ServiceLocation:
    """A new service location (办事点) of ``unit``."""
    location = ServiceLocation(
        unit=unit,
        name=f"测试办事点{_next()}",
        address="韶关市曲江区测试路2号",
        hours="周一至周五 9:00-17:00",
        phone="0751-6600001",
    )
    db.session.add(location)
    db.session.commit()
    return location


def make_one_stop_link() -> OneStopEntry:
    """A new one-stop entry that leads to another body's site (a `link` entry)."""
    code = f"tb_entry_{_next()}"
    entry = OneStopEntry(
        code=code,
        name="测试入口",
        target=EntryTarget.LINK,
        value=f"https://example.org/{code}",
        position=10_000 + _next(),
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def make_guide_draft(editor: Account, code: str, *, submitted: bool = False) -> GuideDraft:
    """The draft of item ``code``'s next version, opened by ``editor`` (a catalog editor of
    one of its units) through the authoring services, unchanged; sent to the reviewer unit
    of its kind when ``submitted``."""
    draft = authoring.start_change(editor, code)
    if submitted:
        authoring.submit_draft(editor, draft.id)
    return draft
