"""The exchange's speed on PostgreSQL (issue 18), runnable alone: `python bench/exchange.py`.

1. Delivery: 100 000 waiting process records sent to the stand-in province (`flask exchange
   receiver`, its own process) by two workers (`flask exchange deliver --once`), from their
   start to the last acknowledged batch. Target: ≥ 2 000 records/s.
2. Pull: the log topped up to 5 000 000 records (SQL `generate_series`), then one page of
   1 000 records through the test client at the start, the middle and the end of the log.
   Target: < 200 ms each.

It makes (and drops) its own database. Environment: BENCH_PG_URL (server, default
postgresql://postgres@127.0.0.1:5432), BENCH_EXCHANGE_DATABASE (default
mobile_hall_exchange_bench), BENCH_EXCHANGE_WAITING (100000), BENCH_EXCHANGE_LOG (5000000).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = os.environ.get("BENCH_EXCHANGE_DATABASE", "mobile_hall_exchange_bench")
WAITING = int(os.environ.get("BENCH_EXCHANGE_WAITING", "100000"))
LOG = int(os.environ.get("BENCH_EXCHANGE_LOG", "5000000"))
SECRET = "bench-exchange-secret"  # noqa: S105 - the bench's own stand-in, nothing real
DELIVERY_TARGET = 2000.0  # records/s
PULL_TARGET_MS = 200.0
BIN = Path(sys.executable).parent

GENERATED = """
INSERT INTO process_record (record_id, application_id, application_no, item_code, unit_code,
    stage, result, channel, actor_type, occurred_at, applicant_type, note, sequence,
    delivered_at)
SELECT gen_random_uuid()::text, a.id, a.number, 'QJ-BENCH-0001', 'QJ-BENCH', 'visit', '',
    'web', 'system', now() - make_interval(secs => g), 'person', '',
    CASE WHEN :numbered THEN :first + g END, CASE WHEN :numbered THEN now() END
FROM generate_series(1, :count) AS g, (SELECT id, number FROM application
    WHERE number IS NOT NULL ORDER BY id LIMIT 1) AS a
