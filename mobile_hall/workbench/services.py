"""The general approval workbench (通用审批系统): queues and the clerks' actions.

Every action checks the clerk's role in the application's unit here, in the service layer;
an application of another unit is "not found", whatever id a URL or form carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

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
    IllegalTransition,
    apply_transition,
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
from ..applications.services import ApplicationNotFound, _next_number
from ..audit.services import record_event
from ..catalog.models import ItemVersion, ServiceItem
from ..clock import now
from ..common.errors import NotAuthorized
from ..extensions import db
from ..identity.constants import StaffRoleKind, UserType
from ..identity.identifiers import is_valid_id_number, mask_id_number
from ..identity.models import Account, StaffRole
from ..identity.protection import id_number_hash
from ..identity.services import staff_roles_of
from ..organisations.models import Unit
from ..workdays import add_working_days

__all__ = [
    "QUEUES",
    "ApplicationNotFound",
    "IllegalTransition",
    "NotAuthorized",
    "QueueFilters",
    "accept",
    "complete",
    "decide",
    "get_for_staff",
    "queue",
    "receive_at_counter",
    "record_visit",
    "reject",
    "reply_to_rating",
    "request_supplement",
    "review",
    "units_of",
]

QUEUES = ("new", "review", "decide", "supplement", "near_due", "overdue", "complaints", "tolerance")


def _office(roles: list[StaffRole]) -> bool:
    return any(role.role is StaffRoleKind.DISTRICT_OFFICE for role in roles)


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
    ids = {role.unit_id for role in roles}
    villages = db.session.scalars(sa.select(Unit.id).where(Unit.parent_id.in_(ids)))
    return sorted(ids | set(villages))


def _role_in(staff: Account, application: Application, *kinds: StaffRoleKind) -> None:
    roles = staff_roles_of(staff)
    if _office(roles):
        return
    unit_ids = {application.unit_id, application.unit.parent_id}
    if not any(role.role in kinds and role.unit_id in unit_ids for role in roles):
        raise NotAuthorized()


def _scoped(staff: Account) -> sa.Select:
    query = sa.select(Application).where(Application.status != ApplicationStatus.DRAFT)
    unit_ids = units_of(staff)
    if unit_ids is not None:
        query = query.where(Application.unit_id.in_(unit_ids))
    return query


def get_for_staff(staff: Account, application_id: int) -> Application:
    """An application of the person's units.

    :raises ApplicationNotFound: for any other id.
    :raises NotAuthorized: for someone with no staff role.
    """
    application = db.session.scalar(_scoped(staff).where(Application.id == application_id))
    if application is None:
        raise ApplicationNotFound(application_id)
    return application


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


def queue(staff: Account, name: str, filters: QueueFilters, today: date) -> list[Application]:
    """One queue of the person's units, oldest first (due date first where the clock runs).

    :raises NotAuthorized: for someone with no staff role.
    :raises KeyError: for an unknown queue name.
    """
    query = _scoped(staff).where(_queue_condition(name, today))
    if filters.item_code:
        query = query.join(ServiceItem, ServiceItem.id == Application.item_id).where(
            ServiceItem.code == filters.item_code
        )
    if filters.submitted_from:
        query = query.where(Application.submitted_at >= filters.submitted_from)
    if filters.submitted_to:
        query = query.where(Application.submitted_at < filters.submitted_to + timedelta(days=1))
    if filters.channel:
        query = query.where(Application.channel == filters.channel)
    order = (Application.due_on.is_(None), Application.due_on, Application.submitted_at)
    return list(db.session.scalars(query.order_by(*order).limit(200)))


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
    _role_in(staff, application, StaffRoleKind.WINDOW_CLERK)
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
    _role_in(staff, application, StaffRoleKind.WINDOW_CLERK)
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
    _role_in(staff, application, StaffRoleKind.WINDOW_CLERK, StaffRoleKind.REVIEWER)
    if not items or any(not str(item.get("reason", "")).strip() for item in items):
        raise ValueError("items")
    pauses = application.status is ApplicationStatus.ACCEPTED
    moment = now()
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
    listed = "；".join(f"{item['name']}（{item['reason'].strip()}）" for item in items)
    apply_transition(application, "supplement_request", ActorType.CLERK, Channel.WEB, note=listed)
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
    _role_in(staff, application, StaffRoleKind.REVIEWER)
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
    _role_in(staff, application, StaffRoleKind.APPROVER)
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
    """Complete (办结) and deliver the result by the chosen way.

    :raises NotAuthorized: not a window clerk of the unit.
    :raises IllegalTransition: not decided yet.
    :raises ValueError: ``delivery`` for a way the item does not offer.
    """
    _role_in(staff, application, StaffRoleKind.WINDOW_CLERK)
    offered = application.version.result_delivery or ["pickup"]
    if delivery not in offered:
        raise ValueError("delivery")
    apply_transition(application, "complete", ActorType.CLERK, Channel.WEB)
    application.completed_at, application.delivery = now(), delivery
    channel = Channel.COUNTER if delivery == "pickup" else Channel.WEB
    write_record(application, Stage.DELIVER, ActorType.CLERK, channel, result=delivery)
    notify(application, "办结", f"您的申请（{application.number}）已办结，欢迎评价我们的服务。")
    _audit(staff, "complete", application, delivery=delivery)
    db.session.commit()


def record_visit(staff: Account, application: Application, note: str = "") -> None:
    """Record that the applicant came to the counter (the monitoring counts real visits).

    :raises NotAuthorized: not a window clerk of the unit.
    """
    _role_in(staff, application, StaffRoleKind.WINDOW_CLERK)
    write_record(application, Stage.VISIT, ActorType.CLERK, Channel.COUNTER, note=note.strip())
    _audit(staff, "visit", application)
    db.session.commit()


def reply_to_rating(staff: Account, application: Application, reply: str, rectified: bool) -> None:
    """Answer a rating (a complaint when 1–2) and say whether it was put right.

    :raises NotAuthorized: not staff of the unit.
    :raises IllegalTransition: when there is no rating.
    :raises ValueError: ``reply`` when empty.
    """
    _role_in(
        staff,
        application,
        StaffRoleKind.WINDOW_CLERK,
        StaffRoleKind.REVIEWER,
        StaffRoleKind.APPROVER,
        StaffRoleKind.UNIT_ADMIN,
    )
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
        answers=answers,
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
    application.number = _next_number(moment.date())
    application.submitted_at = moment
    apply_transition(application, "submit", ActorType.APPLICANT, Channel.COUNTER)
    write_record(application, Stage.VISIT, ActorType.CLERK, Channel.COUNTER, note="窗口收件")
    _audit(staff, "counter_intake", application)
    db.session.commit()
    return application
