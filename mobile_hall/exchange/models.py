"""The exchange's own state: one row per role (the sequencer, the delivery worker)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..applications.models import ProcessRecord
from ..extensions import Model


class ExchangeState(Model):
    """Where a role of the exchange stands; its row is also the lock that lets one process
    act in that role at a time (`SELECT … FOR UPDATE`)."""

    __tablename__ = "exchange_state"

    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    # The sequencer: the last sequence handed out.
    last_sequence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # The delivery worker: its last success and error, and when it may try again.
    last_success_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


# What the sequencer and the delivery worker look for: partial indexes, so they stay as small
# as the backlog however long the log grows.
_UNSEQUENCED = sa.text("sequence IS NULL")
_UNDELIVERED = sa.text("delivered_at IS NULL AND sequence IS NOT NULL")
sa.Index(
    "ix_process_record_unsequenced",
    ProcessRecord.id,
    postgresql_where=_UNSEQUENCED,
    sqlite_where=_UNSEQUENCED,
)
sa.Index(
    "ix_process_record_undelivered",
    ProcessRecord.sequence,
    postgresql_where=_UNDELIVERED,
    sqlite_where=_UNDELIVERED,
)
