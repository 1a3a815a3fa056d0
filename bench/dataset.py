"""Build the bench database: the demo data, a catalog of 500 items, 100 000 past applications.

The reference data, the demo accounts and the demo history come from `load_demo`; the catalog is
grown to 500 items by publishing varied copies of the demo items through the catalog import
service (so search text, versions and materials are real); the history is written with
SQLAlchemy Core `insert()` in batches (executemany), on days before today so that the daily
application counters of the submissions made during the bench never collide with it.

    python bench/dataset.py sqlite:////tmp/bench.sqlite3
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

ITEMS = 500
APPLICATIONS = 100_000
BATCH = 5_000
VARIANTS = [
    "（城区）",
    "（镇街）",
    "（延续）",
    "（变更）",
    "（注销）",
    "（补办）",
    "（二级）",
    "（简易）",
]


def _catalog_document(demo: dict) -> dict:
    """The demo items plus varied copies of them, 500 items in all."""
    items = [copy.deepcopy(item) for item in demo["items"]]
    base = list(items)
    serial = 0
    while len(items) < ITEMS:
        source = base[serial % len(base)]
        variant = VARIANTS[(serial // len(base)) % len(VARIANTS)]
        serial += 1
        item = copy.deepcopy(source)
        item["code"] = f"QJ-BENCH-{serial:04d}"
        item["name"] = (source["name"] + variant)[:200]
        item["popular_rank"] = None
        items.append(item)
    return {**demo, "items": items}


def _kind(person: dict | None, enterprise: bool) -> str:
    if person is not None:
        return "legal_person" if person["enterprise_id"] else "person"
    return "legal_person" if enterprise else "person"


def _history_rows(versions: list[dict], accounts: list[dict], today: date) -> tuple[list, list]:
    """Rows for `application` and `process_record`: submitted on the 400 days before today."""
    rng = random.Random(7)  # noqa: S311 - the same history on every run
    statuses = [
        ("completed", 0.70),
        ("accepted", 0.10),
        ("submitted", 0.08),
        ("supplement_pending", 0.04),
        ("rejected", 0.04),
        ("withdrawn", 0.04),
    ]
    names, weights = zip(*statuses, strict=True)
    applications, records = [], []
    sequence: dict[date, int] = {}
    from mobile_hall.applications.numbering import format_application_number

    for index in range(APPLICATIONS):
        version = versions[index % len(versions)]
        day = today - timedelta(days=1 + rng.randrange(400))
        sequence[day] = sequence.get(day, 0) + 1
        number = format_application_number(day, sequence[day])
        moment = datetime.combine(day, clock_time(9 + rng.randrange(8), rng.randrange(60)))
        moment = moment.astimezone()
        status = rng.choices(names, weights)[0]
        # The demo people have a realistic history of their own (20 each); the rest are others.
        person = accounts[index % len(accounts)] if index < 20 * len(accounts) else None
        enterprise = version["audience"] == "enterprise"
        id_hash = hashlib.sha256(f"bench-{index}".encode()).hexdigest()
        applications.append(
            {
                "id": index + 1,
                "number": number,
                "item_id": version["item_id"],
                "item_version_id": version["id"],
                "unit_id": version["unit_id"],
                "account_id": person["id"] if person else None,
                "enterprise_id": person["enterprise_id"] if person else None,
                "applicant_type": _kind(person, enterprise),
                "applicant_name": "某某公司" if enterprise else "张三",
                "applicant_id_masked": "4402**********1231",
                "applicant_id_hash": person["id_number_hash"] if person else id_hash,
                "applicant_phone": f"138{index:08d}",
                "channel": "mobile" if index % 3 else "counter",
                "status": status,
                "answers": {},
                "created_at": moment,
                "updated_at": moment,
                "submitted_at": moment,
                "accepted_on": day if status in ("accepted", "completed") else None,
                "decided_at": moment if status == "completed" else None,
                "completed_at": moment + timedelta(days=3) if status == "completed" else None,
                "due_on": day + timedelta(days=20),
                "decision": "approved" if status == "completed" else None,
                "reason": "",
                "reason_points": {},
                "review_opinion": "",
                "delivery": None,
                "resume_status": None,
                "reapplied_from_id": None,
            }
        )
        stages = ["submit"]
        if status in ("accepted", "completed"):
            stages.append("accept")
        if status == "completed":
            stages += ["review", "decide", "complete"]
        # Every fifth application has its whole timeline; the others only the submission.
        if index % 5:
            stages = stages[:1]
        for step, stage in enumerate(stages):
            records.append(
                {
                    "record_id": f"bench-{index}-{step}",
                    "application_id": index + 1,
                    "application_no": number,
                    "item_code": version["code"],
                    "unit_code": version["unit_code"],
                    "stage": stage,
                    "result": "",
                    "channel": "mobile",
                    "actor_type": "applicant" if stage == "submit" else "clerk",
                    "occurred_at": moment + timedelta(hours=step),
                    "applicant_type": "legal_person" if enterprise else "person",
                    "note": "",
                    "delivered_at": None,
                }
            )
    return applications, records


def _settle(engine: sa.Engine) -> None:
    """Leave the database as it would be after a quiet night, before anything is measured: the
    new rows vacuumed and analysed and the dirty pages written out (PostgreSQL), the WAL folded
    into the database file (SQLite). Otherwise autovacuum and the checkpointer do it during the
    first minutes of measuring, on the same two cores."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE")
            connection.exec_driver_sql("CHECKPOINT")
        else:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def build(url: str) -> dict:
    """Migrate `url`, load the demo data and the synthetic catalog and history; a summary."""
    from flask_migrate import upgrade

    from bench.settings import hall_app
    from mobile_hall.catalog.services import import_catalog
    from mobile_hall.clock import now
    from mobile_hall.demo.services import DATA_DIR, load_demo
    from mobile_hall.extensions import db

    app = hall_app(url)
    timings = {}
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        load_demo()
        timings["demo"] = time.perf_counter() - started
        started = time.perf_counter()
        demo = json.loads((DATA_DIR / "catalog.json").read_text(encoding="utf-8"))
        import_catalog(_catalog_document(demo), actor="bench")
        timings["catalog"] = time.perf_counter() - started

        started = time.perf_counter()
        connection = db.session.connection()
        versions = [
            dict(row._mapping)
            for row in connection.execute(
                sa.text(
                    "SELECT v.id, v.item_id, v.audience, i.code,"
                    " (SELECT MIN(u.id) FROM item_version_unit vu JOIN unit u ON u.id = vu.unit_id"
                    "  WHERE vu.item_version_id = v.id) AS unit_id"
                    " FROM item_version v JOIN service_item i ON i.current_version_id = v.id"
                )
            )
        ]
        units = dict(connection.execute(sa.text("SELECT id, code FROM unit")).all())
        for version in versions:
            version["unit_code"] = units[version["unit_id"]]
        accounts = [
            dict(row._mapping)
            for row in connection.execute(
                sa.text("SELECT id, id_number_hash, enterprise_id FROM account")
            )
        ]
        offset = connection.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM application"))
        first_id = offset.scalar_one()
        applications, records = _history_rows(versions, accounts, now().date())
        for row in applications:
            row["id"] += first_id
        for row in records:
            row["application_id"] += first_id
        metadata = db.metadata
        for table, rows in (
            (metadata.tables["application"], applications),
            (metadata.tables["process_record"], records),
        ):
            for start in range(0, len(rows), BATCH):
                connection.execute(sa.insert(table), rows[start : start + BATCH])
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('application', 'id'),"
                " (SELECT MAX(id) FROM application))"
            )
            connection.exec_driver_sql("ANALYZE")
        db.session.commit()
        timings["history"] = time.perf_counter() - started
        counts = {
            name: db.session.scalar(sa.text(f"SELECT COUNT(*) FROM {name}"))  # noqa: S608
            for name in ("service_item", "application", "process_record", "account")
        }
        db.session.remove()
        _settle(db.engine)
        db.engine.dispose()
    return {"counts": counts, "seconds": {k: round(v, 1) for k, v in timings.items()}}


if __name__ == "__main__":
    import os
    import tempfile

    from bench.settings import bench_environment

    os.environ.update(bench_environment(tempfile.mkdtemp(prefix="bench-uploads-")))
    print(json.dumps(build(sys.argv[1]), ensure_ascii=False))
