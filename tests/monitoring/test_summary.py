"""The daily counts the figures read equal the plain definition over random histories.

Histories are written through the applications' own transitions and records (`lifecycle`), in
seeded random order: counter and online channels, moments a second either side of midnight
and of a month's end, rejections, withdrawals, visits before and after completion, several
applications in one flush. The oracle counts the applications and their records directly
(`tests/support/plain_counts.py`), over years no other test writes in.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from mobile_hall.applications.constants import ActorType, ApplicationStatus, Channel, Stage
from mobile_hall.applications.lifecycle import apply_transition, write_record
from mobile_hall.applications.models import Application
from mobile_hall.clock import CHINA_STANDARD_TIME
from mobile_hall.extensions import db
from mobile_hall.identity.constants import UserType
from mobile_hall.monitoring.history import generate
from mobile_hall.monitoring.metrics import count_period
from mobile_hall.monitoring.models import DailyCount
from mobile_hall.monitoring.periods import Period, quarter
from mobile_hall.monitoring.summary import COUNTERS, rebuild
from mobile_hall.organisations.constants import UnitLevel
from mobile_hall.organisations.models import Unit
from tests.support import monitoring as build
from tests.support.applications import current_versions
from tests.support.plain_counts import plain_counts

FIRST, LAST = date(2031, 3, 25), date(2031, 7, 5)
PERIODS = [
    quarter("2031Q2"),
    Period(date(2031, 3, 31), date(2031, 4, 1)),
    Period(date(2031, 6, 15), date(2031, 7, 3)),
    Period(date(2031, 5, 31), date(2031, 5, 31)),
]
# A second either side of midnight and of noon.
TIMES = [time(0, 0, 0), time(0, 0, 1), time(11, 59, 59), time(12, 0), time(23, 59, 59)]
STEPS = ("accept", "review", "decide", "complete")


def _moment(rng: random.Random, first: date, last: date) -> datetime:
    day = first + timedelta(days=rng.randint(0, (last - first).days))
    return datetime.combine(day, rng.choice(TIMES), CHINA_STANDARD_TIME)


def _submit(rng: random.Random, service_item, at, number: str) -> Application:
    channel = rng.choice([Channel.MOBILE, Channel.WEB, Channel.COUNTER])
    moment = _moment(rng, FIRST, LAST)
    application = Application(
        number=number,
        item=service_item,
        version=service_item.current_version,
        unit=at,
        applicant_type=UserType.PERSON,
        applicant_name="测试",
        applicant_id_masked="4402**********1231",
        applicant_id_hash=number,
        channel=channel,
        status=ApplicationStatus.DRAFT,
        created_at=moment,
        updated_at=moment,
        submitted_at=moment,
    )
    db.session.add(application)
    apply_transition(application, "submit", ActorType.APPLICANT, channel)
    if channel is Channel.COUNTER:
        write_record(application, Stage.VISIT, ActorType.CLERK, Channel.COUNTER)
    return application


def _finish(rng: random.Random, application: Application) -> None:
    draw = rng.random()
    if draw < 0.15:
        return  # still waiting
    if draw < 0.25:
        apply_transition(application, "reject_accept", ActorType.CLERK, Channel.WEB)
        return
    if draw < 0.3:
        apply_transition(application, "withdraw", ActorType.APPLICANT, application.channel)
        return
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        write_record(application, Stage.VISIT, ActorType.CLERK, Channel.COUNTER)
    for step in STEPS:
        apply_transition(application, step, ActorType.CLERK, Channel.WEB)
    started = application.submitted_at or datetime.combine(FIRST, time(), CHINA_STANDARD_TIME)
    application.completed_at = max(_moment(rng, FIRST, LAST), started)
    application.delivery = rng.choice(["electronic", "post", "pickup"])
    write_record(application, Stage.DELIVER, ActorType.CLERK, Channel.WEB)


def _random_history(seed: int) -> list:
    rng = random.Random(seed)  # noqa: S311 - the same history on every run
    department = build.unit(f"R{seed}-DEPT", UnitLevel.DEPARTMENT)
    town = build.unit(f"R{seed}-TOWN", UnitLevel.TOWN, population=100, enterprise_count=10)
    village = build.unit(f"R{seed}-TOWN-01", UnitLevel.VILLAGE, parent=town)
    units = [department, town, village]
    items = [build.item(f"R{seed}-I{n}", units, visits=n % 3) for n in range(3)]
    made = []
    for batch in range(8):
        # Several applications in one flush: their records go in one batch of inserts.
        for serial in range(6):
            application = _submit(
                rng, rng.choice(items), rng.choice(units), f"R{seed}{batch:03d}{serial:03d}"
            )
            _finish(rng, application)
            made.append(application)
        db.session.commit()
    # Visits recorded after completion, each in its own transaction.
    done = [a for a in made if a.status is ApplicationStatus.COMPLETED]
    for application in rng.sample(done, min(len(done), 8)):
        write_record(application, Stage.VISIT, ActorType.CLERK, Channel.COUNTER)
        db.session.commit()
    return [department.id, town.id, village.id]


def _same(period: Period, unit_ids=None) -> None:
    counted, plain = count_period(period, unit_ids), plain_counts(period, unit_ids)
    assert counted.submitted == plain.submitted
    assert counted.completed == plain.completed
    assert [(m, c.submitted, c.completed) for m, c in counted.months] == [
        (m, c.submitted, c.completed) for m, c in plain.months
    ]


def _daily_rows(first: date, last: date) -> dict:
    rows = db.session.execute(
        sa.select(DailyCount).where(DailyCount.day.between(first, last))
    ).scalars()
    return {
        (row.day, row.whole_month, row.unit_id, row.item_id, row.channel): tuple(
            getattr(row, c) for c in COUNTERS
        )
        for row in rows
        if any(getattr(row, c) for c in COUNTERS)
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_daily_counts_equal_the_plain_counts_over_a_random_history(app_context, seed):
    unit_ids = _random_history(seed)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DailyCount))
    for period in PERIODS:
        _same(period)
        _same(period, unit_ids[1:])  # the town with its village


def test_a_rebuild_gives_the_rows_the_records_kept(app_context):
    _random_history(4)
    kept = _daily_rows(FIRST, LAST)
    rebuild(db.session.connection())
    assert _daily_rows(FIRST, LAST) == kept != {}


def test_the_generated_history_keeps_the_daily_counts_as_the_records_would(app_context):
    units = [build.unit("G-DEPT", UnitLevel.DEPARTMENT), build.unit("G-TOWN", UnitLevel.TOWN)]
    for n in range(3):
        build.item(f"G-I{n}", units, visits=n, stages=["apply", "accept", "deliver"])
    generate(300, seed=5, until=date(2033, 7, 1), prefix="G", days=200)
    for period in [
        quarter("2032Q4"),
        quarter("2033Q1"),
        Period(date(2033, 2, 27), date(2033, 3, 2)),
    ]:
        _same(period)
    kept = _daily_rows(date(2032, 1, 1), date(2033, 12, 31))
    rebuild(db.session.connection())
    assert _daily_rows(date(2032, 1, 1), date(2033, 12, 31)) == kept != {}


def test_two_completions_of_one_day_item_and_channel_at_once_both_count(app, committed):
    """Two transactions released together add to the same daily row, which neither finds: the
    upsert creates it once and keeps both counts; neither fails."""
    with app.app_context():
        version = next(version for version in current_versions() if version.units)
        service_item, unit_id = version.item, version.units[0].id
        at = db.session.get(Unit, unit_id)
        ids = [build.application(service_item, at, Channel.WEB, "2097-05-02").id for _ in range(2)]
        item_id = service_item.id
        db.session.commit()
        db.session.remove()
    ready = threading.Barrier(len(ids), timeout=30)

    def complete(application_id: int) -> None:
        with app.app_context():
            application = db.session.get(Application, application_id)
            application.status = ApplicationStatus.COMPLETED
            application.completed_at = build.moment("2097-05-03")
            application.delivery = "electronic"
            ready.wait()
            write_record(application, Stage.DELIVER, ActorType.CLERK, Channel.WEB)
            db.session.commit()
            db.session.remove()

    with ThreadPoolExecutor(len(ids)) as pool:
        list(pool.map(complete, ids))
    with app.app_context():
        day = date(2097, 5, 3)
        month = day.replace(day=1)
        assert _daily_rows(month, day) == {
            (month, True, unit_id, item_id, Channel.WEB): (2, 2, 2, 0, 0),
            (day, False, unit_id, item_id, Channel.WEB): (0, 2, 2, 0, 0),
            (date(2097, 5, 2), False, unit_id, item_id, Channel.WEB): (2, 0, 0, 0, 0),
        }
        _same(Period(date(2097, 5, 1), date(2097, 5, 31)))
        db.session.remove()
