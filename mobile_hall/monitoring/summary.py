"""The daily counts behind the figures (`DailyCount`): kept up to date in the transaction of
each process record, and recounted from the applications after a bulk load.

A process record moves its application's counts:

- its `submit` record counts it submitted, on the day it was submitted;
- its `deliver` record (the last step of completion: the result's way is known) counts it
  completed, on the day it was completed, with the visits recorded before it;
- a `visit` recorded after that moves it between the visit columns (and out of "ran online").

Each record's effect depends only on the records before it (smaller ids), so the counts come out
the same whatever order a flush inserts a transaction's records in. The counts are added with
one `INSERT … ON CONFLICT DO UPDATE` (the same SQL on PostgreSQL and SQLite), which two writers
on the same day, unit, item and channel can run at once without losing either's count.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from ..applications.constants import ONLINE_CHANNELS, ApplicationStatus, Channel, Stage
from ..applications.models import Application, ProcessRecord
from ..catalog.constants import Delivery
from ..clock import as_local
from ..database import insert_or_update, local_date
from .models import DailyCount

ONLINE_DELIVERIES = (Delivery.ELECTRONIC.value, Delivery.POST.value)
COUNTERS = (
    "submitted",
    "completed",
    "completed_online",
    "completed_visited",
    "completed_revisited",
)
# (day, unit id, item id, channel): the key of a day's `DailyCount` row
Key = tuple[date, int, int, str]
KEY_COLUMNS = ("day", "whole_month", "unit_id", "item_id", "channel")
Changes = dict[Key, Counter[str]]


def ran_online(channel: str, delivery: str | None, visits: int) -> bool:
    """Submitted online, no visit recorded, result delivered online or by post."""
    return channel in ONLINE_CHANNELS and delivery in ONLINE_DELIVERIES and visits == 0


def completion(channel: str, delivery: str | None, visits: int) -> Counter[str]:
    """What one completed application adds to its day's counts."""
    return Counter(
        completed=1,
        completed_online=int(ran_online(channel, delivery, visits)),
        completed_visited=int(visits >= 1),
        completed_revisited=int(visits >= 2),
    )


def key_of(moment: datetime, unit_id: int, item_id: int, channel: str) -> Key:
    """The row an application counts in on the local day of `moment`."""
    return (as_local(moment).date(), unit_id, item_id, Channel(channel).value)


def add_counts(connection: sa.Connection, changes: Changes) -> None:
    """Add `changes` to the days' counts and to their months', creating the rows missing (in
    key order, so that two transactions never wait on each other's rows crosswise)."""
    spans: dict[tuple, Counter[str]] = {}
    for (day, *rest), counts in changes.items():
        for whole_month, first in ((False, day), (True, day.replace(day=1))):
            spans.setdefault((first, whole_month, *rest), Counter()).update(counts)
    rows = [
        dict(zip(KEY_COLUMNS, key, strict=True)) | {name: spans[key][name] for name in COUNTERS}
        for key in sorted(spans)
        if any(spans[key].values())
    ]
    if not rows:
        return
    insert = insert_or_update(DailyCount, connection.dialect.name)
    statement = insert.on_conflict_do_update(
        index_elements=list(KEY_COLUMNS),
        set_={name: getattr(DailyCount, name) + insert.excluded[name] for name in COUNTERS},
    )
    connection.execute(statement, rows)


COUNTED_STAGES = (Stage.SUBMIT, Stage.DELIVER, Stage.VISIT)


@sa.event.listens_for(ProcessRecord, "after_insert")
def _count_record(_mapper, connection: sa.Connection, record: ProcessRecord) -> None:
    """Every process record the ORM writes moves the counts in its own transaction."""
    if record.stage in COUNTED_STAGES:
        add_counts(connection, changes_of(connection, record))


def _recorded_before(record: ProcessRecord, stage: Stage) -> sa.ScalarSelect[int]:
    records = ProcessRecord.__table__
    return (
        sa.select(sa.func.count())
        .where(
            records.c.application_id == record.application_id,
            records.c.stage == stage,
            records.c.id < record.id,
        )
        .scalar_subquery()
    )


