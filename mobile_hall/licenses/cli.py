"""`flask licenses import|create-api-key|revoke-api-key`: stock conversion and department keys."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..api.constants import Capability
from ..api.keys import ApiKeyRefused, create_api_key, revoke_api_key
from ..common.bulkimport import (
    ProblemReport,
    count_records,
    echo_outcome,
    progress_bar,
    report_option,
)
from .importing import LicenseImportError, import_licenses
from .labels import API_KEY_REFUSED, IMPORT_PROGRESS, IMPORT_SUMMARY

licenses_cli = AppGroup("licenses", help="Import paper licenses; manage the departments' API keys.")


@licenses_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--type", "type_code", required=True, help="The license type code.")
@click.option("--all-or-nothing", is_flag=True, help="Import nothing when any row is bad.")
@report_option
def import_command(file: str, type_code: str, all_or_nothing: bool, report: Path | None) -> None:
    """Import the paper licenses of one type from a UTF-8 CSV FILE, reporting every bad row."""
    with (
        ProblemReport(report) as problems,
        open(file, encoding="utf-8-sig", newline="") as handle,
        progress_bar(count_records(file), IMPORT_PROGRESS) as advance,
    ):
        try:
            outcome = import_licenses(
                handle,
                type_code,
                all_or_nothing=all_or_nothing,
                actor="cli:licenses-import",
                problems=problems,
                advance=advance,
            )
        except LicenseImportError as error:
            click.echo(f"导入失败，未做任何修改：{error}", err=True)
            sys.exit(1)
    if all_or_nothing and outcome.refused:
        summary = IMPORT_SUMMARY["all_or_nothing"]
    else:
        summary = IMPORT_SUMMARY["done"]
    echo_outcome(problems, summary.format(**vars(outcome)))
    if outcome.refused:
        sys.exit(1)


@licenses_cli.command("create-api-key")
@click.argument("unit_code")
@click.option("--scope", "scopes", multiple=True, help="A license type code (repeatable).")
def create_api_key_command(unit_code: str, scopes: tuple[str, ...]) -> None:
    """Make an API key for UNIT_CODE, scoped to the types it issues (or --scope); print it once."""
    try:
        api_key, key = create_api_key(
            unit_code,
            actor="cli:licenses-api-key",
            name="licences (command line)",
            capabilities=[Capability.LICENSES],
            license_types=list(scopes),
        )
    except ApiKeyRefused as refused:
        click.echo(f"未创建：{API_KEY_REFUSED[str(refused)]}", err=True)
        sys.exit(1)
    click.echo(key)
    click.echo(
        f"已为 {api_key.unit.name} 创建密钥 {api_key.prefix}…，"
        f"可签发：{'、'.join(api_key.license_types)}。密钥只显示这一次，请妥善保管。",
        err=True,
    )


@licenses_cli.command("revoke-api-key")
@click.argument("prefix")
def revoke_api_key_command(prefix: str) -> None:
    """Withdraw the API key that starts with PREFIX (as `create-api-key` named it)."""
    try:
        api_key = revoke_api_key(prefix, actor="cli:licenses-api-key")
    except ApiKeyRefused as refused:
        click.echo(f"未撤销：{API_KEY_REFUSED[str(refused)]}", err=True)
        sys.exit(1)
    click.echo(f"已撤销 {api_key.unit.name} 的密钥 {api_key.prefix}…")
