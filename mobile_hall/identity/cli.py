"""`flask sessions purge`: delete the session rows nobody came back to end, and the API's
stored requests past their retention."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..api.idempotency import purge_stored_requests
from .services import purge_expired_sessions

sessions_cli = AppGroup("sessions", help="Housekeeping of the server-side sessions.")


@sessions_cli.command("purge")
def purge_command() -> None:
    """Delete expired sessions, seen logout tokens too old to be replayed and the API's stored
    requests (with their answers) past their day (run it daily)."""
    sessions, tokens = purge_expired_sessions()
    requests = purge_stored_requests()
    click.echo(
        f"已删除过期会话 {sessions} 个、过期的登出令牌记录 {tokens} 条、"
        f"超过保留期的接口重试记录 {requests} 条。"
    )
