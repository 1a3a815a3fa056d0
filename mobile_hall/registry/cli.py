"""`flask reference export|import`: the district's reference data as one JSON file.

The import behaves and reports like the catalog's and the stock licences' (`common/bulkimport`):
a progress bar, the first problems on the terminal, every one in the ``--report`` CSV file (the
record's number in its section, the field's path, the reason), and a summary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..common.bulkimport import (
    ProblemReport,
    RowProblem,
    echo_outcome,
    progress_bar,
    record_problem,
    report_option,
)
from .importing import ReferenceImportError, export_reference, import_reference, record_count
from .labels import SECTION

reference_cli = AppGroup("reference", help="Export and import the district's reference data.")


@reference_cli.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
def export_command(file) -> None:
    """Write units, service points, yearly figures, themes, licence types and one-stop entries
    as JSON to FILE (standard output by default)."""
    json.dump(export_reference(), file, ensure_ascii=False, indent=2)
    file.write("\n")


@reference_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@report_option
def import_command(file: str, report: Path | None) -> None:
    """Validate FILE and write it all-or-nothing; print a summary (problems: --report)."""
    with ProblemReport(report) as problems:
        try:
            with open(file, encoding="utf-8") as handle:
                raw = json.load(handle)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.add(RowProblem(0, "", f"无法读取 {file}（{error}）"))
            echo_outcome(problems, "导入失败：无法读取文件，未做任何修改。")
            sys.exit(1)
        try:
            with progress_bar(record_count(raw), "导入参考数据") as advance:
                summary = import_reference(raw, actor="cli:reference-import", progress=advance)
        except ReferenceImportError as error:
            for problem in error.problems:
                problems.add(record_problem(problem.path, problem.message))
            echo_outcome(problems, f"导入失败，未做任何修改。共 {problems.count} 处问题。")
            sys.exit(1)
    lines = ["导入成功："]
    for section, label in SECTION.items():
        lines.append(f"  {label}：新增 {summary.created[section]}，更新 {summary.known[section]}")
    click.echo("\n".join(lines))
