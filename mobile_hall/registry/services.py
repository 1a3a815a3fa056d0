"""The district office keeps the reference data: units and their service points, the towns'
yearly figures, themes, licence types and the home page's one-stop entries.

Only the office may change them (checked here, whatever a URL carries). Every change is
validated by the reference file's own schema, so no route writes what the import would refuse;
it commits together with its audit record and an entry of the record's history (who, when, the
values before and after). The public pages show the current values; the catalog's change token
(`common.freshness`) renews them when the change commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from ..audit.services import record_event
from ..catalog import services as catalog_services
from ..catalog.constants import Audience
from ..catalog.models import LicenseType, Theme
from ..catalog.schema import ThemeRecord
from ..clock import now
from ..common.errors import NotFound
from ..common.messages import VALIDATION_MESSAGES
from ..common.validation import problems_from
from ..extensions import db
from ..identity.models import Account
from ..identity.services import require_role
from ..licenses.schema import LicenseTypeRecord
from ..organisations import services as organisations_services
from ..organisations.constants import UnitLevel
from ..organisations.models import ServiceLocation, Unit, UnitFigure
from ..organisations.schema import PARENT_LEVELS, FigureRecord, LocationRecord, UnitRecord
from .constants import EntryTarget, RecordKind
from .models import OneStopEntry, ReferenceChange
from .schema import EntryRecord

Record = TypeVar("Record", bound=BaseModel)
Changed = TypeVar("Changed")


class RecordNotFound(NotFound):
    """No reference record has that code."""


class RecordInvalid(Exception):
    """A change was refused; `errors` maps each form field to its Chinese messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def require_office(actor: Account | None) -> None:
    """Refuse anyone but the district office.

    :raises NotAuthorized: otherwise.
    """
    require_role(actor)


def _validated(model: type[Record], values: dict[str, Any], whole: str) -> Record:
    """The record, or RecordInvalid naming each field; a rule of the whole record (no field)
    is shown beside `whole`."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        errors: dict[str, list[str]] = {}
        for problem in problems_from(error):
            errors.setdefault(problem.path.split(".")[0] or whole, []).append(problem.message)
        raise RecordInvalid(errors) from None


def _refuse(field: str, key: str, **values: object) -> RecordInvalid:
    return RecordInvalid({field: [VALIDATION_MESSAGES[key].format(**values)]})


def _commit_change(
    actor: Account,
    kind: RecordKind,
    key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> bool:
    """Commit the change with its history entry and audit record; False when nothing changed."""
    if before == after:
        db.session.rollback()
        return False
    reference = f"account:{actor.id}"
    db.session.add(
        ReferenceChange(
            kind=kind,
            key=key,
            changed_at=now(),
            actor=reference,
            actor_name=actor.name,
            before=before,
            after=after,
        )
    )
    db.session.flush()
    record_event(
        reference, f"reference.{kind.value}", f"{kind.value}:{key}", before=before, after=after
    )
    db.session.commit()
    return True


def _guarded(change: Callable[[], Changed]) -> Changed:
    """Run a change; roll it back on any failure (a refusal included)."""
    try:
        return change()
    except BaseException:
        db.session.rollback()
        raise


Coded = TypeVar("Coded", Unit, Theme, LicenseType, OneStopEntry)
Row = TypeVar("Row")


def _read(query: sa.Select[Row], lock: bool) -> Row | None:
    """The query's row; with `lock`, reread under a row lock held until the change commits.

    The edit pages load the record before the save locks it: `populate_existing` overwrites
    that object with the locked row, so a change another clerk committed meanwhile shows in
    the history's "before" and is not taken for "nothing changed".
    """
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _by_code(actor: Account, model: type[Coded], code: str, lock: bool) -> Coded:
    """One record by code (district office only), under a row lock when it is about to change.

    :raises RecordNotFound: for an unknown code.
    """
    require_office(actor)
    query = sa.select(model).where(model.code == code)
    row = _read(query, lock)
    if row is None:
        raise RecordNotFound(code)
    return row


def _refuse_taken(model: type[Coded], code: str) -> None:
    """Refuse a new record whose code another record holds."""
    if db.session.scalar(sa.select(model.id).where(model.code == code)) is not None:
        raise _refuse("code", "duplicate_code", code=code)


def _next_position(model: type[Unit] | type[Theme] | type[OneStopEntry]) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.position))) or 0) + 1


def history(actor: Account, kind: RecordKind, key: str) -> list[ReferenceChange]:
    """A record's changes by the office, newest first (district office only)."""
    require_office(actor)
    return list(
        db.session.scalars(
            sa.select(ReferenceChange)
            .where(ReferenceChange.kind == kind, ReferenceChange.key == key)
            .order_by(ReferenceChange.changed_at.desc(), ReferenceChange.id.desc())
        )
    )


