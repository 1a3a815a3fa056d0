"""Applications' public API for applicants: start, fill, attach, submit, follow, rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from ..catalog.constants import Audience
from ..catalog.constants import Stage as ItemStage
from ..catalog.models import ItemVersion, ServiceItem
from ..catalog.services import (
    PublishedUnit,
    PublishedVersion,
    current_published_version,
    published_version,
)
from ..clock import as_local, now
from ..common.errors import NotAuthorized
from ..common.paging import Page, fetch_page
from ..database import insert_or_update
from ..extensions import db
from ..identity.constants import UserType
from ..identity.models import Account
from ..identity.services import meets_real_name_level
from ..licenses.services import (
    LicenseUnusable,
    record_use,
    usable_licenses,
    usable_licenses_by_type,
)
from ..organisations.models import Unit
from ..pages.scope import allowed_item_ids, may_act_for
from ..storage.files import LocalFileStorage, StoredFile, UnknownKey, UploadRejected
from ..workdays import CalendarNotCovered, add_working_days
from .answers import protect
from .constants import (
    FINISHED_STATUSES,
    TERMINAL_STATUSES,
    ActorType,
    ApplicationStatus,
    Channel,
    MaterialSource,
    Stage,
)
from .lifecycle import (
    ClockView,
    IllegalTransition,
    allowed_actions,
    apply_transition,
    clock_of,
    notify,
    refresh_due_date,
    write_record,
)
from .models import (
    Application,
    ApplicationMaterial,
    DailyCounter,
    Message,
    ProcessRecord,
    Rating,
    SupplementRequest,
)
from .numbering import format_application_number, normalise_application_number

__all__ = [
    "ANSWERS",
    "CHECK",
    "DETAIL",
    "MATERIALS",
    "SUBMITTING",
    "ApplicationNotFound",
    "ClockView",
    "IllegalTransition",
    "ItemToApply",
    "LevelTooLow",
    "LicenseUnusable",
    "MessageNotFound",
    "NotAuthorized",
    "NotOnline",
    "OwnApplications",
    "ProgressView",
    "UploadRejected",
    "WrongAudience",
    "allowed_actions",
    "attach_chosen",
    "attach_license",
    "attach_upload",
    "clock_of",
    "commit_to_tolerance",
    "expected_due_date",
    "get_own_application",
    "item_to_apply_for",
    "license_choices",
    "list_own_applications",
    "look_up_progress",
    "messages_of",
    "missing_answers",
    "open_file",
    "open_positions",
    "own_applications",
    "pending_supplement",
    "rate",
    "read_message",
    "reapply",
    "remove_material",
    "save_answers",
    "start_application",
    "submit",
    "submit_supplement",
    "unit_of",
    "version_of",
    "visits_still_needed",
    "withdraw",
]


class ApplicationNotFound(Exception):
    """No application with that id that this person may see (shown as 404)."""


class LevelTooLow(Exception):
    """The person's real-name level is below the item's lowest accepted level."""

    def __init__(self, required: int) -> None:
        super().__init__(f"real-name level {required} required")
        self.required = required


class NotOnline(Exception):
    """The item cannot be applied for online (counter only)."""


class WrongAudience(Exception):
    """The item is for enterprises and a person applies, or the other way round."""

    def __init__(self, code: str, audience: str) -> None:
        super().__init__(code)
        self.code = code
        self.audience = audience


class MessageNotFound(Exception):
    """No message with that id in this person's message centre (shown as 404)."""


def storage() -> LocalFileStorage:
    """The upload store (a shared volume in production, behind the same interface)."""
    store = current_app.extensions.get("upload_storage")
    if store is None:
        store = LocalFileStorage(current_app.config["UPLOAD_ROOT"])
        current_app.extensions["upload_storage"] = store
    return store


def _channel() -> Channel:
    return Channel.MOBILE


def _current_version(code: str) -> PublishedVersion:
    version = current_published_version(code)
    if version is None:
        raise ApplicationNotFound(code)
    return version


