"""The catalog's public API: finding items, reading guides, importing and exporting records."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from ..audit.services import record_event
from ..common.bulkimport import Advance, no_progress
from ..common.errors import NotFound
from ..common.paging import paginate
from ..extensions import db
from ..organisations.constants import UnitLevel
from ..organisations.models import Unit
from .constants import Audience, ItemGroup, ItemKind
from .models import ItemVersion, Material, ServiceItem, Theme, item_version_theme, item_version_unit
from .published import (
    PublishedMaterial,
    PublishedUnit,
    PublishedVersion,
    Suspension,
    current_published_version,
    published_version,
    suspension_of,
)
from .publishing import CatalogImportError, ImportReport, import_document, version_to_record
from .schema import FORMAT, ThemeRecord
from .search import matches_all

__all__ = [
    "CatalogImportError",
    "ImportReport",
    "ItemFilters",
    "ItemNotFound",
    "PublishedMaterial",
    "PublishedUnit",
    "PublishedVersion",
    "Suspension",
    "current_published_version",
    "export_catalog",
    "find_items",
    "get_guide",
    "import_catalog",
    "items_of_units",
    "list_themes",
    "list_versions",
    "popular_items",
    "published_version",
    "suspension_of",
    "units_by_level",
    "upsert_themes",
]


class ItemNotFound(NotFound):
    """No published item (or no such version of it) has that code."""


@dataclass(frozen=True)
class ItemFilters:
    """What a person narrowed the item list by; every field is optional."""

    terms: tuple[str, ...] = ()
    theme: str | None = None
    department: str | None = None
    town: str | None = None
    audience: Audience | None = None
    group: ItemGroup | None = None
    zero_visits: bool = False
    mobile_only: bool = False


def _current_versions() -> sa.Select:
    return sa.select(ItemVersion).join(
        ServiceItem, ServiceItem.current_version_id == ItemVersion.id
    )


def _implemented_in(unit_ids: sa.Select | list[int]) -> sa.ColumnElement[bool]:
    return ItemVersion.id.in_(
        sa.select(item_version_unit.c.item_version_id).where(
            item_version_unit.c.unit_id.in_(unit_ids)
        )
    )


def _filtered(filters: ItemFilters) -> sa.Select:
    query = _current_versions()
    if filters.terms:
        query = query.where(matches_all(ItemVersion.search_text, list(filters.terms)))
    if filters.theme:
        query = query.where(
            ItemVersion.id.in_(
                sa.select(item_version_theme.c.item_version_id)
                .join(Theme, Theme.id == item_version_theme.c.theme_id)
                .where(Theme.code == filters.theme)
            )
        )
    if filters.department:
        query = query.where(
            _implemented_in(sa.select(Unit.id).where(Unit.code == filters.department))
        )
    if filters.town:
        town = sa.select(Unit.id).where(Unit.code == filters.town).scalar_subquery()
        query = query.where(
            _implemented_in(sa.select(Unit.id).where((Unit.id == town) | (Unit.parent_id == town)))
        )
    if filters.audience:
        query = query.where(ItemVersion.audience.in_([filters.audience, Audience.BOTH]))
    if filters.group is ItemGroup.APPROVAL:
        query = query.where(ItemVersion.is_approval.is_(True))
    elif filters.group is ItemGroup.PUBLIC_SERVICE:
        query = query.where(ItemVersion.kind == ItemKind.PUBLIC_SERVICE)
    if filters.zero_visits:
        query = query.where(ItemVersion.required_visits == 0)
    if filters.mobile_only:
        query = query.where(ItemVersion.mobile_enabled.is_(True))
    return query


def find_items(filters: ItemFilters, page: int = 1, per_page: int = 20) -> Pagination:
    """Page `page` of the published items matching every filter, popular first, then by code
    (past the end, the last page)."""
    query = (
        _filtered(filters)
        .options(joinedload(ItemVersion.item), selectinload(ItemVersion.units))
        .order_by(
            ItemVersion.popular_rank.is_(None),
            ItemVersion.popular_rank,
            ServiceItem.code,
        )
    )
    return paginate(query, page, per_page)


def items_of_units(unit_ids: list[int]) -> list[ItemVersion]:
    """Current items implemented by any of the given units, by code."""
    return list(
        db.session.scalars(
            _current_versions()
            .where(_implemented_in(unit_ids))
            .options(joinedload(ItemVersion.item))
            .order_by(ServiceItem.code)
        )
    )


def popular_items(limit: int = 8) -> list[ItemVersion]:
    """The items the district office ranks as most used (常用事项)."""
    return list(
        db.session.scalars(
            _current_versions()
            .options(joinedload(ItemVersion.item))
            .where(ItemVersion.popular_rank.is_not(None))
            .order_by(ItemVersion.popular_rank)
            .limit(limit)
        )
    )


def get_guide(code: str, version_number: int | None = None) -> ItemVersion:
    """An item's guide: the current version, or an older one when a number is given.

    Loads everything the guide page shows in a fixed number of queries.

    :raises ItemNotFound: for an unknown code or version.
    """
    query = (
        sa.select(ItemVersion)
        .join(ServiceItem, ServiceItem.id == ItemVersion.item_id)
        .where(ServiceItem.code == code)
        .options(
            joinedload(ItemVersion.item),
            joinedload(ItemVersion.result_license_type),
            selectinload(ItemVersion.materials).joinedload(Material.license_type),
            selectinload(ItemVersion.themes),
            selectinload(ItemVersion.units),
        )
    )
    if version_number is None:
        query = query.where(ServiceItem.current_version_id == ItemVersion.id)
    else:
        query = query.where(ItemVersion.number == version_number)
    version = db.session.scalar(query)
    if version is None:
        raise ItemNotFound(code)
    return version


def list_versions(code: str) -> list[ItemVersion]:
    """Every published version of an item, newest first.

    :raises ItemNotFound: for an unknown code.
    """
    versions = db.session.scalars(
        sa.select(ItemVersion)
        .join(ServiceItem, ServiceItem.id == ItemVersion.item_id)
        .where(ServiceItem.code == code)
        .order_by(ItemVersion.number.desc())
    ).all()
    if not versions:
        raise ItemNotFound(code)
    return list(versions)


def list_themes(audience: Audience | None = None) -> list[Theme]:
    """Themes in display order, optionally only those for one audience."""
    query = sa.select(Theme).order_by(Theme.position)
    if audience is not None:
        query = query.where(Theme.audience == audience)
    return list(db.session.scalars(query))


def upsert_themes(records: list[ThemeRecord]) -> None:
    """Create or refresh themes by code, keeping the given order. The caller commits."""
    existing = {theme.code: theme for theme in db.session.scalars(sa.select(Theme))}
    for position, record in enumerate(records):
        theme = existing.get(record.code) or Theme(code=record.code)
        theme.name, theme.audience = record.name, Audience(record.audience)
        theme.description, theme.position = record.description, position
        db.session.add(theme)


def import_catalog(raw: object, actor: str, advance: Advance = no_progress) -> ImportReport:
    """Publish a catalog document all-or-nothing, with an audit record in the same transaction.

    ``advance(1)`` is called as each record is published (a progress bar's).

    :raises CatalogImportError: listing every invalid field; nothing is written.
    """
    try:
        report = import_document(raw, advance)
        record_event(
            actor,
            "catalog.import",
            created=report.created,
            updated=report.updated,
            unchanged=len(report.unchanged),
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


def export_catalog() -> dict:
    """Every current item record as one catalog document (the import's format)."""
    versions = db.session.scalars(
        _current_versions()
        .options(
            joinedload(ItemVersion.item),
            joinedload(ItemVersion.result_license_type),
            selectinload(ItemVersion.materials).joinedload(Material.license_type),
            selectinload(ItemVersion.themes),
            selectinload(ItemVersion.units),
        )
        .order_by(ServiceItem.code)
    )
    return {
        "format": FORMAT,
        "items": [version_to_record(v).model_dump(mode="json") for v in versions],
    }


def units_by_level(version: ItemVersion) -> dict[UnitLevel, list[Unit]]:
    """The implementing units of a version grouped by level, in display order."""
    grouped: dict[UnitLevel, list[Unit]] = {}
    for unit in version.units:
        grouped.setdefault(unit.level, []).append(unit)
    return grouped
