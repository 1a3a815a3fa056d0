"""The clerks' actions on an application (accept, refuse, ask for supplements, review, decide,
complete, record a visit, answer a rating), each checking the clerk's role in its unit, and
the casefile that offers them.

A unit's own approval system takes the same steps through the API (`api.departments`): every
action takes an `Actor`, a clerk's account standing for the clerk at the workbench, so both
sides pass the same checks, state machine, records and notices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ...applications.answers import AnswerRow, display_rows
from ...applications.constants import ActorType, ApplicationStatus, Channel, Decision, Stage
from ...applications.lifecycle import (
    TRANSITIONS,
    ClockView,
    IllegalTransition,
    allowed_actions,
    apply_transition,
    clock_of,
    load_for_change,
    notify,
    refresh_due_date,
    write_record,
)
from ...applications.models import (
    Application,
    SupplementRequest,
    ToleranceCommitment,
)
from ...applications.services import MaterialFile, open_file
from ...audit.services import record_event
from ...clock import now
from ...common.errors import NotAuthorized
from ...extensions import db
from ...identity.constants import StaffRoleKind
from ...identity.models import Account
from ...identity.services import staff_roles_of
from ...licenses.services import issue_for_application, license_summary
from ...workdays import add_working_days
from .scope import HANDLING_ROLES, get_for_staff, holds_role

# Who may take each workbench action: the state machine's transitions, plus the two steps that
# change no state (a visit at the counter, a reply to a rating).
ACTION_ROLES: dict[str, tuple[StaffRoleKind, ...]] = {
    **{name: t.roles for name, t in TRANSITIONS.items() if t.roles},
    "visit": (StaffRoleKind.WINDOW_CLERK,),
    "reply": HANDLING_ROLES,
}


@dataclass(frozen=True)
class Actor:
    """Who takes a step: a clerk at the workbench, or a unit's own system through the API.

    ``reference`` names them in the audit trail, ``channel`` in the process records, and
    ``may(application, roles)`` says whether they may take a step needing one of ``roles``.
    """

    reference: str
    channel: Channel
    may: Callable[[Application, tuple[StaffRoleKind, ...]], bool]


def clerk(staff: Account) -> Actor:
    """A member of staff at the workbench: their roles in the application's unit decide."""
    return Actor(
        f"account:{staff.id}",
        Channel.WEB,
        lambda application, kinds: holds_role(staff_roles_of(staff), application, kinds),
    )


def _actor(by: Account | Actor) -> Actor:
    return by if isinstance(by, Actor) else clerk(by)


def _check(actor: Actor, application: Application, action: str) -> None:
    """Lock the application for the change, then refuse an actor the action is not for.

    :raises NotAuthorized: the actor may not take ``action`` on this application.
    """
    load_for_change(application)
    if not actor.may(application, ACTION_ROLES[action]):
        raise NotAuthorized()


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
        name for name, kinds in ACTION_ROLES.items() if holds_role(roles, application, kinds)
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


def open_material(staff: Account, application_id: int, material_id: int) -> MaterialFile:
    """The stored file of a material of an application of the person's units, under the name
    the hall builds for it; the caller closes its stream.

    :raises ApplicationNotFound: for another unit's application, a material of another
        application, a material without a file, or a file missing from the store.
    :raises NotAuthorized: for someone with no staff role.
    """
    return open_file(get_for_staff(staff, application_id), material_id)


def audit(by: Account | Actor, action: str, application: Application, **details: Any) -> None:
    """Write the audit record of an action on an application (the caller commits)."""
    record_event(
        _actor(by).reference,
        f"workbench.{action}",
        target=f"application:{application.id}",
        **details,
    )


def _material_name(application: Application, position: int) -> str:
    return application.version.materials[position].name


