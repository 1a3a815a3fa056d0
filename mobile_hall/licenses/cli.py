"""`flask licenses import|create-api-key|revoke-api-key`: stock conversion and department keys."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..api.constants import Capability
from ..api.keys import ApiKeyRefused, create_api_key, revoke_api_key
from .importing import LicenseImportError, import_licenses
from .labels import API_KEY_REFUSED

licenses_cli = AppGroup("licenses", help="Import paper licenses; manage the departments' API keys.")


@licenses_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--type", "type_code", required=True, help="The license type code.")
@click.option("--all-or-nothing", is_flag=True, help="Import nothing when any row is bad.")
def import_command(file: str, type_code: str, all_or_nothing: bool) -> None:
    """Import the paper licenses of one type from a UTF-8 CSV FILE, reporting every bad row."""
    try:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            report = import_licenses(
                handle, type_code, all_or_nothing=all_or_nothing, actor="cli:licenses-import"
            )
    except LicenseImportError as error:
        click.echo(f"导入失败，未做任何修改：{error}", err=True)
        sys.exit(1)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    bad = len(report.bad_rows)
    if all_or_nothing and bad:
        click.echo(f"共 {report.rows} 行，{bad} 行有问题；按 --all-or-nothing 未导入任何证照。")
        sys.exit(1)
    click.echo(f"共 {report.rows} 行：导入 {len(report.imported)} 张证照，{bad} 行未导入。")
    for row, identifier in report.imported:
        click.echo(f"  第 {row} 行 → {identifier}")
    if bad:
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