def version_of(application: Application) -> PublishedVersion:
    """The published version the application was made on: its form, materials and units.

    Read from memory (`catalog.services.published_version`), so the applicant's pages load the
    application without its version, item and unit rows.
    """
    return published_version(application.item_version_id)


def unit_of(application: Application) -> PublishedUnit | Unit:
    """The unit handling the application: one of its version's units (from memory), or the
    application's own unit row for one that the version does not list."""
    return version_of(application).unit(application.unit_id) or application.unit


# What the applicant's pages read of an application. The item, version and unit rows, joined
# by default (the staff's queues show them), are read from the published version instead
# (`version_of`); each page loads only the columns and collections it shows or changes. The
# applicant and enterprise ids are always loaded: a change bumps their change tokens. The
# materials come joined (one statement, a row per material) rather than by a second query.
_OWNERS = (Application.status, Application.account_id, Application.enterprise_id)
_NOT_JOINED = (
    lazyload(Application.item),
    lazyload(Application.version),
    lazyload(Application.unit),
)
ANSWERS: tuple[ORMOption, ...] = (
    *_NOT_JOINED,
    load_only(*_OWNERS, Application.item_version_id, Application.answers),
)
MATERIALS: tuple[ORMOption, ...] = (
    *_NOT_JOINED,
    load_only(*_OWNERS, Application.item_version_id, Application.submitted_at),
    joinedload(Application.materials),
)
CHECK: tuple[ORMOption, ...] = (
    *_NOT_JOINED,
    load_only(*_OWNERS, Application.item_version_id, Application.unit_id, Application.answers),
    joinedload(Application.materials),
)
# Submitting rereads the whole row under a lock (`submit`): the page only checks it is theirs.
SUBMITTING: tuple[ORMOption, ...] = (*_NOT_JOINED, load_only(*_OWNERS))
DETAIL: tuple[ORMOption, ...] = (
    *_NOT_JOINED,
    joinedload(Application.tolerance),
    joinedload(Application.materials),
    selectinload(Application.records),
)


def check_can_apply(account: Account, version: PublishedVersion) -> None:
    """Refuse an applicant who cannot apply online for this version.

    :raises NotOnline: the item has no online application.
    :raises WrongAudience: an enterprise item for a person's account, or the reverse.
    :raises LevelTooLow: the person's real-name level is too low (checked again at submit).
    """
    if ItemStage.APPLY not in version.online_stages:
        raise NotOnline(version.code)
    if version.audience != Audience.BOTH and (
        (version.audience == Audience.ENTERPRISE) != (account.user_type == UserType.LEGAL_PERSON)
    ):
        raise WrongAudience(version.code, version.audience)
    if not meets_real_name_level(account, version.min_real_name_level):
        raise LevelTooLow(version.min_real_name_level)


@dataclass(frozen=True)
class ItemToApply:
    """The item someone is about to apply for, and their open draft of it if there is one."""

    version: PublishedVersion
    draft: Application | None


def _open_draft(account: Account, item_id: int) -> Application | None:
    return db.session.scalar(_draft_query(), {"account_id": account.id, "item_id": item_id})


@cache
def _draft_query() -> sa.Select:
    """The person's open draft of an item (built once: read on both steps of every start)."""
    return (
        sa.select(Application)
        .where(
            Application.account_id == sa.bindparam("account_id"),
            Application.item_id == sa.bindparam("item_id"),
            Application.status == ApplicationStatus.DRAFT,
        )
        .options(
            *_NOT_JOINED, load_only(*_OWNERS, Application.item_version_id, Application.updated_at)
        )
    )


def _check_agent_may_act(account: Account, version: PublishedVersion) -> None:
    if not may_act_for(account, version.item_id):
        raise NotAuthorized()


def item_to_apply_for(account: Account, code: str) -> ItemToApply:
    """The current version of the item, once the person may apply for it, with their draft.

    :raises ApplicationNotFound: for an unknown code.
    :raises NotOnline, LevelTooLow: see `check_can_apply`.
    :raises NotAuthorized: an agent whose legal representative did not allow this item.
    """
    version = _current_version(code)
    check_can_apply(account, version)
    _check_agent_may_act(account, version)
    return ItemToApply(version, _open_draft(account, version.item_id))


