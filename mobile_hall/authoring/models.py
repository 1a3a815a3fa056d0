"""Drafts of guides on their way to publication, and which unit reviews which kind of item."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.constants import ItemKind
from ..catalog.models import ItemVersion, ServiceItem
from ..database import enum_column
from ..extensions import Model
from ..identity.models import Account
from ..organisations.models import Unit
from .constants import DraftKind, DraftStatus


class ReviewRoute(Model):
    """Which unit's catalog reviewers review the items of a kind (the plan: 区编办 the
    administrative powers, 区行政服务中心 the public services). Data, kept by the office."""

    __tablename__ = "review_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind), unique=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)

    unit: Mapped[Unit] = relationship(lazy="joined")


class GuideDraft(Model):
    """A proposed change to the catalog: a new version of a guide, a new item, a suspension or
    a resumption. Published only by a reviewer's approval, through the catalog's versioning."""

    __tablename__ = "guide_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DraftKind] = mapped_column(enum_column(DraftKind))
    status: Mapped[DraftStatus] = mapped_column(enum_column(DraftStatus), index=True)
    # None for a new item until its approval creates it.
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_item.id"), index=True)
    # The editor's unit: the drafting unit, one of the item's implementing units.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    # The item record as last saved (the catalog schema's shape; may still be invalid).
    record: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # The published version the draft started from: what the reviewer's difference is against.
    base_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("item_version.id"))
    suspension_reason: Mapped[str] = mapped_column(sa.Text, default="")
    suspended_until: Mapped[date | None] = mapped_column(sa.Date)
    reviewer_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    return_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    published_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("item_version.id"))

    item: Mapped[ServiceItem | None] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    reviewer_unit: Mapped[Unit | None] = relationship(foreign_keys=[reviewer_unit_id])
    base_version: Mapped[ItemVersion | None] = relationship(foreign_keys=[base_version_id])
    created_by: Mapped[Account] = relationship(foreign_keys=[created_by_id])

    @property
    def code(self) -> str:
        """The item's code (as typed, for a new item)."""
        if self.item is not None:
            return self.item.code
        return str((self.record or {}).get("code") or "")

    @property
    def name(self) -> str:
        """The item's name as drafted (or as published, for a suspension)."""
        if self.record and self.record.get("name"):
            return str(self.record["name"])
        return self.base_version.name if self.base_version else ""