"""


def _admin(statement: str) -> None:
    engine = sa.create_engine(
        "postgresql+psycopg://" + PG_SERVER.split("://", 1)[1] + "/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        connection.exec_driver_sql(statement)
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(url: str, province: str) -> dict[str, str]:
    return {
        **os.environ,
        "HALL_ENV": "testing",
        "DATABASE_URL": url,
        "PROVINCE_EXCHANGE_URL": province,
        "PROVINCE_EXCHANGE_SECRET": SECRET,
    }


def _build(url: str):
    from flask_migrate import upgrade

    from config import TestingConfig
    from mobile_hall import create_app
    from mobile_hall.demo.services import load_demo
    from mobile_hall.extensions import db

    app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        load_demo()
        # The demo's own records count as delivered: the figure is for the generated ones.
        db.session.execute(sa.text("UPDATE process_record SET delivered_at = now()"))
        db.session.commit()
        db.session.remove()
    return app


def _insert(app, count: int, *, numbered: bool) -> None:
    from mobile_hall.extensions import db

    with app.app_context():
        first = db.session.scalar(sa.text("SELECT coalesce(max(sequence), 0) FROM process_record"))
        db.session.execute(
            sa.text(GENERATED), {"count": count, "first": first, "numbered": numbered}
        )
        if numbered:
            db.session.execute(
                sa.text("UPDATE exchange_state SET last_sequence = :last WHERE role = 'sequencer'"),
                {"last": first + count},
            )
        db.session.commit()
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as raw:
            raw.exec_driver_sql("VACUUM ANALYZE process_record")


def measure_delivery(app, url: str, workdir: Path) -> dict:
    """Two workers deliver `WAITING` records to the stand-in: records/s from their start."""
    from mobile_hall.extensions import db

    _insert(app, WAITING, numbered=False)
    port = _free_port()
    province = f"http://127.0.0.1:{port}"
    env = _environment(url, province + "/batches")
    flask = [str(BIN / "flask"), "--app", "wsgi", "exchange"]
    receiver = subprocess.Popen(  # noqa: S603
        [*flask, "receiver", "--port", str(port), "--database", str(workdir / "p.sqlite3")],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                requests.get(province + "/api/received?limit=1", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        started = time.perf_counter()
        workers = [
            subprocess.Popen(  # noqa: S603
                [*flask, "deliver", "--once", "--batch-size", "1000"], cwd=ROOT, env=env
            )
            for _ in range(2)
        ]
        codes = [worker.wait(timeout=900) for worker in workers]
        seconds = time.perf_counter() - started
        totals = requests.get(province + "/api/received?limit=1", timeout=10).json()["totals"]
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    with app.app_context():
        waiting = db.session.scalar(
            sa.text("SELECT count(*) FROM process_record WHERE delivered_at IS NULL")
        )
        db.session.remove()
    rate = WAITING / seconds
    return {
        "records": WAITING,
        "seconds": round(seconds, 2),
        "records_per_second": round(rate),
        "worker_exit_codes": codes,
        "received": totals,
        "left_waiting": waiting,
        "met": rate >= DELIVERY_TARGET and waiting == 0 and totals["repeated"] == 0,
    }


def measure_pull(app) -> dict:
    """One page of 1 000 at the start, middle and end of a `LOG`-record log, in ms."""
    from mobile_hall.api.constants import Capability
    from mobile_hall.api.keys import create_api_key
    from mobile_hall.extensions import db

    with app.app_context():
        held = db.session.scalar(sa.text("SELECT count(*) FROM process_record"))
        db.session.remove()
    if held < LOG:
        _insert(app, LOG - held, numbered=True)
    with app.app_context():
        _api_key, key = create_api_key(
            "QJ-SCJGJ", actor="bench", capabilities=[Capability.EXCHANGE_RECORDS]
        )
        last = db.session.scalar(sa.text("SELECT max(sequence) FROM process_record"))
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    depths = {"start": 0, "middle": last // 2, "end": last - 1000}
    timings = {}
    for name, after in depths.items():
        samples = []
        for _ in range(7):
            began = time.perf_counter()
            response = client.get(
                f"/api/v1/exchange/records?after={after}&limit=1000", headers=headers
            )
            samples.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200 or len(response.get_json()["records"]) != 1000:
                raise RuntimeError(f"pull at {after}: {response.status_code}")
        timings[name] = {
            "median_ms": round(statistics.median(samples), 1),
            "max_ms": round(max(samples), 1),
        }
    return {
        "log": last,
        "pages": timings,
        "met": all(t["median_ms"] < PULL_TARGET_MS for t in timings.values()),
    }


def run() -> dict:
    """Build the database, measure both, drop it."""
    _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DATABASE}")
    url = f"postgresql+psycopg://{PG_SERVER.split('://', 1)[1]}/{DATABASE}"
    try:
        app = _build(url)
        with tempfile.TemporaryDirectory(prefix="exchange-bench-") as workdir:
            delivery = measure_delivery(app, url, Path(workdir))
        pull = measure_pull(app)
        from mobile_hall.extensions import db

        with app.app_context():
            db.engine.dispose()
        return {"delivery": delivery, "pull": pull}
    finally:
        _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def table(result: dict) -> str:
    """The figures as Markdown."""
    delivery, pull = result["delivery"], result["pull"]
    lines = [
        "### exchange (PostgreSQL)",
        "",
        "| measure | figure | target | met |",
        "| --- | ---: | --- | --- |",
        f"| delivery of {delivery['records']} records, 2 workers | "
        f"{delivery['records_per_second']} records/s ({delivery['seconds']} s) | ≥ 2000 records/s "
        f"| {'yes' if delivery['met'] else 'NO'} |",
    ]
    for name, timing in pull["pages"].items():
        met = "yes" if timing["median_ms"] < PULL_TARGET_MS else "NO"
        lines.append(
            f"| pull page of 1000 at the {name} of {pull['log']} | "
            f"median {timing['median_ms']} ms, max {timing['max_ms']} ms | < 200 ms | {met} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    outcome = run()
    print(outcome)
    print(table(outcome))
    sys.exit(0 if outcome["delivery"]["met"] and outcome["pull"]["met"] else 1)