def start_application(
    account: Account,
    code: str,
    unit_code: str | None = None,
    *,
    checked: ItemToApply | None = None,
) -> Application:
    """Open a draft for the item, or return the person's open draft for it (no duplicates).

    ``checked`` is what `item_to_apply_for(account, code)` returned in this same transaction,
    so the item is not looked up and checked twice.

    :raises ApplicationNotFound: unknown item or a unit that does not implement it.
    :raises NotOnline, LevelTooLow: see `check_can_apply`.
    :raises NotAuthorized: an agent whose legal representative did not allow this item.
    """
    if checked is None or checked.version.code != code:
        checked = item_to_apply_for(account, code)
    version, existing = checked.version, checked.draft
    if existing is not None:
        return existing
    units = {unit.code: unit for unit in version.units}
    unit = units.get(unit_code) if unit_code else (version.units[0] if len(units) == 1 else None)
    if unit is None:
        raise ApplicationNotFound(unit_code or "")
    moment = now()
    application = Application(
        item_id=version.item_id,
        item_version_id=version.id,
        unit_id=unit.id,
        # The id, not the relationship: the change tokens are noted before the flush fills it.
        account_id=account.id,
        enterprise_id=account.enterprise_id,
        applicant_type=account.user_type,
        applicant_name=account.enterprise.name if account.enterprise else account.name,
        applicant_id_masked=account.id_number_masked,
        applicant_id_hash=account.id_number_hash,
        applicant_phone=account.phone,
        channel=_channel(),
        status=ApplicationStatus.DRAFT,
        answers={},
        created_at=moment,
        updated_at=moment,
    )
    db.session.add(application)
    db.session.commit()
    return application


def _sees_enterprise(account: Account) -> bool:
    return account.user_type == UserType.LEGAL_PERSON and account.enterprise_id is not None


def _visible_to(account: Account) -> sa.ColumnElement[bool]:
    own = Application.account_id == account.id
    if _sees_enterprise(account):
        visible = sa.or_(own, Application.enterprise_id == account.enterprise_id)
        allowed = allowed_item_ids(account)  # an agent limited by the legal representative
        return visible if allowed is None else sa.and_(visible, Application.item_id.in_(allowed))
    return own


def get_own_application(account: Account, application_id: int, *options: ORMOption) -> Application:
    """An application the person may see: their own, or their enterprise's.

    ``options`` load what the caller reads (`ANSWERS`, `MATERIALS`, `CHECK`, `SUBMITTING`,
    `DETAIL`); without them, the whole row with its item, version and unit.

    :raises ApplicationNotFound: for any other id (shown as 404, never 403).
    """
    if _sees_enterprise(account):
        query = (
            sa.select(Application)
            .where(Application.id == application_id, _visible_to(account))
            .options(*options)
        )
        found = db.session.scalars(query)
    else:
        found = db.session.scalars(
            _own_query(options), {"id": application_id, "account_id": account.id}
        )
    application = found.unique().one_or_none()  # unique: a row per joined material
    if application is None:
        raise ApplicationNotFound(application_id)
    return application


@lru_cache(maxsize=16)
def _own_query(options: tuple[ORMOption, ...]) -> sa.Select:
    """A person's own application by id, with `options`: built once per set of options, as the
    applicant's pages read one on every request (a statement built afresh costs more than the
    look-up itself)."""
    return (
        sa.select(Application)
        .where(
            Application.id == sa.bindparam("id"),
            Application.account_id == sa.bindparam("account_id"),
        )
        .options(*options)
    )


def list_own_applications(account: Account, *options: ORMOption) -> list[Application]:
    """The person's (and their enterprise's) applications, newest first.

    The item, version and unit come with each application; ``options`` load what else the
    caller reads (e.g. ``joinedload(Application.rating)``), so that a page of them costs one
    statement whatever their number.
    """
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(_visible_to(account), Application.status != ApplicationStatus.WITHDRAWN)
            .order_by(Application.updated_at.desc())
            .options(*options)
        ).unique()
    )


