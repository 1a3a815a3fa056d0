"""`flask reference export|import`: the district's reference data as one JSON file."""

from __future__ import annotations

import csv
import json
import sys

import click
from flask.cli import AppGroup

from .importing import (
    ReferenceImportError,
    export_reference,
    import_reference,
    record_count,
    report_rows,
)
from .labels import SECTION

reference_cli = AppGroup("reference", help="Export and import the district's reference data.")


@reference_cli.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
def export_command(file) -> None:
    """Write units, service points, yearly figures, themes, licence types and one-stop entries
    as JSON to FILE (standard output by default)."""
    json.dump(export_reference(), file, ensure_ascii=False, indent=2)
    file.write("\n")


def _write_report(path: str | None, rows: list[tuple[str, str, str]]) -> None:
    if path is None:
        return
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("row", "column", "problem"))
        writer.writerows(rows)


@reference_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write every problem to this CSV file (row, column, problem).",
)
def import_command(file: str, report_path: str | None) -> None:
    """Validate FILE and write it all-or-nothing; print a summary and every problem."""
    try:
        with open(file, encoding="utf-8") as handle:
            raw = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        click.echo(f"导入失败：无法读取 {file}（{error}）", err=True)
        _write_report(report_path, [("", "", f"无法读取文件：{error}")])
        sys.exit(1)
    try:
        with click.progressbar(length=record_count(raw), label="导入参考数据") as bar:
            summary = import_reference(raw, actor="cli:reference-import", progress=bar.update)
    except ReferenceImportError as error:
        rows = report_rows(error.problems)
        _write_report(report_path, rows)
        click.echo(f"导入失败，未做任何修改。共 {len(rows)} 处问题：", err=True)
        for row, column, problem in rows:
            where = " ".join(part for part in (row, column) if part)
            click.echo(f"  {where}: {problem}" if where else f"  {problem}", err=True)
        sys.exit(1)
    _write_report(report_path, [])
    click.echo("导入成功：")
    for section, label in SECTION.items():
        created, known = summary.created[section], summary.known[section]
        click.echo(f"  {label}：新增 {created}，更新 {known}")
