"""`flask demo load`: the demo data, idempotently."""

import click
from flask.cli import AppGroup

from .services import load_demo

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo organisations, themes, license types and catalog."""
    report = load_demo()
    click.echo(
        f"demo loaded: {len(report.created)} items created, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged"
    )
