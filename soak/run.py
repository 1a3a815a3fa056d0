"""`make soak`: 200 simulated citizens and 10 clerks (locust, headless) against gunicorn on a
fresh PostgreSQL database for two minutes, then the official record is checked.

The database `mobile_hall_soak` is made here (dropped first), migrated and loaded with the demo
data; the people are made by the tests' builders and signed in with session rows, as the bench
does (`tests/support/sessions.py`): sign-in itself is not what is soaked. gunicorn runs as a
production node does (sync workers, SOAK_WORKERS, default 4). Its rate limits are the bench's:
the soak's people never start a sign-in, look up progress or verify a licence (the only limited
routes), and the lookup and verification limits are raised for one client address anyway.

Afterwards: every submission a citizen was given a number for exists once with its `submit`
record (else lost, or duplicated when the number is there twice), every withdrawal a citizen was
told of left the application withdrawn, and `flask --app wsgi applications check` finds no
application whose records contradict its status. A table is printed; the exit status is 1 if
any 5xx, lost, duplicated or contradictory application was found, or nothing was submitted.

Environment: SOAK_SECONDS (default 120), SOAK_CITIZENS (200), SOAK_CLERKS (10), SOAK_WORKERS (4),
SOAK_PG_URL (the server, default postgresql://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.run import Gunicorn, _journey_items  # noqa: E402 - the bench's server and items
from bench.settings import bench_environment, hall_app  # noqa: E402
from tests.support.samples import PNG  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "120"))
CITIZENS = int(os.environ.get("SOAK_CITIZENS", "200"))
CLERKS = int(os.environ.get("SOAK_CLERKS", "10"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "4"))
PG_SERVER = os.environ.get("SOAK_PG_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = "mobile_hall_soak"
COOKIE = "hall_session"
# The journeys still under way when the time is up may finish within this, then are cut off.
STOP_SECONDS = 60
ITEMS = 3  # items of one unit the citizens apply for, so that its clerks share one queue
BIN = Path(sys.executable).parent
CONTRADICTIONS = re.compile(r"发现 (\d+) 处")


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def _fresh_database() -> str:
    _pg(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _pg(f"CREATE DATABASE {DATABASE}")
    return f"{PG_SERVER}/{DATABASE}"


def prepare(app) -> dict:
    """Migrate, load the demo, make the people; the plan the locust users read."""
    from flask_migrate import upgrade

    from mobile_hall.demo.services import load_demo
    from mobile_hall.extensions import db
    from mobile_hall.organisations.models import Unit
    from tests.support import builders
    from tests.support.sessions import signed_in_token

    with app.app_context():
        upgrade()
        load_demo()
    candidates = _journey_items(app)
    unit_code = Counter(item["unit"] for item in candidates).most_common(1)[0][0]
    items = [item for item in candidates if item["unit"] == unit_code][:ITEMS]
    with app.app_context():
        unit = db.session.scalars(sa.select(Unit).where(Unit.code == unit_code)).one()
        citizens = []
        for index in range(CITIZENS):
            account = builders.make_account()
            citizens.append(
                {
                    "token": signed_in_token(account),
                    "draft": _draft(account, items[index % len(items)]),
                }
            )
        clerks = [signed_in_token(builders.make_staff(unit)) for _ in range(CLERKS)]
    return {
        "cookie": COOKIE,
        "citizens": citizens,
        "clerks": clerks,
        "items": items,
        "png": PNG.hex(),
        "unit": unit_code,
    }


def _draft(account, item: dict) -> int:
    """A draft of `item` with its answers and photos in, ready to be checked and submitted."""
    from mobile_hall.applications import services as applicant

    draft = applicant.start_application(account, item["code"], item["unit"])
    applicant.save_answers(account, draft, item["answers"])
    for position in item["required"]:
        applicant.attach_upload(account, draft, position, io.BytesIO(PNG), "photo.png")
    return draft.id


def drive(base: str, plan: dict, workdir: Path) -> dict:
    """Run locust headless for SECONDS; what the people were told and locust's totals."""
    plan_file, results_file = workdir / "plan.json", workdir / "results.json"
    plan_file.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    env = {
        **os.environ,
        "SOAK_PLAN": str(plan_file),
        "SOAK_RESULTS": str(results_file),
        "SOAK_CITIZENS": str(CITIZENS),
        "SOAK_CLERKS": str(CLERKS),
    }
    command = [
        str(BIN / "locust"),
        "-f", str(ROOT / "soak" / "locustfile.py"),
        "--headless", "--only-summary",
        "--users", str(CITIZENS + CLERKS), "--spawn-rate", "50",
        "--run-time", f"{SECONDS}s", "--stop-timeout", str(STOP_SECONDS),
        "--host", base,
        "--csv", str(workdir / "locust"),
        "--loglevel", "WARNING",
    ]  # fmt: skip
    with open(workdir / "locust.log", "w", encoding="utf-8") as log:
        subprocess.run(  # noqa: S603 - our own command
            command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=False
        )
    print((workdir / "locust.log").read_text(encoding="utf-8")[-3000:], flush=True)
    told = json.loads(results_file.read_text(encoding="utf-8"))
    with open(workdir / "locust_stats.csv", encoding="utf-8") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    told["requests"] = int(total["Request Count"])
    told["p50"], told["p95"] = float(total["50%"]), float(total["95%"])
    return told


