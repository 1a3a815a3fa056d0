"""Publishing item records as immutable versions, and the catalog's import and export."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import joinedload

from ..clock import now
from ..common.bulkimport import Advance, no_progress
from ..common.messages import VALIDATION_MESSAGES
from ..common.validation import Problem, problems_from
from ..extensions import db
from ..organisations.models import Unit
from .constants import Audience, VersionStatus
from .models import ItemVersion, LicenseType, Material, ServiceItem, Theme
from .schema import CatalogDocument, ItemRecord, MaterialRecord, ResultRecord, VisitRecord
from .search import build_search_text


class CatalogImportError(Exception):
    """A catalog document was refused; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the catalog document")
        self.problems = problems


@dataclass
class ImportReport:
    """What an accepted import did, item code by item code."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _References:
    units: dict[str, Unit]
    themes: dict[str, Theme]
    license_types: dict[str, LicenseType]

    @classmethod
    def load(cls) -> _References:
        return cls(
            units={unit.code: unit for unit in db.session.scalars(sa.select(Unit))},
            themes={theme.code: theme for theme in db.session.scalars(sa.select(Theme))},
            license_types={lt.code: lt for lt in db.session.scalars(sa.select(LicenseType))},
        )


def canonical(record: ItemRecord) -> ItemRecord:
    """The record with its unordered lists sorted, so equal content hashes equally."""
    return record.model_copy(
        update={"themes": sorted(set(record.themes)), "units": sorted(set(record.units))}
    )


def content_hash(record: ItemRecord) -> str:
    """SHA-256 of the canonical record's JSON."""
    return hashlib.sha256(canonical(record).model_dump_json().encode()).hexdigest()


def _message(key: str, **values: str) -> str:
    return VALIDATION_MESSAGES[key].format(**values)


def _reference_problems(base: str, record: ItemRecord, refs: _References) -> list[Problem]:
    """Cross references to check against the database; paths start with `base` ("" or
    "items[3]")."""
    base = f"{base}." if base else ""
    problems = [
        Problem(f"{base}units[{i}]", _message("unknown_unit", code=code))
        for i, code in enumerate(record.units)
        if code not in refs.units
    ]
    for i, code in enumerate(record.themes):
        theme = refs.themes.get(code)
        if theme is None:
            problems.append(Problem(f"{base}themes[{i}]", _message("unknown_theme", code=code)))
        elif record.audience is not Audience.BOTH and theme.audience != record.audience:
            problems.append(
                Problem(f"{base}themes[{i}]", _message("theme_audience_mismatch", name=theme.name))
            )
    for i, material in enumerate(record.materials):
        if material.license_type and material.license_type not in refs.license_types:
            problems.append(
                Problem(
                    f"{base}materials[{i}].license_type",
                    _message("unknown_license_type", code=material.license_type),
                )
            )
    result_type = record.result.license_type
    if result_type and result_type not in refs.license_types:
        problems.append(
            Problem(
                f"{base}result.license_type", _message("unknown_license_type", code=result_type)
            )
        )
    return problems


def validate_document(raw: object) -> tuple[CatalogDocument, _References]:
    """Validate a whole document against the schema and the database's reference data.

    :raises CatalogImportError: with every problem found, each naming its field.
    """
    if not isinstance(raw, dict):
        raise CatalogImportError([Problem("", VALIDATION_MESSAGES["not_a_json_object"])])
    try:
        document = CatalogDocument.model_validate(raw)
    except ValidationError as error:
        raise CatalogImportError(problems_from(error)) from None
    refs = _References.load()
    problems = [
        problem
        for index, record in enumerate(document.items)
        for problem in _reference_problems(f"items[{index}]", record, refs)
    ]
    if problems:
        raise CatalogImportError(problems)
    return document, refs


def validate_item(raw: object) -> tuple[ItemRecord, _References]:
    """Validate one item record (as an editor saved it) exactly as an import validates each:
    the schema, then the database's reference data. Paths name the record's own fields.

    :raises CatalogImportError: with every problem found.
    """
    try:
        record = ItemRecord.model_validate(raw)
    except ValidationError as error:
        raise CatalogImportError(problems_from(error)) from None
    refs = _References.load()
    problems = _reference_problems("", record, refs)
    if problems:
        raise CatalogImportError(problems)
    return record, refs


def preview_version(record: ItemRecord, refs: _References, number: int) -> ItemVersion:
    """The version `record` would publish as number `number`, built in memory and never added
    to the session: what the editor's preview shows."""
    version = _new_version(ServiceItem(code=record.code, created_at=now()), record, refs)
    version.number = number
    return version


