"""The general approval workbench (通用审批系统): queues and the clerks' actions.

Every action checks the clerk's role in the application's unit here, in the service layer;
an application of another unit is "not found", whatever id a URL or form carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..applications.answers import AnswerRow, display_rows, protect
from ..applications.constants import (
    NEAR_DUE_WORKING_DAYS,
    ActorType,
    ApplicationStatus,
    Channel,
    Decision,
    MaterialSource,
    Stage,
)
from ..applications.lifecycle import (
    TRANSITIONS,
    ClockView,
    IllegalTransition,
    allowed_actions,
    apply_transition,
    clock_of,
    notify,
    refresh_due_date,
    write_record,
)
from ..applications.models import (
    Application,
    ApplicationMaterial,
    Rating,
    SupplementRequest,
    ToleranceCommitment,
)
from ..applications.services import ApplicationNotFound, next_application_number, storage
from ..audit.services import record_event
from ..catalog.models import ItemVersion, ServiceItem
from ..clock import CHINA_STANDARD_TIME, now
from ..common.errors import NotAuthorized
from ..extensions import db
from ..identity.constants import StaffRoleKind, UserType
from ..identity.identifiers import is_valid_id_number, mask_id_number
from ..identity.models import Account, StaffRole
from ..identity.protection import id_number_hash
from ..identity.services import staff_roles_of
from ..licenses.services import issue_for_application, license_summary
from ..organisations.models import Unit
from ..storage.files import UnknownKey
from ..workdays import add_working_days

__all__ = [
    "ACTION_ROLES",
    "QUEUES",
    "ApplicationNotFound",
    "Casefile",
    "CounterApplicant",
    "CounterItem",
    "IllegalTransition",
    "NotAuthorized",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "accept",
    "complete",
    "counter_item",
    "counter_items",
    "decide",
    "get_for_staff",
    "open_casefile",
    "open_material",
    "queue",
    "queue_counts",
    "queue_page",
    "receive_at_counter",
    "record_visit",
    "reject",
    "reply_to_rating",
    "request_supplement",
    "review",
    "units_of",
]

QUEUES = ("new", "review", "decide", "supplement", "near_due", "overdue", "complaints", "tolerance")

_ALL_UNIT_ROLES = (
    StaffRoleKind.WINDOW_CLERK,
    StaffRoleKind.REVIEWER,
    StaffRoleKind.APPROVER,
    StaffRoleKind.UNIT_ADMIN,
)
# Who may take each workbench action: the state machine's transitions, plus the two steps that
# change no state (a visit at the counter, a reply to a rating).
ACTION_ROLES: dict[str, tuple[StaffRoleKind, ...]] = {
    **{name: t.roles for name, t in TRANSITIONS.items() if t.roles},
    "visit": (StaffRoleKind.WINDOW_CLERK,),
    "reply": _ALL_UNIT_ROLES,
}


def _office(roles: list[StaffRole]) -> bool:
    return any(role.role is StaffRoleKind.DISTRICT_OFFICE for role in roles)


def _with_villages(unit_ids: set[int]) -> list[int]:
    villages = db.session.scalars(sa.select(Unit.id).where(Unit.parent_id.in_(unit_ids)))
    return sorted(unit_ids | set(villages))


def units_of(staff: Account) -> list[int] | None:
    """Ids of the units whose applications the person handles (a town includes its villages);
    None for the district office, which sees every unit.

    :raises NotAuthorized: for someone with no staff role.
    """
    roles = staff_roles_of(staff)
    if not roles:
        raise NotAuthorized()
    if _office(roles):
        return None
    return _with_villages({role.unit_id for role in roles})


def _holds(roles: list[StaffRole], application: Application, kinds: tuple) -> bool:
    if _office(roles):
        return True
    # The unit itself, not `unit_id`: an application being registered has no ids yet.
    unit_ids = {application.unit.id, application.unit.parent_id}
    return any(role.role in kinds and role.unit_id in unit_ids for role in roles)


def _role_in(staff: Account, application: Application, *kinds: StaffRoleKind) -> None:
    if not _holds(staff_roles_of(staff), application, kinds):
        raise NotAuthorized()


def _within(unit_ids: list[int] | None) -> sa.Select:
    query = sa.select(Application).where(Application.status != ApplicationStatus.DRAFT)
    if unit_ids is not None:
        query = query.where(Application.unit_id.in_(unit_ids))
    return query


def get_for_staff(staff: Account, application_id: int) -> Application:
    """An application of the person's units.

    :raises ApplicationNotFound: for any other id.
    :raises NotAuthorized: for someone with no staff role.
    """
    application = db.session.scalar(
        _within(units_of(staff)).where(Application.id == application_id)
    )
    if application is None:
        raise ApplicationNotFound(application_id)
    return application


@dataclass(frozen=True)
class Casefile:
    """An application as the workbench shows it to one clerk."""

    application: Application
    answers: list[AnswerRow]  # identity numbers masked
    clock: ClockView | None
    actions: list[str]  # what the person may do now, in the order of `ACTION_ROLES`
    permitted: frozenset[str]  # what the person's roles allow in some state
    tolerance_overdue: bool
    # Verified data of the electronic licenses used as materials, by license reference.
    licenses: dict[str, dict]


def open_casefile(staff: Account, application_id: int, today: date) -> Casefile:
    """An application of the person's units with its clock and the actions open to them.

    :raises ApplicationNotFound: for an application outside the person's units.
    :raises NotAuthorized: for someone with no staff role.
    """
    application = get_for_staff(staff, application_id)
    roles = staff_roles_of(staff)
    permitted = frozenset(
        name for name, kinds in ACTION_ROLES.items() if _holds(roles, application, kinds)
    )
    possible = {*allowed_actions(application), "visit"}
    if application.rating is not None:
        possible.add("reply")
    tolerance = application.tolerance
    return Casefile(
        application=application,
        answers=display_rows(application.version.form_fields, application.answers),
        clock=clock_of(application, today),
        actions=[name for name in ACTION_ROLES if name in possible and name in permitted],
        permitted=permitted,
        tolerance_overdue=bool(
            tolerance and tolerance.fulfilled_at is None and tolerance.deadline < today
        ),
        licenses={
            m.license_reference: summary
            for m in application.materials
            if m.license_reference and (summary := license_summary(m.license_reference))
        },
    )


def open_material(
    staff: Account, application_id: int, material_id: int
) -> tuple[BinaryIO, ApplicationMaterial]:
    """The stored file of a material of an application of the person's units; the caller closes it.

    :raises ApplicationNotFound: for another unit's application, a material of another
        application, a material without a file, or a file missing from the store.
    :raises NotAuthorized: for someone with no staff role.
    """
    application = get_for_staff(staff, application_id)
    material = next((m for m in application.materials if m.id == material_id), None)
    if material is None or material.file_key is None:
        raise ApplicationNotFound(material_id)
    try:
        return storage().open(material.file_key), material
    except UnknownKey:
        raise ApplicationNotFound(material_id) from None


def _current_versions(unit_ids: list[int] | None) -> list[ItemVersion]:
    query = sa.select(ItemVersion).join(
        ServiceItem, ServiceItem.current_version_id == ItemVersion.id
    )
    if unit_ids is not None:
        query = query.where(ItemVersion.units.any(Unit.id.in_(unit_ids)))
    query = query.options(selectinload(ItemVersion.item)).order_by(ServiceItem.code)
    return list(db.session.scalars(query))


def _window_units(staff: Account) -> list[int] | None:
    roles = staff_roles_of(staff)
    if _office(roles):
        return None
    ids = {role.unit_id for role in roles if role.role is StaffRoleKind.WINDOW_CLERK}
    if not ids:
        raise NotAuthorized()
    return _with_villages(ids)


def counter_items(staff: Account) -> list[ItemVersion]:
    """The items a window clerk can register at the counter: those their units implement.

    :raises NotAuthorized: for someone who is no window clerk (the district office may).
    """
    return _current_versions(_window_units(staff))


@dataclass(frozen=True)
class CounterItem:
    """An item as the counter registers it, with the clerk's units implementing it."""

    version: ItemVersion
    units: list[Unit]


