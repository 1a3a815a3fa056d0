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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from ..audit.services import record_event
from ..catalog.models import LicenseType
from ..common.bulkimport import Advance, ProblemReport, RowProblem, batched, no_progress
from ..extensions import db
from ..organisations.models import Unit
from . import labels
from .constants import HolderKind, LicenseSource
from .issuance import (
    MAX_TEXT_LENGTH,
    Holder,
    LicenseRefused,
    LicenseRequest,
    content_hash,
    default_valid_until,
    issue_licenses,
    license_data,
)
from .models import License

FIXED_COLUMNS = ("holder_name", "holder_number", "issuing_unit", "valid_from", "valid_until")
REQUIRED_COLUMNS = ("holder_name", "holder_number", "issuing_unit", "valid_from")


class LicenseImportError(Exception):
    """The file as a whole cannot be read: unknown type, bad header, not UTF-8."""


@dataclass
class ImportReport:
    """What an import did: the rows read, the licenses made, the rows refused."""

    rows: int = 0
    imported: int = 0
    refused: int = 0


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

    def read(self, number: int, raw: dict[str, str], problems: list[RowProblem]) -> _Row | None:
        values = {
            target: (raw.get(column) or "").strip() for target, column in self.columns.items()
        }
        found: list[RowProblem] = []

        def refuse(target: str, code: str, **details: Any) -> None:
            found.append(
                RowProblem(number, self.columns[target], labels.IMPORT[code].format(**details))
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
        # The texts as the library keeps them (ID numbers masked), so that a repeat's content
        # hash is the stored licence's.
        return _Row(number, holder, unit, start, end, license_data(self.license_type, data))

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


class _Duplicates:
    """Refuses a row that repeats a license in the library or an earlier row of the file."""

    def __init__(self, license_type: LicenseType) -> None:
        self.license_type = license_type
        self.seen: dict[str, int] = {}  # content hash → row, for the rows kept so far

    def keep_new(self, rows: list[_Row], problems: list[RowProblem]) -> list[_Row]:
        digests = [content_hash(self.license_type, row.holder, row.data) for row in rows]
        existing = self._in_library(set(digests) - self.seen.keys())
        kept: list[_Row] = []
        for row, digest in zip(rows, digests, strict=True):
            if digest in self.seen:
                message = labels.IMPORT["duplicate_in_file"].format(row=self.seen[digest])
            elif digest in existing:
                message = labels.IMPORT["duplicate"].format(identifier=existing[digest])
            else:
                self.seen[digest] = row.number
                kept.append(row)
                continue
            problems.append(RowProblem(row.number, "holder_number", message))
        return kept

    def _in_library(self, digests: set[str]) -> dict[str, str]:
        if not digests:
            return {}
        query = sa.select(License.content_hash, License.identifier).where(
            License.license_type_id == self.license_type.id, License.content_hash.in_(digests)
        )
        return {digest: identifier for digest, identifier in db.session.execute(query)}


def _numbered(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, str]]]:
    # The line a record ends on: blank lines skipped by the reader still count.
    for raw in reader:
        yield reader.line_num, raw


def _issue(license_type: LicenseType, rows: list[_Row]) -> int:
    requests = [
        LicenseRequest(row.unit, row.holder, row.data, row.valid_from, row.valid_until)
        for row in rows
    ]
    return issue_licenses(license_type, requests, source=LicenseSource.IMPORTED)


def import_licenses(
    lines: Iterable[str],
    type_code: str,
    *,
    all_or_nothing: bool,
    actor: str,
    problems: ProblemReport,
    advance: Advance = no_progress,
) -> ImportReport:
    """Check every row of a CSV file and import the valid ones (or none), audited and committed.

    The file is read, checked and written `BATCH_ROWS` rows at a time in one transaction, so
    memory stays flat; each bad row goes to ``problems`` (in file order), ``advance(n)`` is
    called after each batch. With ``all_or_nothing``, writing stops at the first bad row and the
    transaction is rolled back at the end: nothing is imported, every row is still checked.

    :raises LicenseImportError: unknown type code, no header, an unknown or repeated column, a
        required column missing, or text that is not UTF-8 (nothing is imported).
    """
    license_type = db.session.scalar(sa.select(LicenseType).where(LicenseType.code == type_code))
    if license_type is None:
        raise LicenseImportError(labels.IMPORT_HEADER["unknown_type"].format(code=type_code))
    try:
        reader = csv.DictReader(lines)
        mapping = _columns(license_type, list(reader.fieldnames or []))
    except UnicodeDecodeError:
        raise LicenseImportError(labels.IMPORT_HEADER["encoding"]) from None
    units = {
        u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.credit_code.is_not(None)))
    }
    checker, duplicates = _RowReader(license_type, mapping, units), _Duplicates(license_type)
    report = ImportReport()
    try:
        for raws in batched(_numbered(reader)):
            found: list[RowProblem] = []
            rows = [row for n, raw in raws if (row := checker.read(n, raw, found))]
            rows = duplicates.keep_new(rows, found)
            problems.extend(found)
            if not (all_or_nothing and problems.count):
                report.imported += _issue(license_type, rows)
            report.rows += len(raws)
            advance(len(raws))
    except UnicodeDecodeError:
        db.session.rollback()
        raise LicenseImportError(labels.IMPORT_HEADER["encoding"]) from None
    except BaseException:
        db.session.rollback()
        raise
    report.refused = problems.bad_rows
    if all_or_nothing and problems.count:
        db.session.rollback()
        report.imported = 0
        return report
    record_event(
        actor,
        "licenses.import",
        target=f"license_type:{license_type.code}",
        rows=report.rows,
        imported=report.imported,
        refused=report.refused,
        refused_rows=problems.first_bad_rows,
    )
    db.session.commit()
    return report
