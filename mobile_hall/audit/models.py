"""The audit trail of privileged actions and of staff views of personal data (MLPS level 3
asks for one), hash-chained so that a deleted or altered record shows."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class AuditEvent(Model):
    """One audited act: who did what to which record, when and from where. Never updated.

    `hash` covers the record's content and `previous_hash`, the hash of the record appended
    just before it: removing or changing a record breaks the chain from there on.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(sa.String(120), index=True)
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    target: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    client_address: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    previous_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    hash: Mapped[str] = mapped_column(sa.String(64), default="")


class AuditChainHead(Model):
    """The one row that says where the chain ends. Appending locks it, so two writers queue
    instead of both chaining to the same record (which would fork the chain)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64), default="")
