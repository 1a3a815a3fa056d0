"""Process records written straight onto the demo's applications for the exchange's tests (the
records' contents do not matter there, only their number and order), and the log caught up."""

from __future__ import annotations

import sqlalchemy as sa

from mobile_hall.applications.constants import ActorType, Channel, Stage
from mobile_hall.applications.lifecycle import write_record
from mobile_hall.applications.models import Application, ProcessRecord
from mobile_hall.clock import now
from mobile_hall.exchange.log import DELIVERY, assign_sequences
from mobile_hall.exchange.models import ExchangeState
from mobile_hall.extensions import db

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