def counter_item(staff: Account, item_code: str) -> CounterItem:
    """The current version of an item and those of the clerk's units that implement it.

    :raises NotAuthorized: for someone who is no window clerk (the district office may).
    :raises ApplicationNotFound: unknown item, or one none of the clerk's units implements.
    """
    unit_ids = _window_units(staff)
    version = db.session.scalar(
        sa.select(ItemVersion)
        .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
        .where(ServiceItem.code == item_code)
    )
    units = [
        unit
        for unit in (version.units if version else [])
        if unit_ids is None or unit.id in unit_ids
    ]
    if version is None or not units:
        raise ApplicationNotFound(item_code)
    return CounterItem(version, units)


@dataclass(frozen=True)
class QueueFilters:
    """Narrowing a queue."""

    item_code: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    channel: Channel | None = None


def _near_due_limit(today: date) -> date:
    return add_working_days(today, NEAR_DUE_WORKING_DAYS)


def _queue_condition(name: str, today: date) -> sa.ColumnElement[bool]:
    open_statuses = [
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.REVIEWED,
        ApplicationStatus.DECIDED,
    ]
    return {
        "new": Application.status == ApplicationStatus.SUBMITTED,
        "review": Application.status == ApplicationStatus.ACCEPTED,
        "decide": Application.status == ApplicationStatus.REVIEWED,
        "supplement": Application.status == ApplicationStatus.SUPPLEMENT_PENDING,
        "near_due": sa.and_(
            Application.status.in_(open_statuses),
            Application.due_on >= today,
            Application.due_on <= _near_due_limit(today),
        ),
        "overdue": sa.and_(Application.status.in_(open_statuses), Application.due_on < today),
        "complaints": Application.id.in_(
            sa.select(Rating.application_id).where(Rating.score <= 2, Rating.reply.is_(None))
        ),
        "tolerance": Application.id.in_(
            sa.select(ToleranceCommitment.application_id).where(
                ToleranceCommitment.fulfilled_at.is_(None), ToleranceCommitment.deadline < today
            )
        ),
    }[name]


