"""Targets, self-check sheets and the notices the office sends."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..applications.constants import Channel
from ..applications.models import Application, ProcessRecord
from ..database import enum_column
from ..extensions import Model
from ..organisations.models import Unit
from .constants import Figure, Measure, UnitKind

# The application pages of the drill-down list a unit's applications of a period; these indexes
# (migration 0009) served the figures before `DailyCount` did (docs/monitoring.md).
sa.Index(
    "ix_application_submitted_counts",
    Application.submitted_at,
    Application.unit_id,
    Application.channel,
)
sa.Index(
    "ix_application_completed_counts",
    Application.completed_at,
    Application.status,
    Application.unit_id,
    Application.item_id,
    Application.channel,
    Application.delivery,
    Application.id,  # each one's visits are counted by id
)
sa.Index("ix_process_record_application_stage", ProcessRecord.application_id, ProcessRecord.stage)


class Target(Model):
    """The office's target for one figure, year and kind of unit (the plan's when absent)."""

    __tablename__ = "monitoring_target"
    __table_args__ = (sa.UniqueConstraint("year", "unit_kind", "figure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    unit_kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind))
    figure: Mapped[Figure] = mapped_column(enum_column(Figure))
    # None: no target for this figure and kind.
    percent: Mapped[int | None]
    # Whether the value must exceed the target (">") rather than reach it ("≥").
    strict: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(sa.String(120))


class SelfCheck(Model):
    """A unit's quarterly self-check sheet (自检表格): the hall's numbers and its own text."""

    __tablename__ = "self_check"
    __table_args__ = (sa.UniqueConstraint("unit_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), index=True)
    progress: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    submitted_on: Mapped[date | None]
    submitted_by: Mapped[str] = mapped_column(sa.String(100), default="")

    unit: Mapped[Unit] = relationship(lazy="joined")


class Notice(Model):
    """Praise, criticism, a rectification notice or accountability, as sent to a unit."""

    __tablename__ = "monitoring_notice"
    __table_args__ = (sa.UniqueConstraint("unit_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), index=True)
    measure: Mapped[Measure] = mapped_column(enum_column(Measure))
    proposed: Mapped[Measure] = mapped_column(enum_column(Measure))
    missed: Mapped[list[str]] = mapped_column(sa.JSON)
    due_on: Mapped[date | None]
    title: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    sent_by: Mapped[str] = mapped_column(sa.String(100))

    unit: Mapped[Unit] = relationship(lazy="joined")


class DailyCount(Model):
    """What the figures count, per local day, unit, item and channel, kept by `summary` in the
    transaction of each process record: every figure of metrics.md is a sum of these rows.

    `submitted` counts applications submitted that day; the `completed*` columns those
    completed that day: all of them, those that ran online (online channel, no recorded visit,
    result delivered online or by post), and those with at least one and at least two recorded
    visits. A visit recorded after completion moves its application between these columns.
    Each count is also added to its month's row (`whole_month`, `day` the month's first day),
    so that a quarter reads three rows where it would read ninety.
    """

    __tablename__ = "monitoring_daily"
    __table_args__ = (sa.Index("ix_monitoring_daily_unit_day", "unit_id", "day"),)

    day: Mapped[date] = mapped_column(primary_key=True)
    whole_month: Mapped[bool] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("service_item.id"), primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), primary_key=True)
    submitted: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    completed_online: Mapped[int] = mapped_column(default=0)
    completed_visited: Mapped[int] = mapped_column(default=0)
    completed_revisited: Mapped[int] = mapped_column(default=0)


# Process records keep the daily counts up to date from the moment the models are loaded.
from . import summary  # noqa: E402, F401