def _new_version(item: ServiceItem, record: ItemRecord, refs: _References) -> ItemVersion:
    record = canonical(record)
    number = (item.current_version.number + 1) if item.current_version else 1
    return ItemVersion(
        item=item,
        number=number,
        status=VersionStatus.PUBLISHED,
        published_at=now(),
        content_hash=content_hash(record),
        name=record.name,
        kind=record.kind,
        is_approval=record.is_approval,
        audience=record.audience,
        summary=record.summary,
        keywords=list(record.keywords),
        legal_basis=record.legal_basis,
        conditions=list(record.conditions),
        is_free=record.is_free,
        fee_description=record.fee_description,
        legal_time_limit_days=record.legal_time_limit_days,
        promised_time_limit_days=record.promised_time_limit_days,
        required_visits=record.required_visits,
        online_stages=[stage.value for stage in record.online_stages],
        is_full_online=ItemVersion.stages_are_full_online(record.online_stages),
        mobile_enabled=record.mobile_enabled,
        min_real_name_level=record.min_real_name_level,
        allows_tolerant_acceptance=record.allows_tolerant_acceptance,
        form_fields=[f.model_dump(mode="json", exclude_none=True) for f in record.form_fields],
        result_type=record.result.type,
        result_name=record.result.name,
        result_license_type=refs.license_types.get(record.result.license_type or ""),
        result_delivery=[d.value for d in record.result.delivery],
        visit=record.visit.model_dump(mode="json") if record.visit else None,
        contact_phone=record.contact_phone,
        business_manual=[
            s.model_dump(mode="json", exclude_none=True) for s in record.business_manual
        ],
        popular_rank=record.popular_rank,
        search_text=build_search_text(record.name, list(record.keywords)),
        themes=[refs.themes[code] for code in record.themes],
        units=[refs.units[code] for code in record.units],
        materials=[
            Material(
                position=position,
                name=m.name,
                required=m.required,
                form=m.form,
                count=m.count,
                notes=m.notes,
                license_type=refs.license_types.get(m.license_type or ""),
            )
            for position, m in enumerate(record.materials)
        ],
    )


def publish_record(record: ItemRecord, refs: _References, items: dict[str, ServiceItem]) -> str:
    """Publish `record` as the item's next version unless it equals the current one.

    Returns ``created``, ``updated`` or ``unchanged``. The caller commits.
    """
    item = items.get(record.code)
    if item is None:
        item = ServiceItem(code=record.code, created_at=now())
        db.session.add(item)
        outcome = "created"
    elif item.current_version and item.current_version.content_hash == content_hash(record):
        return "unchanged"
    else:
        outcome = "updated"
    if item.current_version is not None:
        item.current_version.status = VersionStatus.SUPERSEDED
    version = _new_version(item, record, refs)
    db.session.add(version)
    item.current_version = version
    return outcome


def import_document(raw: object, advance: Advance = no_progress) -> ImportReport:
    """Validate and publish a whole catalog document in one transaction, or nothing at all.

    ``advance(1)`` is called as each record is published (a progress bar's).

    :raises CatalogImportError: when any record is invalid; the database is untouched.
    """
    document, refs = validate_document(raw)
    items = {
        item.code: item
        for item in db.session.scalars(
            sa.select(ServiceItem).options(joinedload(ServiceItem.current_version))
        )
    }
    report = ImportReport()
    for record in document.items:
        getattr(report, publish_record(record, refs, items)).append(record.code)
        advance(1)
    return report


def version_to_record(version: ItemVersion) -> ItemRecord:
    """Rebuild the interchange record of a published version (for export and comparison)."""
    return ItemRecord(
        code=version.item.code,
        name=version.name,
        kind=version.kind,
        is_approval=version.is_approval,
        audience=version.audience,
        themes=sorted(theme.code for theme in version.themes),
        units=sorted(unit.code for unit in version.units),
        keywords=version.keywords,
        summary=version.summary,
        legal_basis=version.legal_basis,
        conditions=version.conditions,
        materials=[
            MaterialRecord(
                name=m.name,
                required=m.required,
                form=m.form,
                count=m.count,
                notes=m.notes,
                license_type=m.license_type.code if m.license_type else None,
            )
            for m in version.materials
        ],
        is_free=version.is_free,
        fee_description=version.fee_description,
        legal_time_limit_days=version.legal_time_limit_days,
        promised_time_limit_days=version.promised_time_limit_days,
        required_visits=version.required_visits,
        online_stages=version.online_stages,
        mobile_enabled=version.mobile_enabled,
        min_real_name_level=version.min_real_name_level,
        allows_tolerant_acceptance=version.allows_tolerant_acceptance,
        form_fields=version.form_fields,
        result=ResultRecord(
            type=version.result_type,
            name=version.result_name,
            license_type=(
                version.result_license_type.code if version.result_license_type else None
            ),
            delivery=version.result_delivery,
        ),
        visit=VisitRecord(**version.visit) if version.visit else None,
        contact_phone=version.contact_phone,
        business_manual=version.business_manual,
        popular_rank=version.popular_rank,
    )
