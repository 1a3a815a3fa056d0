"""`flask audit verify`: check that no audit record was removed or altered."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .services import verify_chain

audit_cli = AppGroup("audit", help="The audit trail.")
PROBLEMS = {
    "previous_missing": "它之前的记录缺失或被改动",
    "altered": "内容被改动",
    "last_missing": "链尾记录缺失",
}


@audit_cli.command("verify")
def verify_command() -> None:
    """Recompute the hash chain; exit 1 naming the first bad record (run it daily, and keep
    the printed last hash somewhere the database's administrators cannot write)."""
    check = verify_chain()
    if not check.intact:
        click.echo(
            f"审计记录链校验失败：第 {check.bad_event_id} 号记录（{PROBLEMS[check.problem]}），"
            f"此前 {check.checked} 条完好。",
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"审计记录链完好：共 {check.checked} 条，末条哈希 {check.last_hash or '（无）'}。")
