"""The office's one-stop entries and the history of every reference record it changes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..common.freshness import CATALOG, watch
from ..database import enum_column
from ..extensions import Model
from .constants import EntryTarget, RecordKind


class OneStopEntry(Model):
    """An entry of the home page's 一门式服务入口: a named filter over the catalog or a link."""

    __tablename__ = "one_stop_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(20))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    target: Mapped[EntryTarget] = mapped_column(enum_column(EntryTarget))
    # A group of item kinds, a theme code, a unit code, or an https:// address.
    value: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0)


class ReferenceChange(Model):
    """One change of a reference record by the office: who, when, and the values before and
    after (the record's history; the public pages show only the current values)."""

    __tablename__ = "reference_change"
    __table_args__ = (sa.Index("ix_reference_change_record", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RecordKind] = mapped_column(enum_column(RecordKind))
    key: Mapped[str] = mapped_column(sa.String(80))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.String(120))
    actor_name: Mapped[str] = mapped_column(sa.String(100))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)


# The home page shows the entries.
watch(OneStopEntry, scopes=lambda _row: (CATALOG,))
