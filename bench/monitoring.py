"""The assessment's timings: /monitoring for every unit, a unit's drill-down and the district
summary sheet, each the first request of its kind (the pages keep no cache).

The history is topped up with `flask monitoring synth`'s generator to the issue's sizes:
1 000 000 applications on PostgreSQL, 100 000 on SQLite. Run by `make bench`, or alone on a
database kept between runs (the top-up is done once), timing each page several times:

    python bench/monitoring.py postgresql://postgres@127.0.0.1:5432/NAME [RUNS]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

WANTED = {
    "sqlite": int(os.environ.get("BENCH_MONITORING_SQLITE", "100000")),
    "postgresql": int(os.environ.get("BENCH_MONITORING_POSTGRESQL", "1000000")),
}
# name: (path, seconds allowed, databases the target applies to)
LIMITS = {
    "monitoring page": (2.0, ("sqlite", "postgresql")),
    "unit drill-down": (1.0, ("postgresql",)),
    "summary sheet": (10.0, ("postgresql",)),
}


def top_up(app, kind: str) -> int:
    """Add generated applications until the database holds the wanted number; how many."""
    from mobile_hall.applications.models import Application
    from mobile_hall.clock import now
    from mobile_hall.extensions import db
    from mobile_hall.monitoring.history import generate
    from mobile_hall.monitoring.models import DailyCount
    from mobile_hall.monitoring.summary import rebuild

    with app.app_context():
        held = db.session.scalar(sa.select(sa.func.count()).select_from(Application)) or 0
        missing = max(WANTED[kind] - held, 0)
        if missing:
            generate(missing, seed=23, until=now().date(), prefix="S")
        # The bench dataset's own history went in with plain inserts: recount every day.
        submitted = sa.select(sa.func.count()).where(Application.submitted_at.is_not(None))
        counted = sa.select(sa.func.coalesce(sa.func.sum(DailyCount.submitted), 0))
        if db.session.scalar(submitted) != db.session.scalar(counted):
            started = time.perf_counter()
            rows = rebuild(db.session.connection())
            db.session.commit()
            seconds = time.perf_counter() - started
            print(f"   daily counts: {rows} rows in {seconds:.1f} s", flush=True)
        db.session.remove()
        if kind == "postgresql":
            # What autovacuum does after a bulk load, done now: fresh statistics for the plans.
            tables = (
                "application, process_record, monitoring_daily" if missing else "monitoring_daily"
            )
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as raw:
                raw.exec_driver_sql(f"VACUUM ANALYZE {tables}")
    return missing


def register_office(app) -> None:
    """The office's account, as its first sign-in would make it (the bench signs in directly)."""
    from devidp.accounts import DEMO_ACCOUNTS
    from mobile_hall.extensions import db
    from mobile_hall.identity.services import register_account

    claims = next(a["claims"] for a in DEMO_ACCOUNTS if a["username"] == "office")
    with app.app_context():
        register_account(app.config["OIDC_ISSUER"], claims)
        db.session.commit()
        db.session.remove()


def measure(app, kind: str, cookie: str, token: str) -> list[dict]:
    """Time each assessment page once as the office; each answers 200 or the bench stops."""
    from mobile_hall.clock import now
    from mobile_hall.monitoring.periods import previous_quarter, quarter_of

    quarter = previous_quarter(quarter_of(now().date())).quarter
    pages = {
        "monitoring page": f"/monitoring?quarter={quarter}",
        "unit drill-down": f"/monitoring/units/QJ-SCJGJ?quarter={quarter}",
        "summary sheet": f"/monitoring/summary/{quarter}.xlsx",
    }
    client = app.test_client()
    client.set_cookie(cookie, token)
    figures = []
    for name, path in pages.items():
        started = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {response.status_code}")
        limit, applies = LIMITS[name]
        met = seconds < limit if kind in applies else None
        figures.append({"name": name, "seconds": seconds, "limit": limit, "met": met})
        print(f"   {name}: {seconds:.2f} s", flush=True)
    return figures


def table(figures: list[dict]) -> str:
    """Markdown lines for the assessment's timings."""
    lines = ["", "| assessment page | seconds | target | met |", "| --- | ---: | --- | --- |"]
    for f in figures:
        met = "—" if f["met"] is None else ("yes" if f["met"] else "NO")
        lines.append(f"| {f['name']} | {f['seconds']:.2f} | < {f['limit']:.0f} s | {met} |")
    return "\n".join(lines) + "\n"


def main(url: str, runs: int) -> None:
    """Top up the database at `url` if need be, then time each page `runs` times; the medians."""
    from bench.dataset import build
    from bench.run import COOKIE, signed_in
    from bench.settings import bench_environment, hall_app

    # A database kept between runs keeps its keys: the office's staff role is found by a hash.
    saved = Path(os.environ.get("BENCH_ENV_FILE", ROOT / "bench-results" / "monitoring-env.json"))
    if not saved.exists():
        saved.parent.mkdir(exist_ok=True)
        saved.write_text(json.dumps(bench_environment(str(saved.parent / "uploads"))))
    os.environ.update(json.loads(saved.read_text()))
    if not sa.inspect(sa.create_engine(url)).has_table("application"):
        print(f"   {build(url)}", flush=True)  # a new database: the bench's dataset first
    app = hall_app(url)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"   monitoring: {top_up(app, kind)} applications added", flush=True)
    register_office(app)
    token = signed_in(app, "office")
    runs_seen = [measure(app, kind, COOKIE, token) for _ in range(runs)]
    medians = [
        {**figures[0], "seconds": statistics.median(f["seconds"] for f in figures)}
        for figures in zip(*runs_seen, strict=True)
    ]
    for figure in medians:
        limit, applies = LIMITS[figure["name"]]
        figure["met"] = figure["seconds"] < limit if kind in applies else None
    print(f"median of {runs} runs:" + table(medians))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
