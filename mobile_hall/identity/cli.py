"""`flask sessions purge`: delete the session rows nobody came back to end."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .services import purge_expired_sessions

sessions_cli = AppGroup("sessions", help="Housekeeping of the server-side sessions.")


@sessions_cli.command("purge")
def purge_command() -> None:
    """Delete expired sessions and seen logout tokens too old to be replayed (run it daily)."""
    sessions, tokens = purge_expired_sessions()
    click.echo(f"已删除过期会话 {sessions} 个、过期的登出令牌记录 {tokens} 条。")