@dataclass(frozen=True)
class OwnApplications:
    """我的办件: what is still open (drafts, in progress) in full, what is finished a page at a
    time (a person of many years has hundreds)."""

    drafts: list[Application]
    in_progress: list[Application]
    finished: Page[Application]


def own_applications(account: Account, page: int = 1, per_page: int = 20) -> OwnApplications:
    """The person's (and their enterprise's) applications for 我的办件, newest first: the open
    ones on the first page only, above page `page` of the finished ones; withdrawn ones left out.
    """
    newest_first = (Application.updated_at.desc(), Application.id.desc())
    visible = sa.select(Application).where(_visible_to(account))
    finished = fetch_page(
        visible.where(Application.status.in_(FINISHED_STATUSES)).order_by(*newest_first),
        page,
        per_page,
    )
    still_open: list[Application] = []
    if finished.number == 1:
        still_open = list(
            db.session.scalars(
                visible.where(Application.status.not_in(sorted(TERMINAL_STATUSES))).order_by(
                    *newest_first
                )
            ).unique()
        )
    return OwnApplications(
        drafts=[a for a in still_open if a.status is ApplicationStatus.DRAFT],
        in_progress=[a for a in still_open if a.status is not ApplicationStatus.DRAFT],
        finished=finished,
    )


def _require_status(application: Application, *statuses: ApplicationStatus) -> None:
    if application.status not in statuses:
        raise IllegalTransition("edit", application.status)


def save_answers(account: Account, application: Application, answers: dict[str, Any]) -> None:
    """Keep the answers of one form page in the draft (already validated by its form).

    Identity numbers are stored encrypted and masked (`answers.protect`, idempotent).

    :raises IllegalTransition: once the application is submitted.
    """
    _require_status(application, ApplicationStatus.DRAFT)
    fields = version_of(application).form_fields
    names = {field["name"] for field in fields}
    application.answers = {
        **application.answers,
        **protect(fields, {k: v for k, v in answers.items() if k in names}),
    }
    application.updated_at = now()
    db.session.commit()


def pending_supplement(application: Application) -> SupplementRequest | None:
    """The supplement request still waiting for the applicant, if any."""
    if application.status is not ApplicationStatus.SUPPLEMENT_PENDING:
        return None
    return next((s for s in application.supplements if s.answered_on is None), None)


def open_positions(application: Application) -> list[int]:
    """The checklist positions the applicant may add to now.

    Every position of a draft; after submission only those a pending supplement names and those
    a tolerant acceptance (容缺受理) left to hand in later.
    """
    if application.status is ApplicationStatus.DRAFT:
        return [material.position for material in version_of(application).materials]
    positions: set[int] = set()
    pending = pending_supplement(application)
    if pending is not None:
        positions |= {
            i["position"] for i in pending.requested_items if i.get("position") is not None
        }
    tolerance = application.tolerance
    if (
        tolerance is not None
        and tolerance.fulfilled_at is None
        and application.status not in TERMINAL_STATUSES
    ):
        positions |= set(tolerance.missing_positions)
    return sorted(positions)


def attach_upload(
    account: Account, application: Application, position: int, stream: BinaryIO, filename: str
) -> ApplicationMaterial:
    """Store an uploaded photo or PDF as material `position`, checked by content and size.

    A tolerant acceptance's commitment is marked fulfilled once its last material arrives.

    :raises UploadRejected: empty, too large, or not a JPEG/PNG/PDF; nothing is kept.
    :raises IllegalTransition: when this material can no longer change (see `open_positions`).
    :raises ApplicationNotFound: for a position the item does not have.
    """
    material = _attach_upload(application, position, stream, filename)
    _commit_materials(application)
    return material


def _commit_materials(application: Application) -> None:
    """Commit materials just attached, with the application's time and a tolerant acceptance's
    commitment marked fulfilled once its last material arrived."""
    application.updated_at = now()
    fulfil_tolerance_if_complete(application)
    db.session.commit()


