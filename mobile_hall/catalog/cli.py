"""`flask catalog export|import`: the catalog as one JSON document."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..common.bulkimport import (
    ProblemReport,
    echo_outcome,
    progress_bar,
    record_problem,
    report_option,
)
from .services import CatalogImportError, export_catalog, import_catalog

catalog_cli = AppGroup("catalog", help="Export and import the service catalog.")


@catalog_cli.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
def export_command(file) -> None:
    """Write every current item record as JSON to FILE (standard output by default)."""
    json.dump(export_catalog(), file, ensure_ascii=False, indent=2)
    file.write("\n")


@catalog_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@report_option
def import_command(file: str, report: Path | None) -> None:
    """Validate FILE and publish it all-or-nothing; print a summary (problems: --report)."""
    try:
        with open(file, encoding="utf-8") as handle:
            raw = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        click.echo(f"导入失败：无法读取 {file}（{error}）", err=True)
        sys.exit(1)
    records = raw.get("items") if isinstance(raw, dict) else None
    with ProblemReport(report) as problems:
        try:
            with progress_bar(len(records) if isinstance(records, list) else 0, "发布事项") as bar:
                outcome = import_catalog(raw, actor="cli:catalog-import", advance=bar)
        except CatalogImportError as error:
            problems.extend(record_problem(p.path, p.message) for p in error.problems)
            echo_outcome(problems, f"导入失败，未做任何修改。共 {problems.count} 处问题。")
            sys.exit(1)
    click.echo(
        f"导入成功：新增 {len(outcome.created)} 项，更新（新版本）{len(outcome.updated)} 项，"
        f"未变 {len(outcome.unchanged)} 项"
    )
    for code in outcome.created:
        click.echo(f"  新增 {code}")
    for code in outcome.updated:
        click.echo(f"  更新 {code}")
