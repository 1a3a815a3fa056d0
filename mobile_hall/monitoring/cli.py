"""`flask monitoring …`: the spreadsheets and a large synthetic history for the bench."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..clock import now
from ..extensions import db
from ..identity.constants import StaffRoleKind
from ..identity.models import Account, StaffRole
from . import selfchecks, sheets
from .history import generate
from .periods import quarter
from .summary import rebuild

monitoring_cli = AppGroup("monitoring", help="The district office's assessment.")
SYNTH_PREFIX = "S"


def _period(name: str):
    try:
        return quarter(name)
    except ValueError as error:
        raise click.BadParameter("use the form 2026Q4", param_hint="--quarter") from error


def _office_account() -> Account:
    """An account of the district office: the sheets are the office's (same rules as pages)."""
    hashes = sa.select(StaffRole.id_number_hash).where(
        StaffRole.role == StaffRoleKind.DISTRICT_OFFICE
    )
    account = db.session.scalar(
        sa.select(Account).where(Account.id_number_hash.in_(hashes)).limit(1)
    )
    if account is None:
        raise click.ClickException("no district office account has signed in yet")
    return account


@monitoring_cli.command("selfcheck")
@click.option("--quarter", "quarter_name", required=True, help="e.g. 2026Q4")
@click.option("--unit", "code", help="a unit code (default: every ranked unit, one file each)")
@click.option("--output", type=click.Path(path_type=Path), required=True)
def selfcheck_command(quarter_name: str, code: str | None, output: Path) -> None:
    """Write the self-check sheet of a unit (or of every ranked unit) as .xlsx."""
    period = _period(quarter_name)
    office = _office_account()
    found = selfchecks.sheets(office, period)
    if code:
        found = [sheet for sheet in found if sheet.row.unit.code == code]
        if not found:
            raise click.ClickException(f"no ranked unit {code}")
    for sheet in found:
        target = output if code else output.with_name(f"{output.stem}-{sheet.row.unit.code}.xlsx")
        target.write_bytes(sheets.self_check_workbook(sheet).getvalue())
        click.echo(f"written {target}")


@monitoring_cli.command("summary")
@click.option("--quarter", "quarter_name", required=True, help="e.g. 2026Q4")
@click.option("--output", type=click.Path(path_type=Path), required=True)
def summary_command(quarter_name: str, output: Path) -> None:
    """Write the ranked district summary of a quarter as .xlsx."""
    period = _period(quarter_name)
    proposals = selfchecks.summary(_office_account(), period)
    output.write_bytes(sheets.summary_workbook(period, proposals).getvalue())
    click.echo(f"written {output} ({len(proposals)} units)")


@monitoring_cli.command("synth")
@click.option("--applications", "count", type=click.IntRange(min=1), required=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--days", type=click.IntRange(min=30), default=365, show_default=True)
def synth_command(count: int, seed: int, days: int) -> None:
    """Add COUNT finished applications over the past DAYS (for the bench), numbered S…."""
    made = generate(count, seed=seed, until=now().date(), prefix=SYNTH_PREFIX, days=days)
    click.echo(f"added {made} applications")


@monitoring_cli.command("rebuild")
def rebuild_command() -> None:
    """Recount the daily counts behind the figures from the applications (after a bulk load)."""
    rows = rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"{rows} daily rows")