def _attach_upload(
    application: Application, position: int, stream: BinaryIO, filename: str
) -> ApplicationMaterial:
    if not 0 <= position < len(version_of(application).materials):
        raise ApplicationNotFound(position)
    if position not in open_positions(application):
        raise IllegalTransition("attach", application.status)
    stored: StoredFile = storage().save(stream, max_bytes=current_app.config["UPLOAD_MAX_BYTES"])
    material = ApplicationMaterial(
        position=position,
        source=MaterialSource.UPLOAD,
        file_key=stored.key,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        filename=(filename or "")[-100:],
        added_at=now(),
    )
    application.materials.append(material)
    return material


def attach_chosen(
    account: Account,
    application: Application,
    licenses: dict[int, int],
    uploads: list[tuple[int, BinaryIO, str]],
) -> dict[int, LicenseUnusable | UploadRejected]:
    """Attach what the materials page sent at once, in one transaction: a held licence per
    position (`licenses`) and any number of files (`uploads`: position, stream, file name).

    A licence that cannot be used or a file refused leaves its material open and the others
    attached; the refusals are returned by position (the last one of a position).

    :raises IllegalTransition, ApplicationNotFound: as `attach_upload` and `attach_license`;
        then nothing is attached.
    """
    refused: dict[int, LicenseUnusable | UploadRejected] = {}
    added = False
    for position, license_id in licenses.items():
        try:
            added |= _attach_license(account, application, position, license_id)[1]
        except LicenseUnusable as unusable:
            refused[position] = unusable
    for position, stream, filename in uploads:
        try:
            _attach_upload(application, position, stream, filename)
            added = True
        except UploadRejected as rejected:
            refused[position] = rejected
    if added:
        _commit_materials(application)
    return refused


def remove_material(account: Account, application: Application, material_id: int) -> None:
    """Take back a material added to a draft, or added since submission where still open.

    :raises ApplicationNotFound: for a material of another application.
    :raises IllegalTransition: for a material handed in with the submitted application.
    """
    material = next((m for m in application.materials if m.id == material_id), None)
    if material is None or material.replaced_at is not None:
        raise ApplicationNotFound(material_id)
    submitted = application.submitted_at
    handed_in = submitted is not None and as_local(material.added_at) <= as_local(submitted)
    if material.position not in open_positions(application) or handed_in:
        raise IllegalTransition("remove", application.status)
    material.replaced_at = now()
    db.session.commit()


def current_materials(application: Application) -> dict[int, list[ApplicationMaterial]]:
    """The materials in force, by checklist position."""
    grouped: dict[int, list[ApplicationMaterial]] = {}
    for material in application.materials:
        if material.replaced_at is None:
            grouped.setdefault(material.position, []).append(material)
    return grouped


def missing_required(application: Application) -> list[str]:
    """Names of required materials with nothing attached."""
    present = current_materials(application)
    return [
        m.name
        for m in version_of(application).materials
        if m.required and m.position not in present
    ]


def expected_due_date(application: Application) -> date | None:
    """When the application would be due if accepted today (to flag licenses ending sooner)."""
    try:
        return add_working_days(now().date(), version_of(application).promised_time_limit_days)
    except CalendarNotCovered:
        return None


def license_choices(
    account: Account, application: Application, positions: list[int]
) -> dict[int, list[Any]]:
    """The held licenses that can stand in for each open material, by position (one
    statement, whatever the number of materials)."""
    wanted = {
        m.position: m.license_type_id
        for m in version_of(application).materials
        if m.license_type_id is not None and m.position in positions
    }
    if not wanted:
        return {}
    held = usable_licenses_by_type(account, set(wanted.values()), expected_due_date(application))
    return {position: held.get(type_id, []) for position, type_id in wanted.items()}