# --- units ---------------------------------------------------------------------------------


def list_units(actor: Account) -> list[Unit]:
    """Every unit in display order (district office only)."""
    require_office(actor)
    return list(db.session.scalars(sa.select(Unit).order_by(Unit.position, Unit.id)))


def get_unit(actor: Account, code: str, lock: bool = False) -> Unit:
    """One unit by code, under a row lock when it is about to change (district office only).

    :raises RecordNotFound: for an unknown code.
    """
    return _by_code(actor, Unit, code, lock)


def unit_values(unit: Unit) -> dict[str, Any]:
    """A unit's fields as the reference file writes them (the history's values)."""
    return {
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "level": unit.level.value,
        "parent": unit.parent.code if unit.parent else None,
        "credit_code": unit.credit_code,
        "address": unit.address,
        "hours": unit.hours,
        "phone": unit.phone,
    }


def _check_unit(record: UnitRecord, unit: Unit | None) -> Unit | None:
    """The record's parent; refuses an unknown or ill-fitting parent, a taken code or credit
    code, and a level change of a unit with sub-units."""
    if unit is None:
        _refuse_taken(Unit, record.code)
    parent = None
    if record.parent is not None:
        parent = db.session.scalar(sa.select(Unit).where(Unit.code == record.parent))
        if parent is None:
            raise _refuse("parent", "unknown_unit", code=record.parent)
        if parent.level not in PARENT_LEVELS[record.level] or parent is unit:
            raise _refuse("parent", "parent_level_mismatch")
    if record.credit_code:
        holder = db.session.scalar(sa.select(Unit).where(Unit.credit_code == record.credit_code))
        if holder is not None and holder is not unit:
            raise _refuse("credit_code", "duplicate_code", code=record.credit_code)
    if unit is not None and unit.level != record.level and unit.children:
        raise _refuse("level", "unit_has_children")
    return parent


def save_unit(actor: Account, code: str | None, values: dict[str, Any]) -> Unit:
    """Create a unit (`code` None) or change one, audited and kept in its history.

    :raises NotAuthorized: for anyone but the district office.
    :raises RecordNotFound: for an unknown `code`.
    :raises RecordInvalid: naming each field at fault; nothing is written.
    """
    unit = get_unit(actor, code, lock=True) if code else None
    record = _validated(
        UnitRecord,
        {
            **values,
            "code": code or values.get("code"),
            "credit_code": values.get("credit_code") or None,
        },
        whole="parent",
    )

    def change() -> Unit:
        parent = _check_unit(record, unit)
        before = unit_values(unit) if unit else None
        changed = unit or Unit(code=record.code, position=_next_position(Unit))
        db.session.add(changed)
        changed.parent = parent
        for name in ("name", "short_name", "level", "credit_code", "address", "hours", "phone"):
            setattr(changed, name, getattr(record, name))
        _commit_change(actor, RecordKind.UNIT, record.code, before, unit_values(changed))
        return changed

    return _guarded(change)


# --- service points and registration points ---------------------------------------------------


def location_values(location: ServiceLocation) -> dict[str, Any]:
    """A service point's fields as the reference file writes them."""
    return {
        "name": location.name,
        "address": location.address,
        "hours": location.hours,
        "phone": location.phone,
        "registration_point": location.is_registration_point,
    }


def location_key(unit: Unit, location_id: int) -> str:
    """The history's key of a service point."""
    return f"{unit.code}#{location_id}"


def figure_key(unit_code: str, year: int) -> str:
    """The history's key of a town's figures of one year."""
    return f"{unit_code}@{year}"


