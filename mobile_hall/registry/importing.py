"""The reference-data file in and out: validated all-or-nothing, then written in one
transaction with its audit record, like the catalog's import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import selectinload

from ..audit.services import record_event
from ..catalog.models import LicenseType, Theme
from ..catalog.services import list_themes, upsert_themes
from ..common.bulkimport import Advance, no_progress
from ..common.messages import VALIDATION_MESSAGES
from ..common.validation import Problem, problems_from
from ..extensions import db
from ..licenses.services import upsert_license_types
from ..organisations.constants import UnitLevel
from ..organisations.models import Unit, UnitFigure
from ..organisations.schema import PARENT_LEVELS
from ..organisations.services import upsert_figures, upsert_units
from .models import OneStopEntry
from .schema import FORMAT, EntryRecord, ReferenceDocument
from .services import (
    entry_values,
    license_type_values,
    location_values,
    theme_values,
    unit_values,
)

SECTIONS = ("units", "figures", "themes", "license_types", "entries")


class ReferenceImportError(Exception):
    """A reference file was refused; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the reference file")
        self.problems = problems


@dataclass
class ReferenceSummary:
    """What an accepted import did, per section: how many records were new, how many known."""

    created: dict[str, int] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)


def _message(key: str, **values: object) -> str:
    return VALIDATION_MESSAGES[key].format(**values)


def _duplicates(
    section: str,
    keys: list[Any],
    column: str = "code",
    describe: Callable[[Any], str] = lambda key: _message("duplicate_code", code=key),
) -> list[Problem]:
    """A problem at each row whose key an earlier row of `section` already had."""
    seen: set[object] = set()
    problems = []
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key in seen:
            problems.append(Problem(f"{section}[{index}].{column}", describe(key)))
        seen.add(key)
    return problems


def _unit_problems(document: ReferenceDocument, levels: dict[str, UnitLevel]) -> list[Problem]:
    """Parents known (in the database or earlier in the file) and of a fitting level."""
    problems: list[Problem] = []
    known = dict(levels)
    for index, unit in enumerate(document.units):
        if unit.parent is not None:
            later = any(other.code == unit.parent for other in document.units[index + 1 :])
            parent_level = known.get(unit.parent)
            path = f"units[{index}].parent"
            if parent_level is None and later:
                problems.append(Problem(path, _message("parent_after_child", code=unit.parent)))
            elif parent_level is None:
                problems.append(Problem(path, _message("unknown_unit", code=unit.parent)))
            elif parent_level not in PARENT_LEVELS[unit.level]:
                problems.append(Problem(path, _message("parent_level_mismatch")))
        known[unit.code] = unit.level
    problems += _duplicates("units", [unit.code for unit in document.units])
    problems += _duplicates(
        "units", [unit.credit_code for unit in document.units], column="credit_code"
    )
    return problems


def _figure_problems(document: ReferenceDocument, levels: dict[str, UnitLevel]) -> list[Problem]:
    problems: list[Problem] = []
    for index, figure in enumerate(document.figures):
        level = levels.get(figure.unit)
        if level is None:
            problems.append(
                Problem(f"figures[{index}].unit", _message("unknown_unit", code=figure.unit))
            )
        elif level is not UnitLevel.TOWN:
            problems.append(
                Problem(
                    f"figures[{index}].unit", _message("figures_only_for_towns", code=figure.unit)
                )
            )
    return problems + _duplicates(
        "figures",
        [(figure.unit, figure.year) for figure in document.figures],
        "year",
        lambda key: _message("duplicate_figure", code=key[0], year=key[1]),
    )


def _entry_problems(entries: list[EntryRecord], units: set[str], themes: set[str]) -> list[Problem]:
    problems = []
    for index, entry in enumerate(entries):
        if entry.target == "unit" and entry.value not in units:
            problems.append(
                Problem(f"entries[{index}].value", _message("unknown_unit", code=entry.value))
            )
        if entry.target == "theme" and entry.value not in themes:
            problems.append(
                Problem(f"entries[{index}].value", _message("unknown_theme", code=entry.value))
            )
    return problems + _duplicates("entries", [entry.code for entry in entries])


