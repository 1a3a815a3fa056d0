"""Stock conversion (存量证照转化): paper licenses of one type, from a CSV file, into the library.

Columns (the header names them, in any order; see docs/licenses.md):

- ``holder_name``: the holder's name;
- ``holder_number``: the holder's ID number (a person's type) or credit code (an enterprise's);
- ``issuing_unit``: the issuing unit's code (e.g. ``QJ-SCJGJ``), a unit with a credit code;
- ``valid_from``: the issue date, ``YYYY-MM-DD``;
- ``valid_until`` (optional): the last valid day; empty: the type's validity rule;
- the type's data fields, by field name or by label (``uscc`` or ``统一社会信用代码``).

A fixed column also fills the type's data field of the same name (a marriage certificate's
``holder_name``, a permit's ``valid_until``). Every row is checked and every problem reported
with its row (the header is row 1) and column; valid rows are imported, or none of them when
``all_or_nothing`` is asked and any row is bad. ID numbers stay out of the report.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from ..audit.services import record_event
from ..catalog.models import LicenseType
from ..extensions import db
from ..organisations.models import Unit
from . import labels
from .constants import HolderKind, LicenseSource
from .issuance import (
    MAX_TEXT_LENGTH,
    Holder,
    LicenseRefused,
    content_hash,
    default_valid_until,
    find_duplicate,
    issue_license,
)

FIXED_COLUMNS = ("holder_name", "holder_number", "issuing_unit", "valid_from", "valid_until")
REQUIRED_COLUMNS = ("holder_name", "holder_number", "issuing_unit", "valid_from")


class LicenseImportError(Exception):
    """The file as a whole cannot be read: unknown type, bad header, not UTF-8."""


@dataclass(frozen=True)
class Problem:
    """One refusal of one row."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」：{self.message}"


