"""The state machine of an application, its process records, clock and notices.

Every transition goes through `apply_transition`, which checks the source state, changes it and
writes the process record in the caller's transaction; callers commit once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.interfaces import ORMOption

from ..clock import now
from ..extensions import db
from ..identity.constants import StaffRoleKind
from ..notifications.sms import send_sms_after_commit
from ..workdays import CalendarNotCovered, due_date_with_pauses, is_estimated, working_days_left
from .constants import ActorType, ApplicationStatus, Channel, Stage
from .models import Application, Message, ProcessRecord

S = ApplicationStatus


@dataclass(frozen=True)
class Transition:
    """An action: the states it may start from, where it leads, its stage and who may take it."""

    sources: frozenset[ApplicationStatus]
    target: ApplicationStatus | None  # None: back to where it was (supplement answered)
    stage: Stage
    roles: tuple[StaffRoleKind, ...]  # empty: the applicant's own action


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({S.DRAFT}), S.SUBMITTED, Stage.SUBMIT, ()),
    "withdraw": Transition(frozenset({S.SUBMITTED}), S.WITHDRAWN, Stage.WITHDRAW, ()),
    "accept": Transition(
        frozenset({S.SUBMITTED}), S.ACCEPTED, Stage.ACCEPT, (StaffRoleKind.WINDOW_CLERK,)
    ),
    "reject_accept": Transition(
        frozenset({S.SUBMITTED}), S.REJECTED, Stage.REJECT_ACCEPT, (StaffRoleKind.WINDOW_CLERK,)
    ),
    "supplement_request": Transition(
        frozenset({S.SUBMITTED, S.ACCEPTED}),
        S.SUPPLEMENT_PENDING,
        Stage.SUPPLEMENT_REQUEST,
        (StaffRoleKind.WINDOW_CLERK, StaffRoleKind.REVIEWER),
    ),
    "supplement_submit": Transition(
        frozenset({S.SUPPLEMENT_PENDING}), None, Stage.SUPPLEMENT_SUBMIT, ()
    ),
    "review": Transition(
        frozenset({S.ACCEPTED}), S.REVIEWED, Stage.REVIEW, (StaffRoleKind.REVIEWER,)
    ),
    "decide": Transition(
        frozenset({S.REVIEWED}), S.DECIDED, Stage.DECIDE, (StaffRoleKind.APPROVER,)
    ),
    "complete": Transition(
        frozenset({S.DECIDED}), S.COMPLETED, Stage.COMPLETE, (StaffRoleKind.WINDOW_CLERK,)
    ),
}


class IllegalTransition(Exception):
    """The action is not allowed from the application's present state."""

    def __init__(self, action: str, status: ApplicationStatus) -> None:
        super().__init__(f"{action} is not allowed from {status}")
        self.action = action
        self.status = status


def load_for_change(application: Application, *options: ORMOption) -> Application:
    """Reread the application under a row lock held until the caller commits; call it first.

    Every state change checks the state and writes in one transaction, and two people acting
    at the same moment must not both pass the check on what they read before: the second waits
    for the first to commit, then sees its outcome (and is refused by the state machine).
    PostgreSQL takes `SELECT ... FOR UPDATE` on the application's own row (not the joined
    item, version and unit); on SQLite the locking read makes the transaction a writer at once
    (`database._tune_sqlite`). `populate_existing` overwrites the object with the locked row
    and resets what was loaded with it (rating, supplements, tolerance, materials), so the
    checks that follow read it as it is now; ``options`` load what the caller is about to read
    (e.g. ``selectinload(Application.materials)``). Rows of other tables that change under
    this lock must come after it, by `selectinload` or a lazy load, never `joinedload`: on
    PostgreSQL a statement that waited for the lock reads them as they were when it began,
    before the transaction it waited for committed (a material just taken back would still
    be there).
    """
    db.session.scalars(
        sa.select(Application)
        .where(Application.id == application.id)
        .with_for_update(of=Application)
        .options(*options)
        .execution_options(populate_existing=True)
    ).unique().one()
    return application


def allowed_actions(application: Application) -> list[str]:
    """The actions whose source states include the application's present one."""
    return [name for name, t in TRANSITIONS.items() if application.status in t.sources]


def write_record(
    application: Application,
    stage: Stage,
    actor_type: ActorType,
    channel: Channel,
    *,
    result: str = "",
    note: str = "",
) -> ProcessRecord:
    """Add the immutable process record of a step (committed with the change it describes)."""
    record = ProcessRecord(
        record_id=str(uuid.uuid4()),
        application=application,
        application_no=application.number or "",
        item_code=application.item.code,
        unit_code=application.unit.code,
        stage=stage,
        result=result,
        channel=channel,
        actor_type=actor_type,
        occurred_at=now(),
        applicant_type=application.applicant_type,
        note=note,
    )
    db.session.add(record)
    return record


def apply_transition(
    application: Application,
    action: str,
    actor_type: ActorType,
    channel: Channel,
    *,
    result: str = "",
    note: str = "",
) -> ProcessRecord:
    """Move the application along `action` and write its record; the caller commits.

    :raises IllegalTransition: if the present state is not a source of `action`.
    """
    transition = TRANSITIONS[action]
    if application.status not in transition.sources:
        raise IllegalTransition(action, application.status)
    if transition.target is None:
        application.status = application.resume_status or S.SUBMITTED
        application.resume_status = None
    else:
        if transition.target is S.SUPPLEMENT_PENDING:
            application.resume_status = application.status
        application.status = transition.target
    application.updated_at = now()
    return write_record(
        application, transition.stage, actor_type, channel, result=result, note=note
    )


def notify(application: Application, title: str, body: str) -> None:
    """Tell the applicant: a message in their message centre, and a text message once the
    caller commits."""
    if application.account_id is not None:
        db.session.add(
            Message(
                account_id=application.account_id,
                application_id=application.id,
                title=title,
                body=body,
                created_at=now(),
            )
        )
    send_sms_after_commit(application.applicant_phone, f"【曲江区网上办事分厅】{title}：{body}")


@dataclass(frozen=True)
class ClockView:
    """The time limit as both sides see it."""

    limit_days: int
    due_on: date | None  # None while a supplement stops the clock
    days_left: int | None
    paused: bool
    estimated: bool  # counts into a year whose holidays are not published yet

    @property
    def overdue(self) -> bool:
        """Whether the promised limit has passed."""
        return self.days_left is not None and self.days_left < 0


def _pauses(application: Application) -> list[tuple[date, date | None]]:
    return [
        (supplement.requested_on, supplement.answered_on)
        for supplement in application.supplements
        if supplement.pauses_clock
    ]


def clock_of(application: Application, today: date) -> ClockView | None:
    """The clock from acceptance, paused by supplements; None before acceptance."""
    if application.accepted_on is None:
        return None
    limit = application.version.promised_time_limit_days
    pauses = _pauses(application)
    try:
        due = due_date_with_pauses(application.accepted_on, limit, pauses)
        left = working_days_left(application.accepted_on, limit, pauses, today)
    except CalendarNotCovered:
        return ClockView(limit, None, None, False, True)
    paused = any(end is None for _, end in pauses)
    return ClockView(limit, due, left, paused, due is not None and is_estimated(due))


def refresh_due_date(application: Application, today: date) -> None:
    """Store the current due date on the row, for the queues' sorting and filters."""
    clock = clock_of(application, today)
    application.due_on = clock.due_on if clock else None