def changes_of(connection: sa.Connection, record: ProcessRecord) -> Changes:
    """What one process record changes in the counts (read from the database as written)."""
    applications = Application.__table__
    found = connection.execute(
        sa.select(
            applications.c.unit_id,
            applications.c.item_id,
            applications.c.channel,
            applications.c.status,
            applications.c.submitted_at,
            applications.c.completed_at,
            applications.c.delivery,
            _recorded_before(record, Stage.VISIT).label("visits"),
            _recorded_before(record, Stage.DELIVER).label("delivered"),
        ).where(applications.c.id == record.application_id)
    ).one()
    stage = Stage(record.stage)
    if stage is Stage.SUBMIT:
        if found.submitted_at is None:
            return {}
        key = key_of(found.submitted_at, found.unit_id, found.item_id, found.channel)
        return {key: Counter(submitted=1)}
    if found.status != ApplicationStatus.COMPLETED or found.completed_at is None:
        return {}
    key = key_of(found.completed_at, found.unit_id, found.item_id, found.channel)
    if stage is Stage.DELIVER and not found.delivered:
        return {key: completion(found.channel, found.delivery, found.visits)}
    if stage is Stage.VISIT and found.delivered:
        after = completion(found.channel, found.delivery, found.visits + 1)
        after.subtract(completion(found.channel, found.delivery, found.visits))
        return {key: after}
    return {}


def _first_of_month(
    connection: sa.Connection, column: sa.ColumnElement | InstrumentedAttribute
) -> sa.ColumnElement:
    if connection.dialect.name == "postgresql":
        return sa.cast(sa.func.date_trunc("month", column), sa.Date)
    return sa.func.date(column, "start of month")


def rebuild(connection: sa.Connection) -> int:
    """Recount every day from the applications and their recorded visits (the migration's
    backfill, `flask monitoring rebuild`, and after rows written in bulk); rows written."""
    applications, records = Application.__table__, ProcessRecord.__table__
    visits = (
        sa.select(records.c.application_id, sa.func.count().label("visits"))
        .where(records.c.stage == Stage.VISIT)
        .group_by(records.c.application_id)
        .subquery()
    )
    seen = sa.func.coalesce(visits.c.visits, 0)
    online = sa.and_(
        applications.c.channel.in_(ONLINE_CHANNELS),
        applications.c.delivery.in_(ONLINE_DELIVERIES),
        seen == 0,
    )

    def grouped(moment: sa.ColumnElement, counts: dict[str, sa.ColumnElement]) -> sa.Select:
        day = local_date(moment, connection.dialect.name)
        keys = (applications.c.unit_id, applications.c.item_id, applications.c.channel)
        columns = [counts.get(name, sa.literal(0)).label(name) for name in COUNTERS]
        return sa.select(day.label("day"), *keys, *columns).group_by(day, *keys)

    def times(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    submitted = grouped(applications.c.submitted_at, {"submitted": sa.func.count()}).where(
        applications.c.submitted_at.is_not(None)
    )
    completed = (
        grouped(
            applications.c.completed_at,
            {
                "completed": sa.func.count(),
                "completed_online": times(online),
                "completed_visited": times(seen >= 1),
                "completed_revisited": times(seen >= 2),
            },
        )
        .select_from(applications.outerjoin(visits, visits.c.application_id == applications.c.id))
        .where(
            applications.c.status == ApplicationStatus.COMPLETED,
            applications.c.completed_at.is_not(None),
        )
    )
    both = sa.union_all(submitted, completed).subquery()
    keys = [both.c.day, sa.false(), both.c.unit_id, both.c.item_id, both.c.channel]
    summed = sa.select(*keys, *[sa.func.sum(both.c[name]) for name in COUNTERS]).group_by(
        both.c.day, both.c.unit_id, both.c.item_id, both.c.channel
    )
    connection.execute(sa.delete(DailyCount))
    connection.execute(sa.insert(DailyCount).from_select([*KEY_COLUMNS, *COUNTERS], summed))
    # Each month's rows: the sums of its days'.
    month = _first_of_month(connection, DailyCount.day)
    days = (DailyCount.unit_id, DailyCount.item_id, DailyCount.channel)
    months = (
        sa.select(month, sa.true(), *days, *[sa.func.sum(getattr(DailyCount, n)) for n in COUNTERS])
        .where(DailyCount.whole_month.is_(False))
        .group_by(month, *days)
    )
    connection.execute(sa.insert(DailyCount).from_select([*KEY_COLUMNS, *COUNTERS], months))
    return connection.execute(sa.select(sa.func.count()).select_from(DailyCount)).scalar_one()
