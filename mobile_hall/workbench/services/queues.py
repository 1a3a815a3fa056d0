"""The workbench's queues of the clerk's units, their sizes and filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...applications.constants import NEAR_DUE_WORKING_DAYS, ApplicationStatus, Channel
from ...applications.lifecycle import ClockView, clock_of
from ...applications.models import Application, Rating, ToleranceCommitment
from ...catalog.models import ItemVersion, ServiceItem
from ...clock import CHINA_STANDARD_TIME
from ...extensions import db
from ...identity.constants import StaffRoleKind
from ...identity.models import Account
from ...identity.services import staff_roles_of
from ...workdays import add_working_days
from .scope import applications_within, current_versions, is_office, units_of

QUEUES = ("new", "review", "decide", "supplement", "near_due", "overdue", "complaints", "tolerance")


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
    query = applications_within(unit_ids).where(_queue_condition(name, today))
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
        items=current_versions(unit_ids),
        at_counter=is_office(roles) or any(r.role is StaffRoleKind.WINDOW_CLERK for r in roles),
    )
