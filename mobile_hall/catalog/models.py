"""The service catalog: themes, items and their immutable published versions, and the types of
electronic license (证照目录) that materials and results name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.freshness import CATALOG, watch
from ..database import enum_column
from ..extensions import Model, db
from ..organisations.models import Unit
from .constants import (
    ALL_STAGES,
    Audience,
    ItemKind,
    MaterialForm,
    ResultType,
    VersionStatus,
)

item_version_theme = sa.Table(
    "item_version_theme",
    db.metadata,
    sa.Column("item_version_id", sa.ForeignKey("item_version.id"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("theme.id"), primary_key=True, index=True),
)

item_version_unit = sa.Table(
    "item_version_unit",
    db.metadata,
    sa.Column("item_version_id", sa.ForeignKey("item_version.id"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("unit.id"), primary_key=True, index=True),
)


class LicenseType(Model):
    """A type of license the district issues or accepts in place of paper."""

    __tablename__ = "license_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    issuing_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    holder_type: Mapped[str] = mapped_column(sa.String(20))
    # [{"name": ..., "label": ...}]: the data a license of this type carries.
    fields: Mapped[list[dict]] = mapped_column(sa.JSON)
    validity_years: Mapped[int | None]

    issuing_unit: Mapped[Unit] = relationship()


class Theme(Model):
    """A life event of a person or a stage in an enterprise's life (主题分类)."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(20))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)


class ServiceItem(Model):
    """The stable identity of a service item (事项); its content lives in versions."""

    __tablename__ = "service_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("item_version.id", use_alter=True), index=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # 暂停办理: set when a reviewed suspension is approved, cleared when a resumption is; the
    # guide says so and no new application may start while it is set.
    suspended_reason: Mapped[str | None] = mapped_column(sa.Text)
    suspended_until: Mapped[date | None] = mapped_column(sa.Date)

    current_version: Mapped[ItemVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[ItemVersion]] = relationship(
        foreign_keys="ItemVersion.item_id",
        back_populates="item",
        order_by="ItemVersion.number",
    )


class ItemVersion(Model):
    """One published version of an item's standardised record and guide (办事指南).

    A version is never edited after publication: a change publishes the next number.
    """

    __tablename__ = "item_version"
    __table_args__ = (sa.UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("service_item.id"), index=True)
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus))
    published_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    is_approval: Mapped[bool]
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    keywords: Mapped[list[str]] = mapped_column(sa.JSON)
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    conditions: Mapped[list[str]] = mapped_column(sa.JSON)
    is_free: Mapped[bool]
    fee_description: Mapped[str] = mapped_column(sa.Text, default="")
    legal_time_limit_days: Mapped[int]
    promised_time_limit_days: Mapped[int]
    required_visits: Mapped[int]
    online_stages: Mapped[list[str]] = mapped_column(sa.JSON)
    is_full_online: Mapped[bool]
    mobile_enabled: Mapped[bool]
    min_real_name_level: Mapped[int]
    allows_tolerant_acceptance: Mapped[bool]
    form_fields: Mapped[list[dict]] = mapped_column(sa.JSON)
    result_type: Mapped[ResultType] = mapped_column(enum_column(ResultType))
    result_name: Mapped[str] = mapped_column(sa.String(200), default="")
    result_license_type_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("license_type.id"), index=True
    )
    result_delivery: Mapped[list[str]] = mapped_column(sa.JSON)
    visit: Mapped[dict | None] = mapped_column(sa.JSON)
    contact_phone: Mapped[str] = mapped_column(sa.String(20))
    business_manual: Mapped[list[dict]] = mapped_column(sa.JSON)
    popular_rank: Mapped[int | None]
    # Lower-case name, keywords and their pinyin, for substring search.
    search_text: Mapped[str] = mapped_column(sa.Text)

    item: Mapped[ServiceItem] = relationship(foreign_keys=[item_id], back_populates="versions")
    materials: Mapped[list[Material]] = relationship(
        back_populates="item_version",
        order_by="Material.position",
        cascade="all, delete-orphan",
    )
    themes: Mapped[list[Theme]] = relationship(
        secondary=item_version_theme, order_by=Theme.position
    )
    units: Mapped[list[Unit]] = relationship(
        secondary=item_version_unit, order_by=(Unit.level, Unit.position)
    )
    result_license_type: Mapped[LicenseType | None] = relationship()

    @property
    def code(self) -> str:
        """The item's code (the version row itself has none)."""
        return self.item.code

    def is_stage_online(self, stage: str) -> bool:
        """Whether the guide promises that `stage` can run online."""
        return stage in self.online_stages

    @staticmethod
    def stages_are_full_online(stages: Sequence[str]) -> bool:
        """Whether a set of online stages covers the whole process (全流程网办)."""
        return all(stage in stages for stage in ALL_STAGES)


class Material(Model):
    """One material of a version's checklist (申请材料)."""

    __tablename__ = "material"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_version_id: Mapped[int] = mapped_column(sa.ForeignKey("item_version.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    required: Mapped[bool]
    form: Mapped[MaterialForm] = mapped_column(enum_column(MaterialForm))
    count: Mapped[int]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    license_type_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("license_type.id"), index=True
    )

    item_version: Mapped[ItemVersion] = relationship(back_populates="materials")
    license_type: Mapped[LicenseType | None] = relationship()


# The public catalog pages show these rows (and their association rows, through the versions).
watch(LicenseType, Theme, ServiceItem, ItemVersion, Material, scopes=lambda _row: (CATALOG,))