def attach_license(
    account: Account, application: Application, position: int, license_id: int
) -> ApplicationMaterial:
    """Use a held electronic license instead of uploading material `position`.

    The holder's consent and the use are logged (and audited) with the material, in one
    transaction; choosing the same license again changes nothing.

    :raises IllegalTransition: when materials can no longer change.
    :raises ApplicationNotFound: for a position without a license type, or a license the person
        does not hold or of another type.
    :raises LicenseUnusable: for an expired or revoked license.
    """
    material, added = _attach_license(account, application, position, license_id)
    if added:
        _commit_materials(application)
    return material


def _attach_license(
    account: Account, application: Application, position: int, license_id: int
) -> tuple[ApplicationMaterial, bool]:
    """The material standing for the license, and whether it is new (the caller commits)."""
    if position not in open_positions(application):
        raise IllegalTransition("attach", application.status)
    spec = next((m for m in version_of(application).materials if m.position == position), None)
    if spec is None or spec.license_type_id is None:
        raise ApplicationNotFound(position)
    held = {lic.id: lic for lic in usable_licenses(account, spec.license_type_id, None)}
    chosen = held.get(license_id)
    if chosen is None:
        raise ApplicationNotFound(license_id)
    existing = next(
        (
            m
            for m in current_materials(application).get(position, [])
            if m.license_reference == chosen.identifier
        ),
        None,
    )
    if existing is not None:
        return existing, False
    record_use(chosen, application, account)
    material = ApplicationMaterial(
        position=position,
        source=MaterialSource.LICENSE,
        license_reference=chosen.identifier,
        filename=chosen.license_type.name,
        added_at=now(),
    )
    application.materials.append(material)
    return material, True


def _next_number(day: date) -> str:
    """The day's next number: one atomic statement that creates or bumps the day's counter.

    The counter row stays locked until the caller commits (so numbers have no gaps: a rolled
    back submission gives its number back), which is why `submit` takes it after every check,
    right before its changes are flushed and committed. Concurrent submissions queue on that
    row (PostgreSQL) or on the write lock (SQLite); none can read the same value.
    """
    table = DailyCounter.__table__
    dialect = db.session.get_bind().dialect.name
    statement = insert_or_update(table, dialect).values(day=day, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.day], set_={"value": table.c.value + 1}
    ).returning(table.c.value)
    sequence = db.session.execute(statement).scalar_one()
    return format_application_number(day, sequence)


def missing_answers(application: Application) -> list[tuple[int, str]]:
    """Required questions left unanswered, as (form page number from 1, label)."""
    from .formbuilder import groups_of

    fields = version_of(application).form_fields
    pages = {group: number for number, group in enumerate(groups_of(fields), start=1)}
    return [
        (pages[spec.get("group", "基本信息")], spec["label"])
        for spec in fields
        if spec.get("required", True) and application.answers.get(spec["name"]) in (None, "", [])
    ]


def submit(account: Account, application: Application, declaration: bool) -> Application:
    """Submit a complete draft; submitting again returns the same application (idempotent).

    :raises LevelTooLow: the person's level is below the item's (checked again here).
    :raises IllegalTransition: from a state other than draft (and not already submitted).
    :raises ValueError: ``declaration``, ``answers`` or ``materials`` when the declaration is not
        accepted, a required question (reached by URL-skipping) or a required material is missing.
    """
    # Lock the row and reread it (one statement), so that two taps racing each other cannot
    # both number it; with the codes its process record names. The rows must be read for
    # `populate_existing` to refresh the object: the status checked below is the locked one.
    db.session.scalars(
        sa.select(Application)
        .where(Application.id == application.id)
        .with_for_update(of=Application)
        .options(
            lazyload(Application.version),
            joinedload(Application.item).load_only(ServiceItem.code),
            joinedload(Application.unit).load_only(Unit.code),
            joinedload(Application.materials),  # read fresh, as the checks need them
        )
        .execution_options(populate_existing=True)
    ).unique().one()
    if application.status is not ApplicationStatus.DRAFT and application.number:
        return application  # a double tap, a back button, a retried request
    version = version_of(application)
    check_can_apply(account, version)
    if not declaration:
        raise ValueError("declaration")
    if missing_answers(application):
        raise ValueError("answers")
    if missing_required(application):
        raise ValueError("materials")
    moment = now()
    application.number = _next_number(moment.date())
    application.submitted_at = moment
    apply_transition(application, "submit", ActorType.APPLICANT, application.channel)
    notify(
        application,
        "申请已提交",
        f"您的{version.name}申请（{application.number}）已提交，等待受理。",
    )
    db.session.commit()
    return application


