"""Process records written straight onto the demo's applications for the exchange's tests (the
records' contents do not matter there, only their number and order), and the log caught up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask

from mobile_hall.applications.constants import ActorType, Channel, Stage
from mobile_hall.applications.lifecycle import write_record
from mobile_hall.applications.models import Application, ProcessRecord
from mobile_hall.clock import now
from mobile_hall.exchange.log import DELIVERY, assign_sequences
from mobile_hall.exchange.models import ExchangeState
from mobile_hall.extensions import db

T = TypeVar("T")

MARKET = "QJ-SCJGJ"  # a demo unit that issues licences: it may hold an API key


def some_application(offset: int = 0) -> Application:
    """A submitted application of the demo (the `offset`-th one)."""
    return db.session.scalars(
        sa.select(Application)
        .where(Application.number.is_not(None))
        .order_by(Application.id)
        .offset(offset)
        .limit(1)
    ).one()


def write_records(count: int, offset: int = 0) -> list[str]:
    """`count` new records on a demo application, flushed (the caller commits); their ids."""
    application = some_application(offset)
    records: list[ProcessRecord] = [
        write_record(application, Stage.VISIT, ActorType.SYSTEM, Channel.WEB) for _ in range(count)
    ]
    db.session.flush()
    return [record.record_id for record in records]


def catch_up() -> None:
    """Number every record and count it as delivered, with the delivery state clean: what a
    test delivers is then only what it writes. The caller's transaction decides if it stays."""
    while assign_sequences():
        pass
    db.session.execute(
        sa.update(ProcessRecord)
        .where(ProcessRecord.delivered_at.is_(None))
        .values(delivered_at=now())
    )
    db.session.execute(
        sa.update(ExchangeState)
        .where(ExchangeState.role == DELIVERY)
        .values(failures=0, next_attempt_at=None, last_error="", last_error_at=None)
    )
    db.session.commit()


def write_record_on(application_id: int) -> str:
    """A new record on one application, flushed (the caller commits); its record id."""
    application = db.session.get_one(Application, application_id)
    record = write_record(application, Stage.VISIT, ActorType.SYSTEM, Channel.WEB)
    db.session.flush()
    return record.record_id


def commit_out_of_order(
    app: Flask, late: Callable[[], str], early: Callable[[], str], read: Callable[[], T]
) -> tuple[str, str, T]:
    """Two writers committing out of order around a reader (PostgreSQL): T1 runs ``late``
    (writes and flushes a record, so takes the lower id) and holds its transaction; T2 runs
    ``early`` and commits first; ``read`` runs (a client reading past T2's record); then T1
    commits. Returns T1's and T2's record ids and what ``read`` returned."""
    written, read_past = threading.Event(), threading.Event()
    held: list[str] = []

    def late_writer() -> None:
        with app.app_context():
            try:
                held.append(late())
                written.set()
                if not read_past.wait(timeout=30):
                    raise TimeoutError("the reader never read")
                db.session.commit()
            finally:
                db.session.remove()

    t1 = threading.Thread(target=late_writer)
    t1.start()
    try:
        if not written.wait(timeout=30):
            raise TimeoutError("T1 never wrote")
        with app.app_context():
            first = early()
            db.session.commit()
            db.session.remove()
        seen = read()
    finally:
        read_past.set()
        t1.join(timeout=30)
    return held[0], first, seen


def log_ids(app: Flask, record_ids: list[str]) -> dict[str, int]:
    """The `id` (the insertion order) of each record id."""
    with app.app_context():
        found = dict(
            db.session.execute(
                sa.select(ProcessRecord.record_id, ProcessRecord.id).where(
                    ProcessRecord.record_id.in_(record_ids)
                )
            ).all()
        )
        db.session.remove()
    return found