def accept(
    by: Account | Actor,
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
    actor = _actor(by)
    _check(actor, application, "accept")
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
        application, "accept", ActorType.CLERK, actor.channel, note="容缺受理" if missing else ""
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
    audit(actor, "accept", application, tolerant=bool(missing))
    db.session.commit()


def reject(
    by: Account | Actor, application: Application, reason: str, points: dict[str, list[int]]
) -> None:
    """Refuse to accept (不予受理), naming the reasons against the guide.

    :raises NotAuthorized, IllegalTransition: as for `accept`.
    :raises ValueError: ``reason`` when no reason is given.
    """
    actor = _actor(by)
    _check(actor, application, "reject_accept")
    if not reason.strip():
        raise ValueError("reason")
    apply_transition(
        application, "reject_accept", ActorType.CLERK, actor.channel, note=reason.strip()
    )
    application.reason, application.reason_points = reason.strip(), points
    notify(
        application, "申请不予受理", f"您的申请（{application.number}）不予受理：{reason.strip()}"
    )
    audit(actor, "reject_accept", application)
    db.session.commit()


def request_supplement(
    by: Account | Actor, application: Application, items: list[dict[str, Any]], note: str = ""
) -> SupplementRequest:
    """Ask once and completely for what is missing (一次性告知); pauses the clock once accepted.

    :raises NotAuthorized: not a window clerk or reviewer of the unit.
    :raises IllegalTransition: not awaiting acceptance or review.
    :raises ValueError: ``items`` when nothing is named or a named item has no reason.
    """
    actor = _actor(by)
    _check(actor, application, "supplement_request")
    if not items or any(not str(item.get("reason", "")).strip() for item in items):
        raise ValueError("items")
    pauses = application.status is ApplicationStatus.ACCEPTED
    moment = now()
    listed = "；".join(f"{item['name']}（{item['reason'].strip()}）" for item in items)
    # The transition first: refused, it must leave nothing behind in the session.
    apply_transition(application, "supplement_request", ActorType.CLERK, actor.channel, note=listed)
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
    audit(actor, "supplement_request", application, items=len(items))
    db.session.commit()
    return request


def review(by: Account | Actor, application: Application, opinion: str) -> None:
    """Record the review opinion (审查意见).

    :raises NotAuthorized: not a reviewer of the unit.
    :raises IllegalTransition: not awaiting review.
    :raises ValueError: ``opinion`` when empty.
    """
    actor = _actor(by)
    _check(actor, application, "review")
    if not opinion.strip():
        raise ValueError("opinion")
    apply_transition(application, "review", ActorType.CLERK, actor.channel, note=opinion.strip())
    application.review_opinion = opinion.strip()
    audit(actor, "review", application)
    db.session.commit()


def decide(
    by: Account | Actor,
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
    actor = _actor(by)
    _check(actor, application, "decide")
    if decision is Decision.DENIED and not reason.strip():
        raise ValueError("reason")
    apply_transition(
        application,
        "decide",
        ActorType.CLERK,
        actor.channel,
        result=decision.value,
        note=reason.strip(),
    )
    application.decision, application.decided_at = decision, now()
    if decision is Decision.DENIED:
        application.reason, application.reason_points = reason.strip(), points or {}
    text = "已批准" if decision is Decision.APPROVED else f"不予批准：{reason.strip()}"
    notify(application, "审批决定", f"您的申请（{application.number}）{text}")
    audit(actor, "decide", application, decision=decision.value)
    db.session.commit()


def complete(by: Account | Actor, application: Application, delivery: str) -> None:
    """Complete (办结) and deliver the result by the chosen way; an approved application whose
    result is a license issues it in the same transaction.

    :raises NotAuthorized: not a window clerk of the unit.
    :raises IllegalTransition: not decided yet.
    :raises ValueError: ``delivery`` for a way the item does not offer; `LicenseRefused`
        (``license_holder``, ...) when the license cannot be issued, and nothing is completed.
    """
    actor = _actor(by)
    _check(actor, application, "complete")
    offered = application.version.result_delivery or ["pickup"]
    if delivery not in offered:
        raise ValueError("delivery")
    apply_transition(application, "complete", ActorType.CLERK, actor.channel)
    application.completed_at, application.delivery = now(), delivery
    channel = actor.channel
    if channel is Channel.WEB and delivery == "pickup":
        channel = Channel.COUNTER  # handed over at the window
    write_record(application, Stage.DELIVER, ActorType.CLERK, channel, result=delivery)
    if application.decision is Decision.APPROVED and application.version.result_type == "license":
        try:
            issue_for_application(application, actor=actor.reference)
        except BaseException:
            db.session.rollback()  # no license, no completion: nothing half-done stays
            raise
    notify(application, "办结", f"您的申请（{application.number}）已办结，欢迎评价我们的服务。")
    audit(actor, "complete", application, delivery=delivery)
    db.session.commit()


def record_visit(by: Account | Actor, application: Application, note: str = "") -> None:
    """Record that the applicant came to the counter (the monitoring counts real visits).

    :raises NotAuthorized: not a window clerk of the unit.
    """
    actor = _actor(by)
    _check(actor, application, "visit")
    write_record(application, Stage.VISIT, ActorType.CLERK, Channel.COUNTER, note=note.strip())
    audit(actor, "visit", application)
    db.session.commit()


def reply_to_rating(
    by: Account | Actor, application: Application, reply: str, rectified: bool
) -> None:
    """Answer a rating (a complaint when 1–2) and say whether it was put right.

    :raises NotAuthorized: not staff of the unit.
    :raises IllegalTransition: when there is no rating.
    :raises ValueError: ``reply`` when empty.
    """
    actor = _actor(by)
    _check(actor, application, "reply")
    if application.rating is None:
        raise IllegalTransition("reply", application.status)
    if not reply.strip():
        raise ValueError("reply")
    application.rating.reply, application.rating.rectified = reply.strip(), rectified
    application.rating.replied_at = now()
    notify(application, "评价回复", f"您对申请（{application.number}）的评价已有回复。")
    audit(actor, "reply_rating", application, rectified=rectified)
    db.session.commit()
