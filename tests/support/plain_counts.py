"""The figures' counts straight from the applications and their process records: the plain
definition of metrics.md, the oracle the daily counts (`monitoring.summary`) must equal."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from mobile_hall.applications.constants import ONLINE_CHANNELS, ApplicationStatus, Channel, Stage
from mobile_hall.applications.models import Application, ProcessRecord
from mobile_hall.extensions import db
from mobile_hall.monitoring.counts import Counts, ItemObservation
from mobile_hall.monitoring.periods import Period
from mobile_hall.monitoring.summary import ONLINE_DELIVERIES


def plain_counts(period: Period, unit_ids: Iterable[int] | None = None) -> Counts:
    """A period's submitted and completed applications by unit (and item), month by month."""
    months = period.months()
    counts = Counts(months=[(month, Counts()) for month in months])
    for index, unit_id, total, online in _submitted(period, months, unit_ids):
        counts.add_submitted(unit_id, total, online)
        counts.months[index][1].add_submitted(unit_id, total, online)
    for index, unit_id, item_id, group in _completed(period, months, unit_ids):
        counts.add_completed(unit_id, item_id, group)
        counts.months[index][1].add_completed(unit_id, item_id, group)
    return counts


def _in(column, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.starts_at, column < period.ends_before)


def _month_of(column, months: list[Period]) -> sa.Case:
    return sa.case(*[(column < month.ends_before, index) for index, month in enumerate(months)])


def _scoped(query: sa.Select, column, unit_ids: Iterable[int] | None) -> sa.Select:
    return query if unit_ids is None else query.where(column.in_(list(unit_ids)))


def _times(condition) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _submitted(period: Period, months: list[Period], unit_ids):
    month = _month_of(Application.submitted_at, months)
    query = (
        sa.select(
            month,
            Application.unit_id,
            sa.func.count(),
            _times(Application.channel.in_(ONLINE_CHANNELS)),
        )
        .where(_in(Application.submitted_at, period))
        .group_by(month, Application.unit_id)
    )
    rows = db.session.execute(_scoped(query, Application.unit_id, unit_ids))
    return [(index, unit, total, int(online)) for index, unit, total, online in rows]


def _completed(period: Period, months: list[Period], unit_ids):
    visits = (
        sa.select(sa.func.count())
        .where(ProcessRecord.application_id == Application.id, ProcessRecord.stage == Stage.VISIT)
        .correlate(Application)
        .scalar_subquery()
    )
    done = _scoped(
        sa.select(
            Application.unit_id,
            Application.item_id,
            Application.channel,
            Application.delivery,
            Application.completed_at,
            visits.label("visits"),
        ).where(
            Application.status == ApplicationStatus.COMPLETED,
            _in(Application.completed_at, period),
        ),
        Application.unit_id,
        unit_ids,
    ).subquery()
    online = sa.and_(
        done.c.channel.in_(ONLINE_CHANNELS),
        done.c.delivery.in_(ONLINE_DELIVERIES),
        done.c.visits == 0,
    )
    month = _month_of(done.c.completed_at, months)
    query = sa.select(
        month,
        done.c.unit_id,
        done.c.item_id,
        sa.func.count(),
        _times(done.c.visits >= 1),
        _times(done.c.visits >= 2),
        _times(online),
        _times(done.c.channel == Channel.MOBILE),
    ).group_by(month, done.c.unit_id, done.c.item_id)
    return [
        (index, unit, item, ItemObservation(*(int(count) for count in counts)))
        for index, unit, item, *counts in db.session.execute(query)
    ]