def _start_of(day: date) -> datetime:
    # Submission times are stored in China Standard Time; a day starts at its local midnight.
    return datetime.combine(day, time(), CHINA_STANDARD_TIME)


def _queue_query(
    unit_ids: list[int] | None, name: str, filters: QueueFilters, today: date
) -> sa.Select:
    query = _within(unit_ids).where(_queue_condition(name, today))
    if filters.item_code:
        query = query.where(
            Application.item_id.in_(
                sa.select(ServiceItem.id).where(ServiceItem.code == filters.item_code)
            )
        )
    if filters.submitted_from:
        query = query.where(Application.submitted_at >= _start_of(filters.submitted_from))
    if filters.submitted_to:
        query = query.where(
            Application.submitted_at < _start_of(filters.submitted_to + timedelta(days=1))
        )
    if filters.channel:
        query = query.where(Application.channel == filters.channel)
    return query


def queue(staff: Account, name: str, filters: QueueFilters, today: date) -> list[Application]:
    """One queue of the person's units, oldest first (due date first where the clock runs).

    :raises NotAuthorized: for someone with no staff role.
    :raises KeyError: for an unknown queue name.
    """
    return _queue_rows(units_of(staff), name, filters, today)


def _queue_rows(
    unit_ids: list[int] | None, name: str, filters: QueueFilters, today: date
) -> list[Application]:
    order = (Application.due_on.is_(None), Application.due_on, Application.submitted_at)
    query = _queue_query(unit_ids, name, filters, today).options(
        selectinload(Application.supplements), selectinload(Application.rating)
    )
    return list(db.session.scalars(query.order_by(*order).limit(200)))


def queue_counts(staff: Account, filters: QueueFilters, today: date) -> dict[str, int]:
    """How many applications each queue holds, with the same filters.

    :raises NotAuthorized: for someone with no staff role.
    """
    return _queue_counts(units_of(staff), filters, today)


def _queue_counts(unit_ids: list[int] | None, filters: QueueFilters, today: date) -> dict:
    return {
        name: db.session.scalar(
            sa.select(sa.func.count()).select_from(
                _queue_query(unit_ids, name, filters, today).subquery()
            )
        )
        or 0
        for name in QUEUES
    }


