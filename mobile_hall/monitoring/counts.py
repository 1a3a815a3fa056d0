"""What the database counts for the figures: a period's applications grouped by unit (and item),
month by month, and the pages opened. Only these queries read applications; `metrics` combines
their rows with the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from ..applications.constants import ONLINE_CHANNELS, ApplicationStatus, Channel, Stage
from ..applications.models import Application, ProcessRecord
from ..catalog.constants import Delivery
from ..extensions import db
from ..pages.constants import PageKind
from ..pages.models import PageOpening
from .periods import Period

ONLINE_DELIVERIES = (Delivery.ELECTRONIC.value, Delivery.POST.value)


@dataclass(frozen=True)
class Ratio:
    """A counted rate; no value (shown "—") when nothing was counted."""

    numerator: int = 0
    denominator: int = 0

    @property
    def value(self) -> float | None:
        """The rate between 0 and 1, or None for a zero denominator."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        """The rate in percent, one decimal, or None."""
        value = self.value
        return None if value is None else round(value * 100, 1)


@dataclass
class ItemObservation:
    """Completed applications of an item in a period, as clerks recorded them."""

    completed: int = 0
    max_visits: int = 0
    full_online: int = 0
    mobile: int = 0

    def add(self, other: ItemObservation) -> None:
        """Fold another group's counts into this one."""
        self.completed += other.completed
        self.max_visits = max(self.max_visits, other.max_visits)
        self.full_online += other.full_online
        self.mobile += other.mobile


@dataclass
class Counts:
    """Everything counted for a period, grouped by unit (and item) id; `months` holds the same
    for each calendar month of the period (the trend), counted by the same queries."""

    submitted: dict[int, tuple[int, int]] = field(default_factory=dict)  # unit: (all, online)
    completed: dict[tuple[int, int], ItemObservation] = field(default_factory=dict)
    openings: dict[tuple[PageKind, int | None], int] = field(default_factory=dict)
    months: list[tuple[Period, Counts]] = field(default_factory=list)

    def add_submitted(self, unit_id: int, total: int, online: int) -> None:
        """Fold one group of submitted applications in."""
        before = self.submitted.get(unit_id, (0, 0))
        self.submitted[unit_id] = (before[0] + total, before[1] + online)

    def add_completed(self, unit_id: int, item_id: int, group: ItemObservation) -> None:
        """Fold one group of completed applications in."""
        self.completed.setdefault((unit_id, item_id), ItemObservation()).add(group)


def _in_period(
    column: sa.ColumnElement | InstrumentedAttribute, period: Period
) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.starts_at, column < period.ends_before)


def _completed_in(period: Period, unit_ids: Iterable[int] | None) -> sa.Subquery:
    """One row per application completed in the period, with its recorded on-site visits."""
    visits = (
        sa.select(sa.func.count())
        .where(ProcessRecord.application_id == Application.id, ProcessRecord.stage == Stage.VISIT)
        .correlate(Application)
        .scalar_subquery()
    )
    query = sa.select(
        Application.unit_id,
        Application.item_id,
        Application.channel,
        Application.delivery,
        Application.completed_at,
        visits.label("visits"),
    ).where(
        Application.status == ApplicationStatus.COMPLETED,
        _in_period(Application.completed_at, period),
    )
    if unit_ids is not None:
        query = query.where(Application.unit_id.in_(list(unit_ids)))
    return query.subquery()


def _ran_online(done: sa.Subquery) -> sa.ColumnElement[bool]:
    """Submitted online, no visit recorded, result delivered online or by post."""
    return sa.and_(
        done.c.channel.in_(ONLINE_CHANNELS),
        done.c.delivery.in_(ONLINE_DELIVERIES),
        done.c.visits == 0,
    )


def _online_count(done: sa.Subquery) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((_ran_online(done), 1), else_=0))


def count_period(period: Period, unit_ids: Iterable[int] | None = None) -> Counts:
    """Count a period's applications (in total and month by month) and the pages opened, by
    unit (optionally some units only): two grouped queries over the applications."""
    months = period.months()
    counts = Counts(months=[(month, Counts()) for month in months])
    for index, unit_id, total, online in _submitted(period, months, unit_ids):
        counts.add_submitted(unit_id, total, online)
        counts.months[index][1].add_submitted(unit_id, total, online)
    for index, unit_id, item_id, group in _completed(period, months, unit_ids):
        counts.add_completed(unit_id, item_id, group)
        counts.months[index][1].add_completed(unit_id, item_id, group)
    counts.openings = _openings(period)
    return counts


def _scoped(
    query: sa.Select,
    column: sa.ColumnElement | InstrumentedAttribute,
    unit_ids: Iterable[int] | None,
):
    return query if unit_ids is None else query.where(column.in_(list(unit_ids)))


def _submitted(period: Period, months: list[Period], unit_ids: Iterable[int] | None):
    month = _month_of(Application.submitted_at, months)
    online = sa.func.sum(sa.case((Application.channel.in_(ONLINE_CHANNELS), 1), else_=0))
    query = (
        sa.select(month, Application.unit_id, sa.func.count(), online)
        .where(_in_period(Application.submitted_at, period))
        .group_by(month, Application.unit_id)
    )
    query = _scoped(query, Application.unit_id, unit_ids)
    return [
        (index, unit, total, int(on or 0)) for index, unit, total, on in db.session.execute(query)
    ]


def _completed(period: Period, months: list[Period], unit_ids: Iterable[int] | None):
    done = _completed_in(period, unit_ids)
    month = _month_of(done.c.completed_at, months)
    query = sa.select(
        month,
        done.c.unit_id,
        done.c.item_id,
        sa.func.count(),
        sa.func.max(done.c.visits),
        _online_count(done),
        sa.func.sum(sa.case((done.c.channel == Channel.MOBILE, 1), else_=0)),
    ).group_by(month, done.c.unit_id, done.c.item_id)
    return [
        (index, unit, item, ItemObservation(total, int(most or 0), int(on or 0), int(mobile or 0)))
        for index, unit, item, total, most, on, mobile in db.session.execute(query)
    ]


def _openings(period: Period) -> dict[tuple[PageKind, int | None], int]:
    query = (
        sa.select(PageOpening.kind, PageOpening.town_id, sa.func.count())
        .where(
            PageOpening.opened_at < period.ends_before,
            sa.or_(PageOpening.closed_at.is_(None), PageOpening.closed_at >= period.ends_before),
        )
        .group_by(PageOpening.kind, PageOpening.town_id)
    )
    return {(kind, town): total for kind, town, total in db.session.execute(query)}


def _month_of(column: sa.ColumnElement | InstrumentedAttribute, months: list[Period]) -> sa.Case:
    """The index of the month a moment falls in (a CASE: the same SQL on every database)."""
    return sa.case(*[(column < month.ends_before, index) for index, month in enumerate(months)])
