"""Concurrent writers on one database: each waits for its turn, none fails, numbers stay unique.

On SQLite a transaction that had read and then wrote used to fail at once ("database is
locked") whenever another connection had committed in between, so two people submitting at
the same moment could not both succeed; on PostgreSQL rows are locked. These tests run threads
with their own connections against the session database (a SQLite file, or PostgreSQL under
`TEST_DATABASE_URL`), commit for real, and remove what they made.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import sqlalchemy as sa

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.applications.models import (
    Application,
    DailyCounter,
    ProcessRecord,
)
from mobile_hall.applications.numbering import format_application_number
from mobile_hall.extensions import db
from tests.support.applications import (
    account,
    attach_required,
    current_versions,
    start_draft,
    valid_answers,
)

# A day no other test numbers applications on.
FAR_DAY = date(2098, 7, 1)


def _person_items(app, count: int) -> list[tuple[str, str]]:
    """Items a citizen can apply for online, with a unit of each: (code, unit code)."""
    with app.app_context():
        items = [
            (version.item.code, version.units[0].code)
            for version in current_versions()
            if version.units
            and "apply" in version.online_stages
            and version.min_real_name_level <= 3
            and version.audience.value in ("person", "both")
            and version.form_fields
        ]
        db.session.remove()
    assert len(items) >= count
    return items[:count]


def _ready(app, code: str, unit: str) -> int:
    """A complete draft of `citizen` for `code`, committed: answers and required materials."""
    application_id = start_draft(app, "citizen", code, unit)
    attach_required(app, "citizen", application_id)
    with app.app_context():
        person = account("citizen")
        application = applicant.get_own_application(person, application_id)
        applicant.save_answers(person, application, valid_answers(app, code))
        db.session.remove()
    return application_id


def test_two_submissions_that_read_before_they_write_both_succeed(app, committed):
    drafts = [_ready(app, code, unit) for code, unit in _person_items(app, 2)]
    both_read = threading.Barrier(len(drafts), timeout=30)

    def submit(application_id: int) -> str:
        with app.app_context():
            try:
                person = account("citizen")
                application = applicant.get_own_application(person, application_id)
                both_read.wait()  # each transaction has read; now both write
                return applicant.submit(person, application, declaration=True).number
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(drafts)) as pool:
        numbers = list(pool.map(submit, drafts))

    assert all(numbers) and len(set(numbers)) == len(drafts)
    with app.app_context():
        stored = db.session.execute(
            sa.select(Application.number, Application.status).where(Application.id.in_(drafts))
        ).all()
        records = db.session.scalars(
            sa.select(ProcessRecord.application_no).where(ProcessRecord.application_id.in_(drafts))
        ).all()
        db.session.remove()
    assert sorted(stored) == sorted((n, ApplicationStatus.SUBMITTED) for n in numbers)
    assert sorted(records) == sorted(numbers)  # each record written with its submission


def test_numbers_allocated_at_once_are_unique_and_without_gaps(app, committed):
    threads = 8
    all_read = threading.Barrier(threads, timeout=30)

    def allocate(rolls_back: bool) -> str | None:
        with app.app_context():
            try:
                db.session.execute(sa.select(DailyCounter.value).where(DailyCounter.day == FAR_DAY))
                all_read.wait()  # every transaction has read the counter as it was
                number = applicant.next_application_number(FAR_DAY)
                if rolls_back:  # a submission that fails after numbering gives its number back
                    db.session.rollback()
                    return None
                db.session.commit()
                return number
            finally:
                db.session.remove()

    with ThreadPoolExecutor(threads) as pool:
        numbers = [n for n in pool.map(allocate, [i == 3 for i in range(threads)]) if n]

    assert sorted(numbers) == [format_application_number(FAR_DAY, n) for n in range(1, threads)]


def test_two_taps_submitting_one_draft_at_once_number_it_once(app, committed):
    code, unit = _person_items(app, 1)[0]
    draft = _ready(app, code, unit)
    both_read = threading.Barrier(2, timeout=30)

    def tap() -> str:
        with app.app_context():
            try:
                person = account("citizen")
                application = applicant.get_own_application(person, draft)
                both_read.wait()  # each has read the draft; now both submit it
                return applicant.submit(person, application, declaration=True).number
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        numbers = list(pool.map(lambda _: tap(), range(2)))

    with app.app_context():
        stored = db.session.scalar(sa.select(Application.number).where(Application.id == draft))
        records = db.session.scalars(
            sa.select(ProcessRecord.application_no).where(ProcessRecord.application_id == draft)
        ).all()
        db.session.remove()
    assert numbers == [stored, stored] and stored
    assert records == [stored]  # one submission, one record
