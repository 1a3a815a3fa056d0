"""The organisations' public API: the district's units and their service points."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from .constants import UnitLevel
from .models import ServiceLocation, Unit
from .schema import UnitRecord

__all__ = [
    "UnitNotFound",
    "all_units",
    "get_unit",
    "list_units",
    "registration_points",
    "unit_and_descendant_ids",
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
            "population",
            "enterprise_count",
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