def validate_reference(raw: object) -> ReferenceDocument:
    """Validate a whole file against the schema and against itself and the database.

    :raises ReferenceImportError: with every problem found, each naming its row and column.
    """
    if not isinstance(raw, dict):
        raise ReferenceImportError([Problem("", VALIDATION_MESSAGES["not_a_json_object"])])
    try:
        document = ReferenceDocument.model_validate(raw)
    except ValidationError as error:
        raise ReferenceImportError(problems_from(error)) from None
    levels = {code: level for code, level in db.session.execute(sa.select(Unit.code, Unit.level))}
    problems = _unit_problems(document, levels)
    levels.update({unit.code: unit.level for unit in document.units})
    problems += _figure_problems(document, levels)
    problems += [
        Problem(
            f"license_types[{index}].issuing_unit",
            _message("unknown_unit", code=license_type.issuing_unit),
        )
        for index, license_type in enumerate(document.license_types)
        if license_type.issuing_unit not in levels
    ]
    problems += _duplicates("themes", [theme.code for theme in document.themes])
    problems += _duplicates("license_types", [lt.code for lt in document.license_types])
    themes = set(db.session.scalars(sa.select(Theme.code))) | {t.code for t in document.themes}
    problems += _entry_problems(document.entries, set(levels), themes)
    if problems:
        raise ReferenceImportError(problems)
    return document


def upsert_entries(records: list[EntryRecord]) -> None:
    """Create or refresh one-stop entries by code, in the given order. The caller commits."""
    existing = {entry.code: entry for entry in db.session.scalars(sa.select(OneStopEntry))}
    for position, record in enumerate(records):
        entry = existing.get(record.code) or OneStopEntry(code=record.code)
        entry.name, entry.description = record.name, record.description
        entry.target, entry.value, entry.position = record.target, record.value, position
        db.session.add(entry)


def _known_codes(document: ReferenceDocument) -> dict[str, set[object]]:
    figures = db.session.execute(
        sa.select(Unit.code, UnitFigure.year).join(UnitFigure, UnitFigure.unit_id == Unit.id)
    )
    return {
        "units": set(db.session.scalars(sa.select(Unit.code))),
        "figures": {tuple(row) for row in figures},
        "themes": set(db.session.scalars(sa.select(Theme.code))),
        "license_types": set(db.session.scalars(sa.select(LicenseType.code))),
        "entries": set(db.session.scalars(sa.select(OneStopEntry.code))),
    }


def _keys(document: ReferenceDocument, section: str) -> list[object]:
    if section == "figures":
        return [(figure.unit, figure.year) for figure in document.figures]
    return [record.code for record in getattr(document, section)]


def import_reference(raw: object, actor: str, progress: Advance = no_progress) -> ReferenceSummary:
    """Write a reference file all-or-nothing, with an audit record in the same transaction.

    Records are created or refreshed by code; what the file does not name stays as it is.
    `progress` is told how many records each step wrote.

    :raises ReferenceImportError: listing every problem; nothing is written.
    """
    document = validate_reference(raw)
    summary = ReferenceSummary()
    try:
        known = _known_codes(document)
        for section in SECTIONS:
            keys = _keys(document, section)
            summary.created[section] = sum(1 for key in keys if key not in known[section])
            summary.known[section] = len(keys) - summary.created[section]
        # Units first: the figures, licence types and entries name them.
        upsert_units(list(document.units))
        db.session.flush()
        progress(len(document.units))
        upsert_figures(list(document.figures))
        progress(len(document.figures))
        upsert_themes(list(document.themes))
        progress(len(document.themes))
        upsert_license_types(list(document.license_types))
        progress(len(document.license_types))
        upsert_entries(list(document.entries))
        progress(len(document.entries))
        record_event(actor, "reference.import", created=summary.created, known=summary.known)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return summary


def record_count(raw: object) -> int:
    """How many records a file holds (the progress bar's length), before validating it."""
    if not isinstance(raw, dict):
        return 0
    return sum(len(raw[s]) for s in SECTIONS if isinstance(raw.get(s), list))


def export_reference() -> dict:
    """The registry as one reference file (the import's format)."""
    units = db.session.scalars(
        sa.select(Unit)
        .options(selectinload(Unit.parent), selectinload(Unit.locations))
        .order_by(Unit.position, Unit.id)
    )
    figures = db.session.execute(
        sa.select(Unit.code, UnitFigure)
        .join(UnitFigure, UnitFigure.unit_id == Unit.id)
        .order_by(Unit.position, UnitFigure.year)
    )
    license_types = db.session.scalars(
        sa.select(LicenseType)
        .options(selectinload(LicenseType.issuing_unit))
        .order_by(LicenseType.code)
    )
    return {
        "format": FORMAT,
        "units": [
            {
                **unit_values(unit),
                "locations": [location_values(location) for location in unit.locations],
            }
            for unit in units
        ],
        "figures": [
            {
                "unit": code,
                "year": figure.year,
                "population": figure.population,
                "enterprise_count": figure.enterprise_count,
            }
            for code, figure in figures
        ],
        "themes": [theme_values(theme) for theme in list_themes()],
        "license_types": [{**license_type_values(lt), "fields": lt.fields} for lt in license_types],
        "entries": [
            entry_values(entry)
            for entry in db.session.scalars(sa.select(OneStopEntry).order_by(OneStopEntry.position))
        ],
    }
