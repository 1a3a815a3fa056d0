"""`flask exchange deliver|status|receiver`: the delivery worker, its state, the stand-in
province."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..clock import now
from . import labels
from .delivery import Courier, DeliveryNotConfigured, RetryPolicy, Worker
from .services import exchange_status

exchange_cli = AppGroup("exchange", help="Deliver the process records to the province.")


@exchange_cli.command("deliver")
@click.option("--once", is_flag=True, help="Deliver what is waiting, then stop (for cron).")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=None, help="Records a batch.")
def deliver_command(once: bool, batch_size: int | None) -> None:
    """Send the undelivered records to PROVINCE_EXCHANGE_URL in order, until stopped (SIGTERM
    or Ctrl-C ends it after the batch in flight); with --once, exit 1 if an attempt failed."""
    config = current_app.config
    try:
        courier = Courier.from_config(config)
    except DeliveryNotConfigured:
        click.echo(labels.NOT_CONFIGURED, err=True)
        sys.exit(2)
    worker = Worker(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        courier,
        batch_size or int(config["EXCHANGE_BATCH_SIZE"]),
        RetryPolicy(
            float(config["EXCHANGE_RETRY_BASE_SECONDS"]),
            float(config["EXCHANGE_RETRY_CAP_SECONDS"]),
        ),
        float(config["EXCHANGE_IDLE_SECONDS"]),
    )
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: worker.stop.set())
    if not worker.run(once=once):
        sys.exit(1)


@exchange_cli.command("status")
def status_command() -> None:
    """The backlog, the age of its oldest record, the last success and error, and the records
    delivered per day."""
    state = exchange_status()
    moment = now()
    age = state.oldest_age(moment)
    text = labels.STATUS
    click.echo(f"{text['backlog']}：{state.backlog}")
    oldest = f"{state.oldest_waiting_at:%Y-%m-%d %H:%M:%S}" if state.oldest_waiting_at else "-"
    click.echo(f"{text['oldest']}：{oldest}（{text['oldest_age']} {_seconds(age)}）")
    click.echo(f"{text['last_success']}：{_moment(state.last_success_at)}")
    click.echo(f"{text['last_error']}：{_moment(state.last_error_at)} {state.last_error}".rstrip())
    click.echo(f"{text['failures']}：{state.failures}")
    click.echo(f"{text['next_attempt']}：{_moment(state.next_attempt_at)}")
    click.echo(f"{text['by_day']}：")
    for day, count in state.delivered_by_day:
        click.echo(f"  {day}  {count}")


def _moment(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else labels.NEVER


def _seconds(age) -> str:
    return f"{int(age.total_seconds())} 秒" if age is not None else "-"


@exchange_cli.command("receiver")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8002, show_default=True)
@click.option(
    "--fault",
    type=click.Choice(["none", "error", "timeout", "slow"]),
    default="none",
    show_default=True,
    help="Start failing this way (switchable later on its page).",
)
@click.option("--database", type=click.Path(dir_okay=False), default=None, help="SQLite file.")
@click.option("--log-requests", is_flag=True, help="Print a line for every batch received.")
def receiver_command(
    host: str, port: int, fault: str, database: str | None, log_requests: bool
) -> None:
    """Run the stand-in province (devprovince/): it checks each batch's signature with
    PROVINCE_EXCHANGE_SECRET, keeps the records by record_id and lists them on its page."""
    from werkzeug.serving import run_simple

    import devprovince

    secret = current_app.config.get("PROVINCE_EXCHANGE_SECRET")
    if not secret:
        click.echo(labels.NOT_CONFIGURED, err=True)
        sys.exit(2)
    path = database or str(Path(current_app.instance_path) / "province.sqlite3")
    app = devprovince.create_app(
        {"PROVINCE_SECRET": secret, "PROVINCE_DATABASE": path, "PROVINCE_FAULT": fault}
    )
    if not log_requests:  # a line a batch would bury the hall's own output under `make run`
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    run_simple(host, port, app, threaded=True)