def get_location(actor: Account, unit: Unit, location_id: int, lock: bool = False):
    """One service point of `unit` (district office only).

    :raises RecordNotFound: if the unit has no such point.
    """
    require_office(actor)
    query = sa.select(ServiceLocation).where(
        ServiceLocation.id == location_id, ServiceLocation.unit_id == unit.id
    )
    location = _read(query, lock)
    if location is None:
        raise RecordNotFound(str(location_id))
    return location


def save_location(
    actor: Account, unit_code: str, location_id: int | None, values: dict[str, Any]
) -> ServiceLocation:
    """Add a service point to a unit (`location_id` None) or change one, audited.

    :raises NotAuthorized: for anyone but the district office.
    :raises RecordNotFound: for an unknown unit or point.
    :raises RecordInvalid: naming each field at fault.
    """
    unit = get_unit(actor, unit_code, lock=True)
    location = get_location(actor, unit, location_id, lock=True) if location_id else None
    record = _validated(LocationRecord, values, whole="name")

    def change() -> ServiceLocation:
        before = location_values(location) if location else None
        changed = location or ServiceLocation(unit=unit, position=len(unit.locations))
        db.session.add(changed)
        changed.name, changed.address = record.name, record.address
        changed.hours, changed.phone = record.hours, record.phone
        changed.is_registration_point = record.registration_point
        db.session.flush()
        key = location_key(unit, changed.id)
        _commit_change(actor, RecordKind.LOCATION, key, before, location_values(changed))
        return changed

    return _guarded(change)


def delete_location(actor: Account, unit_code: str, location_id: int) -> None:
    """Remove a service point that closed, audited (its history keeps what it was)."""
    unit = get_unit(actor, unit_code, lock=True)
    location = get_location(actor, unit, location_id, lock=True)

    def change() -> bool:
        before = location_values(location)
        db.session.delete(location)
        return _commit_change(
            actor, RecordKind.LOCATION, location_key(unit, location_id), before, None
        )

    _guarded(change)


# --- the towns' yearly figures -----------------------------------------------------------------


@dataclass(frozen=True)
class TownFigures:
    """A town and its figures of one year (None: not entered yet)."""

    town: Unit
    figure: UnitFigure | None


def figures_of_year(actor: Account, year: int) -> list[TownFigures]:
    """Every town with its figures of `year` (district office only)."""
    require_office(actor)
    towns = organisations_services.list_units(UnitLevel.TOWN)
    entered = {
        row.unit_id: row
        for row in db.session.scalars(sa.select(UnitFigure).where(UnitFigure.year == year))
    }
    return [TownFigures(town, entered.get(town.id)) for town in towns]


def figure_values(figure: UnitFigure | None) -> dict[str, Any] | None:
    """A year's figures as the history keeps them."""
    if figure is None:
        return None
    return {"population": figure.population, "enterprise_count": figure.enterprise_count}


def get_figure(
    actor: Account, unit_code: str, year: int, lock: bool = False
) -> tuple[Unit, UnitFigure | None]:
    """A town and its figures of `year` (None when not entered yet).

    :raises RecordNotFound: for a code that is not a town's.
    """
    unit = get_unit(actor, unit_code, lock=lock)
    if unit.level is not UnitLevel.TOWN:
        raise RecordNotFound(unit_code)
    query = sa.select(UnitFigure).where(UnitFigure.unit_id == unit.id, UnitFigure.year == year)
    return unit, _read(query, lock)


def save_figure(actor: Account, unit_code: str, year: int, values: dict[str, Any]) -> UnitFigure:
    """Enter or correct a town's resident population and registered enterprises of a year.

    :raises NotAuthorized: for anyone but the district office.
    :raises RecordNotFound: for a code that is not a town's.
    :raises RecordInvalid: naming each field at fault.
    """
    unit, figure = get_figure(actor, unit_code, year, lock=True)
    record = _validated(FigureRecord, {**values, "unit": unit_code, "year": year}, "population")

    def change() -> UnitFigure:
        before = figure_values(figure)
        changed = figure or UnitFigure(unit=unit, year=year)
        db.session.add(changed)
        changed.population, changed.enterprise_count = record.population, record.enterprise_count
        key = figure_key(unit_code, year)
        _commit_change(actor, RecordKind.FIGURE, key, before, figure_values(changed))
        return changed

    return _guarded(change)