@dataclass(frozen=True)
class QueueRow:
    """An application in a queue, with its clock."""

    application: Application
    clock: ClockView | None


@dataclass(frozen=True)
class QueuePage:
    """A queue, the size of every queue, and the items the person's units implement."""

    name: str
    rows: list[QueueRow]
    counts: dict[str, int]
    items: list[ItemVersion]
    at_counter: bool  # whether the person registers applications at the window


def queue_page(staff: Account, name: str, filters: QueueFilters, today: date) -> QueuePage:
    """Everything the queue page shows.

    :raises NotAuthorized: for someone with no staff role.
    :raises KeyError: for an unknown queue name.
    """
    unit_ids = units_of(staff)
    rows = _queue_rows(unit_ids, name, filters, today)
    roles = staff_roles_of(staff)
    return QueuePage(
        name=name,
        rows=[QueueRow(application, clock_of(application, today)) for application in rows],
        counts=_queue_counts(unit_ids, filters, today),
        items=_current_versions(unit_ids),
        at_counter=_office(roles) or any(r.role is StaffRoleKind.WINDOW_CLERK for r in roles),
    )


def _audit(staff: Account, action: str, application: Application, **details: Any) -> None:
    record_event(
        f"account:{staff.id}",
        f"workbench.{action}",
        target=f"application:{application.id}",
        **details,
    )


def _material_name(application: Application, position: int) -> str:
    return application.version.materials[position].name


def accept(
    staff: Account,
    application: Application,
    *,
    missing_positions: list[int] | None = None,
    deadline: date | None = None,
) -> None:
    """Accept (受理); with missing minor materials and a deadline, accept tolerantly (容缺受理).

    :raises NotAuthorized: not a window clerk of the unit.
    :raises IllegalTransition: not awaiting acceptance.
    :raises ValueError: ``tolerance`` when the item does not allow it, or the deadline is not
        within the time limit.
    """
    _role_in(staff, application, *ACTION_ROLES["accept"])
    today = now().date()
    missing = sorted(set(missing_positions or []))
    if missing:
        due = add_working_days(today, application.version.promised_time_limit_days)
        if not application.version.allows_tolerant_acceptance or deadline is None:
            raise ValueError("tolerance")
        if not today < deadline <= due or any(
            not 0 <= p < len(application.version.materials) for p in missing
        ):
            raise ValueError("tolerance_deadline")
    apply_transition(
        application, "accept", ActorType.CLERK, Channel.WEB, note="容缺受理" if missing else ""
    )
    application.accepted_on = today
    refresh_due_date(application, today)
    if missing:
        db.session.add(
            ToleranceCommitment(
                application=application, missing_positions=missing, deadline=deadline
            )
        )
        names = "、".join(_material_name(application, p) for p in missing)
        body = f"已容缺受理，请于{deadline:%Y年%m月%d日}前补交：{names}，并在手机上签署承诺。"
    else:
        body = (
            f"已受理，承诺办结日期为{application.due_on:%Y年%m月%d日}。"
            if application.due_on
            else "已受理。"
        )
    notify(application, "申请已受理", f"您的申请（{application.number}）{body}")
    _audit(staff, "accept", application, tolerant=bool(missing))
    db.session.commit()


def reject(
    staff: Account, application: Application, reason: str, points: dict[str, list[int]]
) -> None:
    """Refuse to accept (不予受理), naming the reasons against the guide.

    :raises NotAuthorized, IllegalTransition: as for `accept`.
    :raises ValueError: ``reason`` when no reason is given.
    """
    _role_in(staff, application, *ACTION_ROLES["reject_accept"])
    if not reason.strip():
        raise ValueError("reason")
    apply_transition(
        application, "reject_accept", ActorType.CLERK, Channel.WEB, note=reason.strip()
    )
    application.reason, application.reason_points = reason.strip(), points
    notify(
        application, "申请不予受理", f"您的申请（{application.number}）不予受理：{reason.strip()}"
    )
    _audit(staff, "reject_accept", application)
    db.session.commit()


