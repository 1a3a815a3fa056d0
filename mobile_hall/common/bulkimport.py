"""What every bulk import on the command line shares: batches, a progress bar, a report, a summary.

An import reads its file a batch at a time (`batched`), so memory stays flat whatever the
file's size; shows a progress bar on a terminal (`progress_bar`); sends each refused row to a
`ProblemReport`, which writes all of them to the CSV file of ``--report`` (`report_option`) and
keeps only the first few for the terminal; and ends with `echo_outcome`. A domain's command::

    @report_option
    def import_command(file, report):
        with ProblemReport(report) as problems, open(file, encoding="utf-8") as lines:
            with progress_bar(count_records(file), "导入") as advance:
                outcome = import_rows(lines, problems=problems, advance=advance)
        echo_outcome(problems, f"共 {outcome.rows} 行：导入 {outcome.imported} 行")

The service under it stays free of click: it takes the `ProblemReport` and an ``advance(n)``
callable and calls them as it goes. This module imports no domain.
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

import click

from .messages import BULK_IMPORT_MESSAGES

T = TypeVar("T")

# Rows read, checked and written together: big enough that a batch costs a few queries, small
# enough that its objects are a few megabytes.
BATCH_ROWS = 1_000
# Problems printed on the terminal; the rest only in the report file.
SHOWN_PROBLEMS = 20
REPORT_HEADER = ("row", "column", "problem")

Advance = Callable[[int], None]


def no_progress(_count: int) -> None:
    """An ``advance`` that shows nothing (for callers without a terminal)."""


@dataclass(frozen=True)
class RowProblem:
    """One refusal: the row of the file (a CSV's header is row 1; 0: the file as a whole), the
    column (or a field's path), the reason (Chinese). ``noun`` names a row on the terminal: 行
    for a CSV line, 项 for a record of a JSON document."""

    row: int
    column: str
    problem: str
    noun: str = "行"

    def __str__(self) -> str:
        where = f"第 {self.row} {self.noun}" if self.row else ""
        where += f"「{self.column}」" if self.column else ""
        return f"{where}：{self.problem}" if where else self.problem


_RECORD = re.compile(r"^\w+\[(\d+)\]")


def record_problem(path: str, problem: str) -> RowProblem:
    """A problem of a JSON import's field as a report row: the record's number in its list
    (``units[3].credit_code`` is 项 4; 0 for the document as a whole) and the field's whole
    path as the column, so the section is named too."""
    record = _RECORD.match(path)
    return RowProblem(int(record[1]) + 1 if record else 0, path, problem, noun="项")


class ProblemReport:
    """An import's problems: every one written to a CSV file (if any), the first few kept.

    Use it as a context manager so the file is closed. ``count`` and ``bad_rows`` count what was
    added; ``shown`` holds the first `SHOWN_PROBLEMS` for the terminal.
    """

    def __init__(self, path: Path | str | None = None, shown: int = SHOWN_PROBLEMS) -> None:
        self.path = Path(path) if path else None
        self.count = 0
        self.bad_rows = 0
        self.first_bad_rows: list[int] = []
        self.shown: list[RowProblem] = []
        self._shown_limit = shown
        self._last_row: int | None = None
        self._file: IO[str] | None = None
        self._csv: Any = None
        if self.path is not None:
            # utf-8-sig: a spreadsheet opened on a Chinese Windows desktop reads it correctly.
            self._file = self.path.open("w", encoding="utf-8-sig", newline="")
            self._csv = csv.writer(self._file)
            self._csv.writerow(REPORT_HEADER)

    def add(self, problem: RowProblem) -> None:
        """Record one problem. Add a row's problems together, rows in file order."""
        self.count += 1
        if problem.row != self._last_row:
            self._last_row = problem.row
            self.bad_rows += 1
            if len(self.first_bad_rows) < 1_000:
                self.first_bad_rows.append(problem.row)
        if len(self.shown) < self._shown_limit:
            self.shown.append(problem)
        if self._csv is not None:
            self._csv.writerow((problem.row, problem.column, problem.problem))

    def extend(self, problems: Iterable[RowProblem]) -> None:
        """Record several problems, sorted by row (stable: a row's own order is kept)."""
        for problem in sorted(problems, key=lambda p: p.row):
            self.add(problem)

    def close(self) -> None:
        """Close the report file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> ProblemReport:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def batched(items: Iterable[T], size: int = BATCH_ROWS) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last one shorter), read lazily."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def count_records(path: Path | str, header_lines: int = 1) -> int:
    """The lines of a text file after its header: the length of a CSV import's progress bar.

    A quoted field spanning lines makes it an overestimate; the bar ends full all the same.
    """
    lines, last = 0, b"\n"
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            lines, last = lines + chunk.count(b"\n"), chunk[-1:]
    unterminated = int(last != b"\n")
    return max(lines + unterminated - header_lines, 0)


@contextmanager
def progress_bar(length: int, label: str) -> Iterator[Advance]:
    """A `click.progressbar` on standard error, yielding its ``advance(n)``.

    On a terminal it redraws in place; elsewhere (a log, a test) click prints only the label.
    """
    with click.progressbar(
        length=length, label=label, file=sys.stderr, show_pos=True, show_percent=True
    ) as bar:
        yield bar.update


report_option = click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write every refused row to this CSV file (row, column, problem).",
)


def echo_outcome(problems: ProblemReport, summary: str) -> None:
    """Print the first problems (standard error), where the rest are, and the summary line."""
    for problem in problems.shown:
        click.echo(str(problem), err=True)
    hidden = problems.count - len(problems.shown)
    if problems.path is not None and problems.count:
        click.echo(
            BULK_IMPORT_MESSAGES["report_written"].format(count=problems.count, path=problems.path),
            err=True,
        )
    elif hidden:
        click.echo(BULK_IMPORT_MESSAGES["more_problems"].format(count=hidden), err=True)
    click.echo(summary)