# --- themes ----------------------------------------------------------------------------------


def list_themes(actor: Account) -> list[Theme]:
    """Every theme in display order (district office only)."""
    require_office(actor)
    return catalog_services.list_themes()


def get_theme(actor: Account, code: str, lock: bool = False) -> Theme:
    """One theme by code.

    :raises RecordNotFound: for an unknown code.
    """
    return _by_code(actor, Theme, code, lock)


def theme_values(theme: Theme) -> dict[str, Any]:
    """A theme's fields as the reference file writes them."""
    return {
        "code": theme.code,
        "name": theme.name,
        "audience": theme.audience.value,
        "description": theme.description,
    }


def save_theme(actor: Account, code: str | None, values: dict[str, Any]) -> Theme:
    """Create a theme (`code` None) or change one, audited.

    :raises RecordInvalid: naming each field at fault.
    """
    theme = get_theme(actor, code, lock=True) if code else None
    record = _validated(ThemeRecord, {**values, "code": code or values.get("code")}, "name")

    def change() -> Theme:
        if theme is None:
            _refuse_taken(Theme, record.code)
        before = theme_values(theme) if theme else None
        changed = theme or Theme(code=record.code, position=_next_position(Theme))
        db.session.add(changed)
        changed.name, changed.audience = record.name, Audience(record.audience)
        changed.description = record.description
        _commit_change(actor, RecordKind.THEME, record.code, before, theme_values(changed))
        return changed

    return _guarded(change)


# --- licence types ---------------------------------------------------------------------------


def list_license_types(actor: Account) -> list[LicenseType]:
    """Every licence type by code (district office only)."""
    require_office(actor)
    return list(db.session.scalars(sa.select(LicenseType).order_by(LicenseType.code)))


def get_license_type(actor: Account, code: str, lock: bool = False) -> LicenseType:
    """One licence type by code.

    :raises RecordNotFound: for an unknown code.
    """
    return _by_code(actor, LicenseType, code, lock)


def license_type_values(license_type: LicenseType) -> dict[str, Any]:
    """A licence type's fields the office edits (its data fields come with the import)."""
    return {
        "code": license_type.code,
        "name": license_type.name,
        "issuing_unit": license_type.issuing_unit.code,
        "holder_type": license_type.holder_type,
        "validity_years": license_type.validity_years,
    }


def save_license_type(actor: Account, code: str, values: dict[str, Any]) -> LicenseType:
    """Change a licence type's name, issuing unit, holder and validity, audited.

    :raises RecordInvalid: naming each field at fault.
    """
    license_type = get_license_type(actor, code, lock=True)
    record = _validated(
        LicenseTypeRecord,
        {
            **values,
            "code": code,
            "fields": license_type.fields,
            "validity_years": values.get("validity_years") or None,
        },
        "name",
    )

    def change() -> LicenseType:
        issuer = db.session.scalar(sa.select(Unit).where(Unit.code == record.issuing_unit))
        if issuer is None:
            raise _refuse("issuing_unit", "unknown_unit", code=record.issuing_unit)
        before = license_type_values(license_type)
        license_type.name, license_type.issuing_unit = record.name, issuer
        license_type.holder_type = record.holder_type
        license_type.validity_years = record.validity_years
        after = license_type_values(license_type)
        _commit_change(actor, RecordKind.LICENSE_TYPE, code, before, after)
        return license_type

    return _guarded(change)


# --- one-stop entries ------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLink:
    """A one-stop entry as the home page links it: the item list's filters, or an address."""

    code: str
    name: str
    description: str
    filters: dict[str, str]
    address: str | None = None


