"""The license library's public API (for now: the catalog of license types)."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..organisations.models import Unit
from .models import LicenseType
from .schema import LicenseTypeRecord

__all__ = ["upsert_license_types"]


def upsert_license_types(records: list[LicenseTypeRecord]) -> None:
    """Create or refresh license types by code. The caller commits.

    :raises KeyError: when a record names an issuing unit that does not exist.
    """
    units = {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}
    existing = {lt.code: lt for lt in db.session.scalars(sa.select(LicenseType))}
    for record in records:
        license_type = existing.get(record.code) or LicenseType(code=record.code)
        license_type.name = record.name
        license_type.issuing_unit = units[record.issuing_unit]
        license_type.holder_type = record.holder_type
        license_type.fields = [field.model_dump() for field in record.fields]
        license_type.validity_years = record.validity_years
        db.session.add(license_type)