def check(app, url: str, told: dict) -> dict[str, int]:
    """Lost, duplicated and contradictory applications after the run."""
    from mobile_hall.applications.constants import ApplicationStatus, Stage
    from mobile_hall.applications.models import Application, ProcessRecord
    from mobile_hall.extensions import db

    lost = duplicated = 0
    with app.app_context():
        for application_id, number in told["submitted"]:
            rows = db.session.scalars(
                sa.select(Application).where(Application.number == number)
            ).all()
            submitted = db.session.scalar(
                sa.select(sa.func.count()).where(
                    ProcessRecord.application_id == application_id,
                    ProcessRecord.stage == Stage.SUBMIT,
                )
            )
            if not rows or rows[0].id != application_id or not submitted:
                lost += 1
            duplicated += max(len(rows) - 1, 0) + max((submitted or 0) - 1, 0)
        not_withdrawn = db.session.scalar(
            sa.select(sa.func.count()).where(
                Application.id.in_(told["withdrawn"]),
                Application.status != ApplicationStatus.WITHDRAWN,
            )
        )
    checked = subprocess.run(  # noqa: S603 - the hall's own command
        [str(BIN / "flask"), "--app", "wsgi", "applications", "check"],
        env={**os.environ, "DATABASE_URL": url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    print(checked.stdout.strip() or checked.stderr.strip(), flush=True)
    found = CONTRADICTIONS.search(checked.stdout)
    contradictions = int(found[1]) if found else (0 if checked.returncode == 0 else 1)
    return {
        "lost": lost,
        "duplicated": duplicated,
        "contradictions": contradictions + (not_withdrawn or 0),
    }


def machine() -> str:
    """The machine and software the figures were measured with."""
    cores = os.cpu_count()
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return (
        f"{platform.processor() or platform.machine()}, {cores} cores, "
        f"{int(memory) / 1024 / 1024:.0f} GiB, Linux {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def report(told: dict, found: dict[str, int]) -> tuple[str, bool]:
    """The table, and whether the run passed."""
    steps = Counter(f"{step} {status}" for step, status in told["actions"])
    rows = [
        ("requests", told["requests"]),
        ("5xx", len(told["server_errors"])),
        ("lost", found["lost"]),
        ("duplicated", found["duplicated"]),
        ("contradictions", found["contradictions"]),
        ("p50 ms", f"{told['p50']:.0f}"),
        ("p95 ms", f"{told['p95']:.0f}"),
        ("submitted", len(told["submitted"])),
        ("withdrawn", len(told["withdrawn"])),
        ("clerk steps", ", ".join(f"{k}: {v}" for k, v in sorted(steps.items())) or "none"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [
        f"Soak: {CITIZENS} citizens and {CLERKS} clerks for {SECONDS} s, gunicorn {WORKERS} sync"
        f" workers on PostgreSQL, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"Machine: {machine()}",
        "",
        *(f"| {name:<{width}} | {value} |" for name, value in rows),
    ]
    lines += [f"5xx: {error}" for error in told["server_errors"][:10]]
    passed = not told["server_errors"] and not any(found.values()) and bool(told["submitted"])
    return "\n".join(lines), passed


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="mobile-hall-soak-"))
    env = bench_environment(str(workdir / "uploads"))
    os.environ.update(env)
    # One log line per request would cost the loaded machine more than the soak tells.
    os.environ["LOG_LEVEL"] = "WARNING"
    try:
        url = _fresh_database()
        os.environ["DATABASE_URL"] = url
        app = hall_app(url)
        print(f"== soak: preparing {DATABASE}", flush=True)
        plan = prepare(app)
        # A loaded machine starts four workers slowly: their first page may take minutes.
        hall = Gunicorn("wsgi:app", {**os.environ}, workers=WORKERS, startup_seconds=300)
        try:
            print(f"== soak: {CITIZENS} citizens, {CLERKS} clerks, {SECONDS} s", flush=True)
            told = drive(hall.url, plan, workdir)
        finally:
            hall.stop()
        found = check(app, url, told)
        with app.app_context():
            from mobile_hall.extensions import db

            db.engine.dispose()
        table, passed = report(told, found)
        print("\n" + table)
        return 0 if passed else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        _pg(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
