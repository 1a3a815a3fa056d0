"""`flask applications check`: the consistency check of every application's records."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from .consistency import count_applications, find_contradictions

applications_cli = AppGroup("applications", help="Check applications' records.")


@applications_cli.command("check")
def check_command() -> None:
    """List every application whose process records contradict its status; exit 1 if any."""
    contradictions = find_contradictions()
    for contradiction in contradictions:
        click.echo(str(contradiction), err=True)
    checked = count_applications()
    if contradictions:
        click.echo(f"共检查 {checked} 件办件，发现 {len(contradictions)} 处记录与状态矛盾。")
        sys.exit(1)
    click.echo(f"共检查 {checked} 件办件，记录与状态一致。")