def request_supplement(
    staff: Account, application: Application, items: list[dict[str, Any]], note: str = ""
) -> SupplementRequest:
    """Ask once and completely for what is missing (一次性告知); pauses the clock once accepted.

    :raises NotAuthorized: not a window clerk or reviewer of the unit.
    :raises IllegalTransition: not awaiting acceptance or review.
    :raises ValueError: ``items`` when nothing is named or a named item has no reason.
    """
    _role_in(staff, application, *ACTION_ROLES["supplement_request"])
    if not items or any(not str(item.get("reason", "")).strip() for item in items):
        raise ValueError("items")
    pauses = application.status is ApplicationStatus.ACCEPTED
    moment = now()
    listed = "；".join(f"{item['name']}（{item['reason'].strip()}）" for item in items)
    # The transition first: refused, it must leave nothing behind in the session.
    apply_transition(application, "supplement_request", ActorType.CLERK, Channel.WEB, note=listed)
    request = SupplementRequest(
        application=application,
        requested_items=[
            {
                "position": item.get("position"),
                "name": item["name"],
                "reason": item["reason"].strip(),
            }
            for item in items
        ],
        note=note.strip(),
        requested_on=moment.date(),
        requested_at=moment,
        pauses_clock=pauses,
    )
    db.session.add(request)
    db.session.flush()
    refresh_due_date(application, moment.date())
    notify(
        application,
        "请补正材料",
        f"您的申请（{application.number}）需要补正：{listed}。补齐前办理时限暂停计算。",
    )
    _audit(staff, "supplement_request", application, items=len(items))
    db.session.commit()
    return request


def review(staff: Account, application: Application, opinion: str) -> None:
    """Record the review opinion (审查意见).

    :raises NotAuthorized: not a reviewer of the unit.
    :raises IllegalTransition: not awaiting review.
    :raises ValueError: ``opinion`` when empty.
    """
    _role_in(staff, application, *ACTION_ROLES["review"])
    if not opinion.strip():
        raise ValueError("opinion")
    apply_transition(application, "review", ActorType.CLERK, Channel.WEB, note=opinion.strip())
    application.review_opinion = opinion.strip()
    _audit(staff, "review", application)
    db.session.commit()


def decide(
    staff: Account,
    application: Application,
    decision: Decision,
    reason: str = "",
    points: dict[str, list[int]] | None = None,
) -> None:
    """Approve or deny (决定); a denial names its reasons.

    :raises NotAuthorized: not an approver of the unit.
    :raises IllegalTransition: not awaiting a decision.
    :raises ValueError: ``reason`` for a denial without one.
    """
    _role_in(staff, application, *ACTION_ROLES["decide"])
    if decision is Decision.DENIED and not reason.strip():
        raise ValueError("reason")
    apply_transition(
        application,
        "decide",
        ActorType.CLERK,
        Channel.WEB,
        result=decision.value,
        note=reason.strip(),
    )
    application.decision, application.decided_at = decision, now()
    if decision is Decision.DENIED:
        application.reason, application.reason_points = reason.strip(), points or {}
    text = "已批准" if decision is Decision.APPROVED else f"不予批准：{reason.strip()}"
    notify(application, "审批决定", f"您的申请（{application.number}）{text}")
    _audit(staff, "decide", application, decision=decision.value)
    db.session.commit()


def complete(staff: Account, application: Application, delivery: str) -> None:
    """Complete (办结) and deliver the result by the chosen way; an approved application whose
    result is a license issues it in the same transaction.

    :raises NotAuthorized: not a window clerk of the unit.
    :raises IllegalTransition: not decided yet.
    :raises ValueError: ``delivery`` for a way the item does not offer; `LicenseRefused`
        (``license_holder``, ...) when the license cannot be issued, and nothing is completed.
    """
    _role_in(staff, application, *ACTION_ROLES["complete"])
    offered = application.version.result_delivery or ["pickup"]
    if delivery not in offered:
        raise ValueError("delivery")
    apply_transition(application, "complete", ActorType.CLERK, Channel.WEB)
    application.completed_at, application.delivery = now(), delivery
    channel = Channel.COUNTER if delivery == "pickup" else Channel.WEB
    write_record(application, Stage.DELIVER, ActorType.CLERK, channel, result=delivery)
    if application.decision is Decision.APPROVED and application.version.result_type == "license":
        try:
            issue_for_application(application, actor=f"account:{staff.id}")
        except BaseException:
            db.session.rollback()  # no license, no completion: nothing half-done stays
            raise
    notify(application, "办结", f"您的申请（{application.number}）已办结，欢迎评价我们的服务。")
    _audit(staff, "complete", application, delivery=delivery)
    db.session.commit()