@dataclass
class ImportReport:
    """What an import did: the rows read, the licenses made (row, identifier), the problems."""

    rows: int = 0
    imported: list[tuple[int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        """The rows with at least one problem."""
        return sorted({problem.row for problem in self.problems})


@dataclass
class _Row:
    number: int
    holder: Holder
    unit: Unit
    valid_from: date
    valid_until: date | None
    data: dict[str, str]


def _columns(license_type: LicenseType, header: list[str]) -> dict[str, str]:
    """Column name in the file → fixed column or data field name."""
    names = {spec["name"]: spec["name"] for spec in license_type.fields}
    names.update({spec["label"]: spec["name"] for spec in license_type.fields})
    names.update({column: column for column in FIXED_COLUMNS})
    if not header:
        raise LicenseImportError(labels.IMPORT_HEADER["empty"])
    mapping: dict[str, str] = {}
    for column in header:
        target = names.get(column.strip())
        if target is None:
            raise LicenseImportError(labels.IMPORT_HEADER["unknown_column"].format(column=column))
        if target in mapping.values():
            raise LicenseImportError(labels.IMPORT_HEADER["repeated_column"].format(column=column))
        mapping[column] = target
    for required in REQUIRED_COLUMNS:
        if required not in mapping.values():
            raise LicenseImportError(labels.IMPORT_HEADER["missing_column"].format(column=required))
    return mapping


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


class _RowReader:
    """Checks one row; collects its problems under the file's own column names."""

    def __init__(self, license_type: LicenseType, mapping: dict[str, str], units: dict) -> None:
        self.license_type = license_type
        self.columns = {target: column for column, target in mapping.items()}
        self.units = units

    def read(self, number: int, raw: dict[str, str], problems: list[Problem]) -> _Row | None:
        values = {
            target: (raw.get(column) or "").strip() for target, column in self.columns.items()
        }
        found: list[Problem] = []

        def refuse(target: str, code: str, **details: Any) -> None:
            found.append(
                Problem(number, self.columns[target], labels.IMPORT[code].format(**details))
            )

        for target in REQUIRED_COLUMNS:
            if not values.get(target):
                refuse(target, "missing")
        for target, text in values.items():
            if len(text) > MAX_TEXT_LENGTH:
                refuse(target, "too_long")
        holder = self._holder(values, refuse)
        unit = self.units.get(values.get("issuing_unit"))
        if values.get("issuing_unit") and unit is None:
            refuse("issuing_unit", "unknown_unit")
        start, end = self._dates(values, refuse)
        problems.extend(found)
        if found or holder is None or unit is None or start is None:  # each None refused above
            return None
        data = {spec["name"]: values.get(spec["name"], "") for spec in self.license_type.fields}
        for name, day in (("valid_from", start), ("valid_until", end)):
            if name in data and not data[name] and day is not None:
                data[name] = day.isoformat()
        return _Row(number, holder, unit, start, end, data)

    def _holder(self, values: dict[str, str], refuse) -> Holder | None:
        name, number = values.get("holder_name", ""), values.get("holder_number", "")
        if not name or not number:
            return None
        person = self.license_type.holder_type == HolderKind.PERSON.value
        try:
            return Holder.person(name, number) if person else Holder.enterprise(name, number)
        except LicenseRefused as refused:
            if str(refused) == "holder_name":
                refuse("holder_name", "too_long")
            else:
                refuse("holder_number", "bad_id_number" if person else "bad_credit_code")
            return None

    def _dates(self, values: dict[str, str], refuse) -> tuple[date | None, date | None]:
        start = _date(values.get("valid_from", ""))
        if values.get("valid_from") and start is None:
            refuse("valid_from", "bad_date")
        end_text = values.get("valid_until", "")
        end = _date(end_text) if end_text else None
        if end_text and end is None:
            refuse("valid_until", "bad_date")
        if start is not None and end is None and not end_text:
            end = default_valid_until(self.license_type, start)
        if start and end and end < start:
            refuse("valid_until", "dates")
        return start, end


def _duplicates(license_type: LicenseType, rows: list[_Row], problems: list[Problem]) -> list[_Row]:
    seen: dict[str, int] = {}
    kept: list[_Row] = []
    for row in rows:
        column = "holder_number"
        existing = find_duplicate(license_type, row.holder, row.data)
        digest = content_hash(license_type, row.holder, row.data)
        if existing is not None:
            message = labels.IMPORT["duplicate"].format(identifier=existing.identifier)
            problems.append(Problem(row.number, column, message))
        elif digest in seen:
            message = labels.IMPORT["duplicate_in_file"].format(row=seen[digest])
            problems.append(Problem(row.number, column, message))
        else:
            seen[digest] = row.number
            kept.append(row)
    return kept


def import_licenses(
    lines: Iterable[str], type_code: str, *, all_or_nothing: bool, actor: str
) -> ImportReport:
    """Check every row of a CSV file and import the valid ones (or none), audited and committed.

    :raises LicenseImportError: unknown type code, no header, an unknown or repeated column, a
        required column missing, or text that is not UTF-8.
    """
    license_type = db.session.scalar(sa.select(LicenseType).where(LicenseType.code == type_code))
    if license_type is None:
        raise LicenseImportError(labels.IMPORT_HEADER["unknown_type"].format(code=type_code))
    try:
        reader = csv.DictReader(lines)
        mapping = _columns(license_type, list(reader.fieldnames or []))
        # The line a record ends on: blank lines skipped by the reader still count.
        raws = [(reader.line_num, raw) for raw in reader]
    except UnicodeDecodeError:
        raise LicenseImportError(labels.IMPORT_HEADER["encoding"]) from None
    units = {
        u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.credit_code.is_not(None)))
    }
    checker = _RowReader(license_type, mapping, units)
    report = ImportReport(rows=len(raws))
    rows = [row for n, raw in raws if (row := checker.read(n, raw, report.problems))]
    rows = _duplicates(license_type, rows, report.problems)
    report.problems.sort(key=lambda problem: problem.row)
    if all_or_nothing and report.problems:
        return report
    for row in rows:
        license = issue_license(
            license_type,
            row.unit,
            row.holder,
            row.data,
            source=LicenseSource.IMPORTED,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
        )
        report.imported.append((row.number, license.identifier))
    record_event(
        actor,
        "licenses.import",
        target=f"license_type:{license_type.code}",
        rows=report.rows,
        imported=len(report.imported),
        refused_rows=report.bad_rows,
    )
    db.session.commit()
    return report
