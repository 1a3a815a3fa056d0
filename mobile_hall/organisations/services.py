"""The organisations' public API: the district's units and their service points."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from .constants import UnitLevel
from .models import ServiceLocation, Unit, UnitFigure
from .schema import FigureRecord, UnitRecord

__all__ = [
    "UnitNotFound",
    "all_units",
    "district_departments",
    "figures_for",
    "get_unit",
    "list_units",
    "registration_points",
    "unit_and_descendant_ids",
    "upsert_figures",
    "upsert_units",
]


class UnitNotFound(Exception):
    """No unit has that code."""


def list_units(level: UnitLevel, with_children: bool = False) -> list[Unit]:
    """All units of one level in display order, their children loaded when asked."""
    query = sa.select(Unit).where(Unit.level == level).order_by(Unit.position)
    if with_children:
        query = query.options(selectinload(Unit.children))
    return list(db.session.scalars(query))


def district_departments() -> list[Unit]:
    """The departments directly under the district, each with its sub-units (区网厅办 inside
    区信息中心), in display order."""
    district = sa.select(Unit.id).where(Unit.level == UnitLevel.DISTRICT).scalar_subquery()
    return list(
        db.session.scalars(
            sa.select(Unit)
            .where(Unit.level == UnitLevel.DEPARTMENT, Unit.parent_id == district)
            .options(selectinload(Unit.children))
            .order_by(Unit.position)
        )
    )


def all_units() -> list[Unit]:
    """Every unit of the district in display order."""
    return list(db.session.scalars(sa.select(Unit).order_by(Unit.position)))


def get_unit(code: str) -> Unit:
    """One unit with its parent, children and service locations.

    :raises UnitNotFound: for an unknown code.
    """
    unit = db.session.scalar(
        sa.select(Unit)
        .where(Unit.code == code)
        .options(
            selectinload(Unit.parent),
            selectinload(Unit.children),
            selectinload(Unit.locations),
        )
    )
    if unit is None:
        raise UnitNotFound(code)
    return unit


def unit_and_descendant_ids(unit: Unit) -> list[int]:
    """The unit's id and its children's (a town and its villages)."""
    return [unit.id, *(child.id for child in unit.children)]


def registration_points() -> list[ServiceLocation]:
    """The real-name account registration points (实名账户注册办理点) of the district."""
    return list(
        db.session.scalars(
            sa.select(ServiceLocation)
            .join(Unit)
            .where(ServiceLocation.is_registration_point.is_(True))
            .options(selectinload(ServiceLocation.unit))
            .order_by(Unit.position, ServiceLocation.position)
        )
    )


def upsert_units(records: list[UnitRecord]) -> None:
    """Create or refresh units (parents before children) and replace their locations.

    The caller commits.
    """
    existing = {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}
    for position, record in enumerate(records):
        unit = existing.get(record.code) or Unit(code=record.code)
        existing[record.code] = unit
        unit.parent = existing[record.parent] if record.parent else None
        for name in (
            "name",
            "short_name",
            "level",
            "credit_code",
            "address",
            "hours",
            "phone",
        ):
            setattr(unit, name, getattr(record, name))
        unit.position = position
        wanted = [
            (loc.name, loc.address, loc.hours, loc.phone, loc.registration_point)
            for loc in record.locations
        ]
        current = [
            (loc.name, loc.address, loc.hours, loc.phone, loc.is_registration_point)
            for loc in unit.locations
        ]
        if wanted != current:
            _replace_locations(unit, record)
        db.session.add(unit)


def _replace_locations(unit: Unit, record: UnitRecord) -> None:
    unit.locations = [
        ServiceLocation(
            name=location.name,
            address=location.address,
            hours=location.hours,
            phone=location.phone,
            is_registration_point=location.registration_point,
            position=index,
        )
        for index, location in enumerate(record.locations)
    ]


def upsert_figures(records: list[FigureRecord]) -> None:
    """Create or refresh towns' yearly figures by (unit, year). The caller commits.

    :raises KeyError: for a unit code that does not exist.
    """
    units = {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}
    existing = {(row.unit_id, row.year): row for row in db.session.scalars(sa.select(UnitFigure))}
    for record in records:
        unit = units[record.unit]
        row = existing.get((unit.id, record.year)) or UnitFigure(unit=unit, year=record.year)
        row.population, row.enterprise_count = record.population, record.enterprise_count
        db.session.add(row)


def figures_for(year: int) -> dict[int, UnitFigure]:
    """Per unit id, the figures of `year`, or of the latest earlier year when that year's are
    not entered yet (a new year starts before its census figures arrive)."""
    rows = db.session.scalars(
        sa.select(UnitFigure).where(UnitFigure.year <= year).order_by(UnitFigure.year)
    )
    return {row.unit_id: row for row in rows}  # later years overwrite earlier ones
