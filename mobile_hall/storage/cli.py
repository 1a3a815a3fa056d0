"""`flask storage sweep`: remove upload leftovers no application refers to."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from ..applications.services import referenced_file_keys, storage
from ..clock import now

storage_cli = AppGroup("storage", help="Housekeeping of the upload store.")


@storage_cli.command("sweep")
@click.option(
    "--grace-hours",
    type=click.IntRange(min=1),
    default=None,
    help="Keep anything younger than this (default: STORAGE_SWEEP_GRACE_HOURS).",
)
def sweep_command(grace_hours: int | None) -> None:
    """Remove `.part` files and files no material refers to, once older than the grace period
    (run it daily, from one machine: the upload volume is shared)."""
    hours = grace_hours or current_app.config["STORAGE_SWEEP_GRACE_HOURS"]
    # The rows are read before the files are listed: a file stored after this read is younger
    # than the grace period, so it is never taken for an orphan.
    referenced = referenced_file_keys()
    swept = storage().sweep(referenced, (now() - timedelta(hours=hours)).timestamp())
    click.echo(f"已删除未完成的上传 {swept.parts} 个、无申请引用的文件 {swept.orphans} 个。")
