"""Submitting a draft (with its number for the day) and withdrawing an application."""

from __future__ import annotations

from datetime import date
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ...catalog.models import ServiceItem
from ...clock import now
from ...database import insert_or_update
from ...extensions import db
from ...identity.models import Account
from ...organisations.models import Unit
from ..constants import ActorType, ApplicationStatus
from ..lifecycle import IllegalTransition, apply_transition, load_for_change, notify
from ..models import Application, DailyCounter
from ..numbering import format_application_number
from .access import version_of
from .drafts import check_can_apply, missing_answers
from .materials import missing_required


def next_application_number(day: date) -> str:
    """The day's next number: one atomic statement that creates or bumps the day's counter.

    The counter row stays locked until the caller commits (so numbers have no gaps: a rolled
    back submission gives its number back), which is why `submit` takes it after every check,
    right before its changes are flushed and committed. Concurrent submissions queue on that
    row (PostgreSQL) or on the write lock (SQLite); none can read the same value.
    """
    # Declared a FromClause (a class may map a select); this class maps its own Table.
    table = cast(sa.Table, DailyCounter.__table__)
    dialect = db.session.get_bind().dialect.name
    statement = insert_or_update(table, dialect).values(day=day, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.day], set_={"value": table.c.value + 1}
    ).returning(table.c.value)
    sequence = db.session.execute(statement).scalar_one()
    return format_application_number(day, sequence)


def submit(account: Account, application: Application, declaration: bool) -> Application:
    """Submit a complete draft; submitting again returns the same application (idempotent).

    :raises LevelTooLow: the person's level is below the item's (checked again here).
    :raises IllegalTransition: from a state other than draft (and not already submitted): a
        discarded draft is refused before it takes a number.
    :raises ValueError: ``declaration``, ``answers`` or ``materials`` when the declaration is not
        accepted, a required question (reached by URL-skipping) or a required material is missing.
    """
    # Two taps racing each other cannot both number it: the second sees the first's number.
    # The locking statement also brings the codes its process record names; the materials
    # checked come in a second one, once the lock is held (see `load_for_change`).
    load_for_change(
        application,
        lazyload(Application.version),
        joinedload(Application.item).load_only(ServiceItem.code),
        joinedload(Application.unit).load_only(Unit.code),
        selectinload(Application.materials),
    )
    if application.status is not ApplicationStatus.DRAFT and application.number:
        return application  # a double tap, a back button, a retried request
    if application.status is not ApplicationStatus.DRAFT:
        # A discarded draft: refused before the day's counter is bumped for it.
        raise IllegalTransition("submit", application.status)
    version = version_of(application)
    check_can_apply(account, version)
    if not declaration:
        raise ValueError("declaration")
    if missing_answers(application):
        raise ValueError("answers")
    if missing_required(application):
        raise ValueError("materials")
    moment = now()
    application.number = next_application_number(moment.date())
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
    load_for_change(application)
    if application.status is ApplicationStatus.DRAFT:
        application.status = ApplicationStatus.WITHDRAWN
        db.session.commit()
        return
    apply_transition(application, "withdraw", ActorType.APPLICANT, application.channel)
    db.session.commit()
