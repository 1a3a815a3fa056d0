"""The district's organisations and the places where they serve people."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.freshness import CATALOG, watch
from ..database import enum_column
from ..extensions import Model
from .constants import UnitLevel


class Unit(Model):
    """An organisation: the district, a department, a town or a village (单位)."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(40))
    level: Mapped[UnitLevel] = mapped_column(enum_column(UnitLevel), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    address: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.position")
    locations: Mapped[list[ServiceLocation]] = relationship(
        back_populates="unit",
        order_by="ServiceLocation.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class ServiceLocation(Model):
    """A hall, window or village service station of a unit (服务网点)."""

    __tablename__ = "service_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(20))
    # A real-name account registration point (实名账户注册办理点).
    is_registration_point: Mapped[bool] = mapped_column(default=False, index=True)
    position: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship(back_populates="locations")


class UnitFigure(Model):
    """A town's resident population and registered enterprises in one year: the denominators
    of the page ratios (metrics.md), kept by the district office."""

    __tablename__ = "unit_figure"
    __table_args__ = (sa.UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    year: Mapped[int]
    population: Mapped[int]
    enterprise_count: Mapped[int]

    unit: Mapped[Unit] = relationship()


# Unit and place pages, and every guide naming a unit, show these rows.
watch(Unit, ServiceLocation, scopes=lambda _row: (CATALOG,))
