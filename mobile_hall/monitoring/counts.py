"""What the database counts for the figures: a period's applications grouped by unit (and item),
month by month, and the pages opened. The applications are read from their daily counts
(`DailyCount`, kept by `summary`); `metrics` combines these rows with the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from ..applications.constants import ONLINE_CHANNELS, Channel
from ..extensions import db
from ..pages.constants import PageKind
from ..pages.models import PageOpening
from .models import DailyCount
from .periods import Period


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
    visited: int = 0  # with at least one recorded visit
    revisited: int = 0  # with two or more
    full_online: int = 0
    mobile: int = 0

    def add(self, other: ItemObservation) -> None:
        """Fold another group's counts into this one."""
        self.completed += other.completed
        self.visited += other.visited
        self.revisited += other.revisited
        self.full_online += other.full_online
        self.mobile += other.mobile


@dataclass
class Counts:
    """Everything counted for a period, grouped by unit (and item) id; `months` holds the same
    for each calendar month of the period (the trend), counted by the same queries."""

    submitted: dict[int, tuple[int, int]] = field(default_factory=dict)  # unit: (all, online)
    completed: dict[tuple[int, int], ItemObservation] = field(default_factory=dict)
    # The same observations by unit, then item: a unit's row reads only its own.
    by_unit: dict[int, dict[int, ItemObservation]] = field(default_factory=dict)
    openings: dict[tuple[PageKind, int | None], int] = field(default_factory=dict)
    months: list[tuple[Period, Counts]] = field(default_factory=list)

    def add_submitted(self, unit_id: int, total: int, online: int) -> None:
        """Fold one group of submitted applications in."""
        before = self.submitted.get(unit_id, (0, 0))
        self.submitted[unit_id] = (before[0] + total, before[1] + online)

    def add_completed(self, unit_id: int, item_id: int, group: ItemObservation) -> None:
        """Fold one group of completed applications in."""
        observed = self.completed.get((unit_id, item_id))
        if observed is None:
            observed = self.completed[unit_id, item_id] = ItemObservation()
            self.by_unit.setdefault(unit_id, {})[item_id] = observed
        observed.add(group)


def count_period(period: Period, unit_ids: Iterable[int] | None = None) -> Counts:
    """Count a period's applications (in total and month by month) and the pages opened, by
    unit (optionally some units only): two grouped queries over the daily counts."""
    months = period.months()
    counts = Counts(months=[(month, Counts()) for month in months])
    for index, unit_id, total, online in _submitted(period, unit_ids):
        counts.add_submitted(unit_id, total, online)
        counts.months[index][1].add_submitted(unit_id, total, online)
    for index, unit_id, item_id, group in _completed(period, unit_ids):
        counts.add_completed(unit_id, item_id, group)
        counts.months[index][1].add_completed(unit_id, item_id, group)
    counts.openings = _openings(period)
    return counts


def _daily(
    period: Period,
    unit_ids: Iterable[int] | None,
    *columns: sa.ColumnElement | InstrumentedAttribute,
):
    month = _month_of(DailyCount.day, period.months())
    keys = [month, DailyCount.unit_id, *columns]
    query = sa.select(*keys).where(counted_in(period)).group_by(*keys)
    return query if unit_ids is None else query.where(DailyCount.unit_id.in_(list(unit_ids)))


def counted_in(period: Period) -> sa.ColumnElement[bool]:
    """The rows that count a period once: a whole month's row for each month the period
    covers whole, the days' rows for the rest."""
    months = period.months()
    whole = [month.first for month in months if _is_whole(month)]
    days = [DailyCount.day.between(m.first, m.last) for m in months if not _is_whole(m)]
    return sa.or_(
        sa.and_(DailyCount.whole_month.is_(True), DailyCount.day.in_(whole)),
        sa.and_(DailyCount.whole_month.is_(False), sa.or_(sa.false(), *days)),
    )


def _is_whole(month: Period) -> bool:
    return month.first.day == 1 and (month.last + timedelta(days=1)).day == 1


def _total(column: InstrumentedAttribute[int], condition: sa.ColumnElement[bool] | None = None):
    if condition is None:
        return sa.func.sum(column)
    return sa.func.sum(sa.case((condition, column), else_=0))


def _submitted(period: Period, unit_ids: Iterable[int] | None):
    query = _daily(period, unit_ids).add_columns(
        _total(DailyCount.submitted),
        _total(DailyCount.submitted, DailyCount.channel.in_(ONLINE_CHANNELS)),
    )
    rows = db.session.execute(query.having(_total(DailyCount.submitted) > 0))
    return [(index, unit, int(total), int(online)) for index, unit, total, online in rows]


def _completed(period: Period, unit_ids: Iterable[int] | None):
    query = _daily(period, unit_ids, DailyCount.item_id).add_columns(
        _total(DailyCount.completed),
        _total(DailyCount.completed_visited),
        _total(DailyCount.completed_revisited),
        _total(DailyCount.completed_online),
        _total(DailyCount.completed, DailyCount.channel == Channel.MOBILE),
    )
    rows = db.session.execute(query.having(_total(DailyCount.completed) > 0))
    return [
        (index, unit, item, ItemObservation(*(int(count) for count in counts)))
        for index, unit, item, *counts in rows
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


def _month_of(column: InstrumentedAttribute, months: list[Period]) -> sa.Case:
    """The index of the month a day falls in (a CASE: the same SQL on every database)."""
    return sa.case(*[(column <= month.last, index) for index, month in enumerate(months)])
