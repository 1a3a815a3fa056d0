"""The hall's global record log: each process record's sequence, and pages of the log.

A record gets its `id` when its transaction inserts it, but transactions commit out of order:
one that took id 5 may commit after another took id 6 and committed, so a client that read
up to 6 would never see 5. The log's `sequence` is therefore handed out only to records whose
transaction has committed, by one sequencer at a time (the `sequencer` row of
`exchange_state`, locked while it works), each pass numbering what it finds after the last
number given. A record committed late simply gets a later number: a client that read up to N
never misses a record, as every record it has not seen gets a number above N. The same
holds on PostgreSQL with any number of writers and on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..applications.models import ProcessRecord
from ..extensions import db
from .models import ExchangeState
from .schema import FIELDS, ExchangeRecord, RecordPage, exchange_records

SEQUENCER = "sequencer"
DELIVERY = "delivery"
# Records numbered per sequencer pass: bounds the transaction whatever the backlog.
SEQUENCE_PASS = 20_000


def exchange_state(role: str, *, lock: bool = False) -> ExchangeState:
    """The row of `role` as the database holds it now; with `lock`, locked until the
    transaction ends (SQLite: the write lock)."""
    query = sa.select(ExchangeState).where(ExchangeState.role == role)
    if lock:
        query = query.with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def assign_sequences(limit: int = SEQUENCE_PASS) -> int:
    """Number the committed records that have no sequence yet, in the order of their ids,
    after the last number given; committed. Returns how many were numbered.

    With nothing to number it returns at once, without the sequencer's lock: every pull and
    every delivery pass calls this, and most find the log already numbered."""
    unnumbered = sa.select(ProcessRecord.id).where(ProcessRecord.sequence.is_(None)).limit(1)
    if db.session.scalar(unnumbered) is None:
        return 0
    state = exchange_state(SEQUENCER, lock=True)
    first = state.last_sequence
    numbered = (
        sa.select(
            ProcessRecord.id,
            (sa.literal(first) + sa.func.row_number().over(order_by=ProcessRecord.id)).label(
                "sequence"
            ),
        )
        .where(ProcessRecord.sequence.is_(None))
        .order_by(ProcessRecord.id)
        .limit(limit)
        .subquery()
    )
    result = db.session.execute(
        sa.update(ProcessRecord)
        .where(ProcessRecord.id == numbered.c.id)
        .values(sequence=numbered.c.sequence)
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0  # type: ignore[attr-defined]
    state.last_sequence = first + count
    db.session.commit()
    return count


def _columns() -> list[sa.ColumnElement]:
    # The table's columns, not the mapped attributes: rows come back without the ORM's
    # per-row loading, which a page of 1 000 would pay for nothing.
    table = ProcessRecord.__table__
    return [table.c[name] for name in FIELDS]


def record_page(after: int, limit: int) -> RecordPage:
    """Up to `limit` records of the log after sequence `after`, in sequence order, once the
    committed records have their numbers."""
    assign_sequences()
    rows = db.session.execute(
        sa.select(*_columns())
        .where(ProcessRecord.sequence > after)
        .order_by(ProcessRecord.sequence)
        .limit(limit + 1)
    ).all()
    records = exchange_records(row._mapping for row in rows[:limit])
    return RecordPage(
        records=records,
        next_after=records[-1].sequence if records else after,
        has_more=len(rows) > limit,
    )


def undelivered_batch(limit: int) -> list[ExchangeRecord]:
    """The first `limit` records of the log not yet delivered to the province, in order."""
    rows = db.session.execute(
        sa.select(*_columns())
        .where(ProcessRecord.delivered_at.is_(None), ProcessRecord.sequence.is_not(None))
        .order_by(ProcessRecord.sequence)
        .limit(limit)
    ).all()
    return exchange_records(row._mapping for row in rows)