def withdraw(account: Account, application: Application) -> None:
    """Withdraw an application not yet accepted; a draft is simply discarded.

    :raises IllegalTransition: once accepted.
    """
    if application.status is ApplicationStatus.DRAFT:
        application.status = ApplicationStatus.WITHDRAWN
        db.session.commit()
        return
    apply_transition(application, "withdraw", ActorType.APPLICANT, application.channel)
    db.session.commit()


def submit_supplement(account: Account, application: Application) -> None:
    """Hand in what the supplement request asked for; the clock runs again.

    :raises IllegalTransition: when no supplement is pending.
    :raises ValueError: ``materials`` when a requested material still has nothing attached.
    """
    pending = pending_supplement(application)
    if pending is None:
        raise IllegalTransition("supplement_submit", application.status)
    present = current_materials(application)
    asked = [
        item["position"] for item in pending.requested_items if item.get("position") is not None
    ]
    fresh = {
        m.position
        for m in application.materials
        if m.replaced_at is None and m.added_at >= pending.requested_at
    }
    if any(position not in present or position not in fresh for position in asked):
        raise ValueError("materials")
    pending.answered_on = now().date()
    apply_transition(application, "supplement_submit", ActorType.APPLICANT, application.channel)
    refresh_due_date(application, now().date())
    db.session.commit()


def commit_to_tolerance(account: Account, application: Application) -> None:
    """Sign the commitment to hand in the missing minor materials by the deadline (容缺承诺).

    :raises IllegalTransition: when there is nothing to commit to.
    """
    tolerance = application.tolerance
    if tolerance is None or tolerance.committed_at is not None:
        raise IllegalTransition("commit", application.status)
    tolerance.committed_at = now()
    db.session.commit()


def fulfil_tolerance_if_complete(application: Application) -> None:
    """Mark the commitment fulfilled once every missing material is attached. Caller commits."""
    if application.status is ApplicationStatus.DRAFT:
        return  # a commitment comes with a tolerant acceptance: never before submission
    tolerance = application.tolerance
    if tolerance is None or tolerance.fulfilled_at is not None:
        return
    present = current_materials(application)
    if all(position in present for position in tolerance.missing_positions):
        tolerance.fulfilled_at = now()


def rate(account: Account, application: Application, score: int, comment: str) -> Rating:
    """Rate a completed application once (好差评); 1–2 becomes a complaint in the unit's queue.

    :raises IllegalTransition: before completion or when already rated.
    :raises ValueError: for a score outside 1–5.
    """
    if application.status is not ApplicationStatus.COMPLETED or application.rating is not None:
        raise IllegalTransition("evaluate", application.status)
    if score not in range(1, 6):
        raise ValueError("score")
    rating = Rating(
        application=application, score=score, comment=comment.strip()[:500], created_at=now()
    )
    db.session.add(rating)
    write_record(
        application, Stage.EVALUATE, ActorType.APPLICANT, application.channel, result=str(score)
    )
    db.session.commit()
    return rating


def reapply(account: Account, application: Application) -> Application:
    """Start a new draft from a refused or denied application, carrying over what still holds.

    Answers are copied; materials are copied except those the refusal named.

    :raises IllegalTransition: unless the application was refused or denied.
    :raises NotOnline, LevelTooLow: as for a new application.
    """
    if not (application.status is ApplicationStatus.REJECTED or application.decision == "denied"):
        raise IllegalTransition("reapply", application.status)
    fresh = start_application(account, version_of(application).code, unit_of(application).code)
    checklist = len(version_of(fresh).materials)
    named = set(application.reason_points.get("materials", []))
    fresh.answers = dict(application.answers)
    fresh.reapplied_from_id = application.id
    for material in application.materials:
        if (
            material.replaced_at is None
            and material.position not in named
            and material.position < checklist
        ):
            fresh.materials.append(
                ApplicationMaterial(
                    position=material.position,
                    source=material.source,
                    file_key=material.file_key,
                    content_type=material.content_type,
                    size=material.size,
                    sha256=material.sha256,
                    filename=material.filename,
                    license_reference=material.license_reference,
                    added_at=now(),
                )
            )
    db.session.commit()
    return fresh


