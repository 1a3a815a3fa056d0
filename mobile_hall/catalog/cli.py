"""`flask catalog export|import`: the catalog as one JSON document."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

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
def import_command(file: str) -> None:
    """Validate FILE and publish it all-or-nothing; print a report."""
    try:
        with open(file, encoding="utf-8") as handle:
            raw = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        click.echo(f"导入失败：无法读取 {file}（{error}）", err=True)
        sys.exit(1)
    try:
        report = import_catalog(raw, actor="cli:catalog-import")
    except CatalogImportError as error:
        click.echo(f"导入失败，未做任何修改。共 {len(error.problems)} 处问题：", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(
        f"导入成功：新增 {len(report.created)} 项，更新（新版本）{len(report.updated)} 项，"
        f"未变 {len(report.unchanged)} 项"
    )
    for code in report.created:
        click.echo(f"  新增 {code}")
    for code in report.updated:
        click.echo(f"  更新 {code}")