def record_visit(staff: Account, application: Application, note: str = "") -> None:
    """Record that the applicant came to the counter (the monitoring counts real visits).

    :raises NotAuthorized: not a window clerk of the unit.
    """
    _role_in(staff, application, *ACTION_ROLES["visit"])
    write_record(application, Stage.VISIT, ActorType.CLERK, Channel.COUNTER, note=note.strip())
    _audit(staff, "visit", application)
    db.session.commit()


def reply_to_rating(staff: Account, application: Application, reply: str, rectified: bool) -> None:
    """Answer a rating (a complaint when 1–2) and say whether it was put right.

    :raises NotAuthorized: not staff of the unit.
    :raises IllegalTransition: when there is no rating.
    :raises ValueError: ``reply`` when empty.
    """
    _role_in(staff, application, *ACTION_ROLES["reply"])
    if application.rating is None:
        raise IllegalTransition("reply", application.status)
    if not reply.strip():
        raise ValueError("reply")
    application.rating.reply, application.rating.rectified = reply.strip(), rectified
    application.rating.replied_at = now()
    notify(application, "评价回复", f"您对申请（{application.number}）的评价已有回复。")
    _audit(staff, "reply_rating", application, rectified=rectified)
    db.session.commit()


@dataclass(frozen=True)
class CounterApplicant:
    """Who came to the window."""

    name: str
    id_number: str
    phone: str
    enterprise_name: str = ""


def receive_at_counter(
    staff: Account,
    item_code: str,
    unit_code: str,
    applicant: CounterApplicant,
    answers: dict[str, Any],
    paper_positions: list[int],
) -> Application:
    """Register an application that arrived at the window (channel `counter`), with its visit.

    Identity numbers among the answers are stored encrypted and masked, as online.

    :raises NotAuthorized: not a window clerk of that unit.
    :raises ApplicationNotFound: unknown item, or a unit that does not implement it.
    :raises ValueError: ``id_number`` for an invalid ID number.
    """
    version = db.session.scalar(
        sa.select(ItemVersion)
        .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
        .where(ServiceItem.code == item_code)
    )
    unit = next((u for u in version.units if u.code == unit_code), None) if version else None
    if version is None or unit is None:
        raise ApplicationNotFound(item_code)
    if not is_valid_id_number(applicant.id_number):
        raise ValueError("id_number")
    moment = now()
    application = Application(
        item_id=version.item_id,
        version=version,
        unit=unit,
        applicant_type=UserType.LEGAL_PERSON if applicant.enterprise_name else UserType.PERSON,
        applicant_name=applicant.enterprise_name or applicant.name,
        applicant_id_masked=mask_id_number(applicant.id_number),
        applicant_id_hash=id_number_hash(applicant.id_number),
        applicant_phone=applicant.phone,
        channel=Channel.COUNTER,
        status=ApplicationStatus.DRAFT,
        answers=protect(version.form_fields, answers),
        created_at=moment,
        updated_at=moment,
    )
    _role_in(staff, application, StaffRoleKind.WINDOW_CLERK)
    db.session.add(application)
    for position in sorted(set(paper_positions)):
        if 0 <= position < len(version.materials):
            application.materials.append(
                ApplicationMaterial(position=position, source=MaterialSource.PAPER, added_at=moment)
            )
    application.number = next_application_number(moment.date())
    application.submitted_at = moment
    apply_transition(application, "submit", ActorType.APPLICANT, Channel.COUNTER)
    write_record(application, Stage.VISIT, ActorType.CLERK, Channel.COUNTER, note="窗口收件")
    _audit(staff, "counter_intake", application)
    db.session.commit()
    return application