def one_stop_entries() -> list[EntryLink]:
    """The home page's one-stop entries in order, each with where it leads (public)."""
    entries = list(db.session.scalars(sa.select(OneStopEntry).order_by(OneStopEntry.position)))
    unit_codes = [entry.value for entry in entries if entry.target is EntryTarget.UNIT]
    levels = {
        code: level
        for code, level in db.session.execute(
            sa.select(Unit.code, Unit.level).where(Unit.code.in_(unit_codes))
        )
    }
    links = []
    for entry in entries:
        if entry.target is EntryTarget.LINK:
            links.append(EntryLink(entry.code, entry.name, entry.description, {}, entry.value))
        elif entry.target is EntryTarget.UNIT:
            key = "town" if levels.get(entry.value) is UnitLevel.TOWN else "department"
            links.append(EntryLink(entry.code, entry.name, entry.description, {key: entry.value}))
        else:
            filters = {entry.target.value: entry.value}
            links.append(EntryLink(entry.code, entry.name, entry.description, filters))
    return links


def linked_entry(code: str) -> EntryLink:
    """A one-stop entry that leads to another body's site (public).

    :raises RecordNotFound: for an unknown code or an entry that filters the catalog.
    """
    entry = db.session.scalar(
        sa.select(OneStopEntry).where(
            OneStopEntry.code == code, OneStopEntry.target == EntryTarget.LINK
        )
    )
    if entry is None:
        raise RecordNotFound(code)
    return EntryLink(entry.code, entry.name, entry.description, {}, entry.value)


def list_entries(actor: Account) -> list[OneStopEntry]:
    """Every one-stop entry in order (district office only)."""
    require_office(actor)
    return list(db.session.scalars(sa.select(OneStopEntry).order_by(OneStopEntry.position)))


def get_entry(actor: Account, code: str, lock: bool = False) -> OneStopEntry:
    """One entry by code.

    :raises RecordNotFound: for an unknown code.
    """
    return _by_code(actor, OneStopEntry, code, lock)


def entry_values(entry: OneStopEntry) -> dict[str, Any]:
    """An entry's fields as the reference file writes them."""
    return {
        "code": entry.code,
        "name": entry.name,
        "description": entry.description,
        "target": entry.target.value,
        "value": entry.value,
    }


def save_entry(actor: Account, code: str | None, values: dict[str, Any]) -> OneStopEntry:
    """Create a one-stop entry (`code` None) or change one, audited.

    :raises RecordInvalid: naming each field at fault (an unknown theme or unit too).
    """
    entry = get_entry(actor, code, lock=True) if code else None
    record = _validated(EntryRecord, {**values, "code": code or values.get("code")}, "value")

    def change() -> OneStopEntry:
        if entry is None:
            _refuse_taken(OneStopEntry, record.code)
        if record.target is EntryTarget.THEME and not db.session.scalar(
            sa.select(Theme.id).where(Theme.code == record.value)
        ):
            raise _refuse("value", "unknown_theme", code=record.value)
        if record.target is EntryTarget.UNIT and not db.session.scalar(
            sa.select(Unit.id).where(Unit.code == record.value)
        ):
            raise _refuse("value", "unknown_unit", code=record.value)
        before = entry_values(entry) if entry else None
        changed = entry or OneStopEntry(code=record.code, position=_next_position(OneStopEntry))
        db.session.add(changed)
        changed.name, changed.description = record.name, record.description
        changed.target, changed.value = record.target, record.value
        _commit_change(actor, RecordKind.ENTRY, record.code, before, entry_values(changed))
        return changed

    return _guarded(change)


@dataclass(frozen=True)
class Overview:
    """How much the registry holds, for the office's index page."""

    units: int
    locations: int
    registration_points: int
    themes: int
    license_types: int
    entries: int
    figure_years: list[int]


def overview(actor: Account) -> Overview:
    """Counts of every kind of reference record (district office only)."""
    require_office(actor)

    def count(query: sa.Select) -> int:
        return db.session.scalar(query) or 0

    return Overview(
        units=count(sa.select(sa.func.count(Unit.id))),
        locations=count(sa.select(sa.func.count(ServiceLocation.id))),
        registration_points=count(
            sa.select(sa.func.count(ServiceLocation.id)).where(
                ServiceLocation.is_registration_point.is_(True)
            )
        ),
        themes=count(sa.select(sa.func.count(Theme.id))),
        license_types=count(sa.select(sa.func.count(LicenseType.id))),
        entries=count(sa.select(sa.func.count(OneStopEntry.id))),
        figure_years=list(
            db.session.scalars(sa.select(UnitFigure.year).distinct().order_by(UnitFigure.year))
        ),
    )
