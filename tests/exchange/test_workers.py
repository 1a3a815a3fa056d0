"""Delivery workers that commit for real: one killed mid-batch loses nothing, two never
send at once; and a pull never skips a record whose transaction committed late."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from mobile_hall.api.constants import Capability
from mobile_hall.api.keys import create_api_key
from mobile_hall.applications.models import ProcessRecord
from mobile_hall.exchange.delivery import RetryPolicy, Worker
from mobile_hall.extensions import db
from tests.support.exchange import MARKET, commit_out_of_order, log_ids, write_records
from tests.support.province import courier, province, wait_until

ROOT = Path(__file__).resolve().parents[2]
SECRET = "worker-test-secret"
only_postgresql = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="several writers and workers at once: PostgreSQL (SQLite runs one worker)",
)


def _committed_records(app, count: int, offset: int = 0) -> list[str]:
    with app.app_context():
        written = write_records(count, offset)
        db.session.commit()
        db.session.remove()
    return written


def _delivered(app, record_ids: list[str]) -> set[str]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(ProcessRecord.record_id).where(
                ProcessRecord.record_id.in_(record_ids), ProcessRecord.delivered_at.is_not(None)
            )
        ).all()
        db.session.remove()
    return set(found)


def _worker_process(app, url: str, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "HALL_ENV": "testing",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PROVINCE_EXCHANGE_URL": url,
        "PROVINCE_EXCHANGE_SECRET": SECRET,
        "EXCHANGE_IDLE_SECONDS": "0.05",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "exchange", "deliver", *extra]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_only_the_unacknowledged(
    app, committed_log, tmp_path
):
    written = _committed_records(app, 40)
    config = {"PROVINCE_FAULT": "slow", "PROVINCE_SLOW_SECONDS": 0.3}
    with province(SECRET, tmp_path / "p.sqlite3", **config) as stand_in:
        worker = _worker_process(app, stand_in.url, "--batch-size", "5")
        try:
            wait_until(
                lambda: stand_in.store.totals()["batches"] >= 3 and stand_in.faults.in_flight
            )
            worker.send_signal(signal.SIGKILL)
        finally:
            worker.wait(timeout=30)
        wait_until(lambda: stand_in.faults.in_flight == 0)
        acknowledged = _delivered(app, written)
        assert 15 <= len(acknowledged) < 40
        stand_in.faults.set("none")
        again = _worker_process(app, stand_in.url, "--batch-size", "5", "--once")
        assert again.wait(timeout=60) == 0
        rows = [row for row in stand_in.store.received(limit=1000) if row["record_id"] in written]
    assert _delivered(app, written) == set(written)
    assert sorted(row["record_id"] for row in rows) == sorted(written)  # each kept once
    sent_twice = {row["record_id"] for row in rows if row["times_received"] > 1}
    assert len(sent_twice) == 5 and not sent_twice & acknowledged  # the batch in flight
    assert [row["record_id"] for row in rows] == written  # first arrivals in order


@only_postgresql
def test_two_workers_never_send_at_the_same_time(app, committed_log, tmp_path):
    written = _committed_records(app, 60)
    config = {"PROVINCE_FAULT": "slow", "PROVINCE_SLOW_SECONDS": 0.05}
    with province(SECRET, tmp_path / "p.sqlite3", **config) as stand_in:
        workers = [
            Worker(app, courier(stand_in.url, SECRET), 4, RetryPolicy(0.01, 0.05), 0.01)
            for _ in range(2)
        ]
        threads = [threading.Thread(target=worker.run) for worker in workers]
        for thread in threads:
            thread.start()
        try:
            wait_until(lambda: _delivered(app, written) == set(written), timeout=60)
        finally:
            for worker in workers:
                worker.stop.set()
            for thread in threads:
                thread.join(timeout=30)
        rows = [row for row in stand_in.store.received(limit=1000) if row["record_id"] in written]
        assert stand_in.faults.peak == 1  # one batch in flight at any moment
    assert [row["record_id"] for row in rows] == written
    assert all(row["times_received"] == 1 for row in rows)


@only_postgresql
def test_a_pull_never_skips_a_record_whose_transaction_committed_late(app, committed_log):
    with app.app_context():
        _api_key, key = create_api_key(
            MARKET, actor="test", capabilities=[Capability.EXCHANGE_RECORDS]
        )
        db.session.remove()
    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()

    def pull(after: int) -> dict:
        return client.get(f"/api/v1/exchange/records?after={after}", headers=headers).get_json()

    start = pull(0)
    while start["has_more"]:
        start = pull(start["next_after"])
    late, early, first = commit_out_of_order(
        app,
        lambda: write_records(1)[0],
        lambda: write_records(1, offset=1)[0],  # a higher id, committed first
        lambda: pull(start["next_after"]),
    )
    second = pull(first["next_after"])

    ids = log_ids(app, [late, early])
    assert ids[late] < ids[early]  # T1 took the lower id, yet committed last
    assert [r["record_id"] for r in first["records"]] == [early]
    assert [r["record_id"] for r in second["records"]] == [late]
    assert second["records"][0]["sequence"] > first["next_after"]
