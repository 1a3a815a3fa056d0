"""Published versions as plain values, read once per process: what applying for an item shows.

A published version is never edited (a change publishes the next number), so its form, its
materials and its units are read from the database once per process and then served from
memory, instead of being joined to every application read on every page of the journey. Units
and licence types can still be renamed, and publishing moves an item's current version: each of
those bumps the catalog's change token, and the memo is kept per value of that token (re-read at
most once per `CHANGE_TOKEN_RECHECK_SECONDS`, at once after this process's own change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from ..common.freshness import CATALOG, shared_tokens
from ..extensions import db
from .constants import Audience, MaterialForm
from .models import ItemVersion, Material, ServiceItem

_MEMO = "published_versions"


@dataclass(frozen=True)
class PublishedUnit:
    """A unit that handles the item."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class PublishedLicenseType:
    """The electronic licence that can stand in for a material."""

    id: int
    name: str


@dataclass(frozen=True)
class PublishedMaterial:
    """One material of the checklist (申请材料)."""

    position: int
    name: str
    required: bool
    form: MaterialForm
    count: int
    notes: str
    license_type: PublishedLicenseType | None

    @property
    def license_type_id(self) -> int | None:
        """The licence type's id, as on `catalog.models.Material`."""
        return self.license_type.id if self.license_type else None


@dataclass(frozen=True)
class PublishedVersion:
    """What the application journey reads of a version, named as on `ItemVersion`.

    ``form_fields`` and ``visit`` are the stored JSON, shared by every request: read only.
    """

    id: int
    item_id: int
    code: str
    name: str
    audience: Audience
    online_stages: tuple[str, ...]
    min_real_name_level: int
    promised_time_limit_days: int
    required_visits: int
    visit: Mapping[str, Any] | None
    form_fields: tuple[dict[str, Any], ...]
    materials: tuple[PublishedMaterial, ...]
    units: tuple[PublishedUnit, ...]

    def unit(self, unit_id: int) -> PublishedUnit | None:
        """One of the units handling the item, by id (None for any other unit)."""
        return next((unit for unit in self.units if unit.id == unit_id), None)


@dataclass(frozen=True)
class Suspension:
    """Why an item is not taking applications (暂停办理), and when it expects to resume."""

    reason: str
    until: date | None


class _Memo:
    """One process's published versions for one value of the catalog's change token."""

    def __init__(self, token: tuple[str, ...]) -> None:
        self.token = token
        self.versions: dict[int, PublishedVersion] = {}
        self.current: dict[str, int | None] | None = None  # item code -> current version id
        self.suspended: dict[int, Suspension] = {}  # item id -> suspension, read with `current`


def _memo() -> _Memo:
    token = shared_tokens([CATALOG])
    memo = current_app.extensions.get(_MEMO)
    if memo is None or memo.token != token:
        memo = current_app.extensions[_MEMO] = _Memo(token)
    return memo


def _published(version: ItemVersion) -> PublishedVersion:
    return PublishedVersion(
        id=version.id,
        item_id=version.item_id,
        code=version.item.code,
        name=version.name,
        audience=version.audience,
        online_stages=tuple(version.online_stages),
        min_real_name_level=version.min_real_name_level,
        promised_time_limit_days=version.promised_time_limit_days,
        required_visits=version.required_visits,
        visit=dict(version.visit) if version.visit else None,
        form_fields=tuple(dict(spec) for spec in version.form_fields),
        materials=tuple(
            PublishedMaterial(
                position=m.position,
                name=m.name,
                required=m.required,
                form=m.form,
                count=m.count,
                notes=m.notes,
                license_type=(
                    PublishedLicenseType(m.license_type.id, m.license_type.name)
                    if m.license_type
                    else None
                ),
            )
            for m in version.materials
        ),
        units=tuple(PublishedUnit(u.id, u.code, u.name) for u in version.units),
    )


def _load(version_id: int) -> PublishedVersion | None:
    version = db.session.scalar(
        sa.select(ItemVersion)
        .where(ItemVersion.id == version_id)
        .options(
            joinedload(ItemVersion.item),
            selectinload(ItemVersion.units),
            selectinload(ItemVersion.materials).joinedload(Material.license_type),
        )
    )
    return _published(version) if version is not None else None


def published_version(version_id: int) -> PublishedVersion:
    """The version with that id, from memory once read.

    :raises LookupError: for an id no version has.
    """
    memo = _memo()
    found = memo.versions.get(version_id)
    if found is None:
        found = _load(version_id)
        if found is None:
            raise LookupError(version_id)
        memo.versions[version_id] = found
    return found


def current_published_version(code: str) -> PublishedVersion | None:
    """The current version of the item with that code, or None for an unknown code.

    Every item's current version id is read in one statement per catalog change.
    """
    memo = _current(_memo())
    version_id = memo.current.get(code) if memo.current else None
    return published_version(version_id) if version_id is not None else None


def _current(memo: _Memo) -> _Memo:
    if memo.current is None:
        rows = db.session.execute(
            sa.select(
                ServiceItem.id,
                ServiceItem.code,
                ServiceItem.current_version_id,
                ServiceItem.suspended_reason,
                ServiceItem.suspended_until,
            ).where(ServiceItem.current_version_id.is_not(None))
        ).all()
        memo.current = {row.code: row.current_version_id for row in rows}
        memo.suspended = {
            row.id: Suspension(row.suspended_reason, row.suspended_until)
            for row in rows
            if row.suspended_reason
        }
    return memo


def suspension_of(item_id: int) -> Suspension | None:
    """The item's suspension (暂停办理), or None while it takes applications; read with every
    item's current version, once per catalog change."""
    return _current(_memo()).suspended.get(item_id)