def open_file(
    account: Account, application: Application, material_id: int
) -> tuple[BinaryIO, ApplicationMaterial]:
    """An attached file of an application the caller may already see.

    :raises ApplicationNotFound: for a material of another application, without a file, or
        whose file is missing from the store.
    """
    material = next((m for m in application.materials if m.id == material_id), None)
    if material is None or material.file_key is None:
        raise ApplicationNotFound(material_id)
    try:
        return storage().open(material.file_key), material
    except UnknownKey:  # the file is gone from the store: say so, not 500
        raise ApplicationNotFound(material_id) from None


def messages_of(account: Account, page: int = 1, per_page: int = 20) -> Page[Message]:
    """One page of the person's messages, newest first."""
    return fetch_page(
        sa.select(Message).where(Message.account_id == account.id).order_by(Message.id.desc()),
        page,
        per_page,
    )


def read_message(account: Account, message_id: int) -> Message:
    """Open one of the person's messages, marking it read the first time.

    :raises MessageNotFound: for a message of anyone else (shown as 404).
    """
    message = db.session.scalar(
        sa.select(Message).where(Message.id == message_id, Message.account_id == account.id)
    )
    if message is None:
        raise MessageNotFound(message_id)
    if message.read_at is None:
        message.read_at = now()
        db.session.commit()
    return message


def visits_still_needed(application: Application) -> int:
    """How many more on-site visits the guide needs beyond those already recorded."""
    made = sum(1 for record in application.records if record.stage is Stage.VISIT)
    return max(0, version_of(application).required_visits - made)


@dataclass(frozen=True)
class ProgressView:
    """What an anonymous progress lookup may show: stage and dates, no personal data."""

    number: str
    item_name: str
    unit_name: str
    status: ApplicationStatus
    submitted_at: Any
    due_on: date | None
    completed_at: Any
    steps: tuple[tuple[Stage, Any], ...]


def look_up_progress(number: str, phone_last4: str) -> ProgressView | None:
    """Find an application by number and the last four digits of the applicant's phone."""
    canonical = normalise_application_number(number or "")
    if canonical is None or len(phone_last4 or "") != 4 or not phone_last4.isdigit():
        return None
    rows = db.session.execute(_progress_read(), {"number": canonical}).all()
    if not rows or not rows[0][0].endswith(phone_last4):
        return None
    status, submitted_at, due_on, completed_at, item_name, unit_name = rows[0][1:7]
    return ProgressView(
        number=canonical,
        item_name=item_name,
        unit_name=unit_name,
        status=status,
        submitted_at=submitted_at,
        due_on=due_on,
        completed_at=completed_at,
        steps=tuple((stage, occurred_at) for *_, stage, occurred_at in rows if stage is not None),
    )


@cache
def _progress_read() -> sa.Select:
    """One statement, only the columns shown: the application by number with its item's name,
    its unit's name and each of its process records."""
    return (
        sa.select(
            Application.applicant_phone,
            Application.status,
            Application.submitted_at,
            Application.due_on,
            Application.completed_at,
            ItemVersion.name,
            Unit.name,
            ProcessRecord.stage,
            ProcessRecord.occurred_at,
        )
        .join(ItemVersion, ItemVersion.id == Application.item_version_id)
        .join(Unit, Unit.id == Application.unit_id)
        .outerjoin(ProcessRecord, ProcessRecord.application_id == Application.id)
        .where(Application.number == sa.bindparam("number"))
        .order_by(ProcessRecord.id)
    )
