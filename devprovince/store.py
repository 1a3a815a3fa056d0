"""What the stand-in province received, in its own SQLite file: each record once by its
`record_id` (with how many times it came), and every batch body as it arrived."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS received (
    arrival INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL UNIQUE,
    sequence INTEGER NOT NULL,
    application_no TEXT NOT NULL,
    stage TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    record TEXT NOT NULL,
    first_received_at REAL NOT NULL,
    times_received INTEGER NOT NULL DEFAULT 1
);
-- Every batch as it came, a batch sent again too (an older file's `batch` table, which refused
-- a repeated signature, is left unused).
CREATE TABLE IF NOT EXISTS arrived_batch (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at REAL NOT NULL,
    body BLOB NOT NULL
);
"""
STORE = """
INSERT INTO received (record_id, sequence, application_no, stage, occurred_at, record,
                      first_received_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (record_id) DO UPDATE SET times_received = times_received + 1
"""


class Store:
    """The receiver's SQLite file; one writer at a time (a lock), any number of readers."""

    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._write = threading.Lock()
        self._local = threading.local()
        self._connection().executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.row_factory = sqlite3.Row
            self._local.connection = connection
        return connection

    def store_batch(self, body: bytes, records: list[dict]) -> tuple[int, int]:
        """Keep a batch and its records; returns (new records, records already held)."""
        moment = time.time()
        rows = [
            (
                record["record_id"],
                int(record["sequence"]),
                str(record.get("application_no", "")),
                str(record.get("stage", "")),
                str(record.get("occurred_at", "")),
                json.dumps(record, ensure_ascii=False),
                moment,
            )
            for record in records
        ]
        connection = self._connection()
        with self._write:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO arrived_batch (received_at, body) VALUES (?, ?)", (moment, body)
            )
            known = self._known(connection, [row[0] for row in rows])
            connection.executemany(STORE, rows)
            connection.execute("COMMIT")
        return len(rows) - known, known

    @staticmethod
    def _known(connection: sqlite3.Connection, record_ids: list[str]) -> int:
        count = 0
        for start in range(0, len(record_ids), 500):
            chunk = record_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            count += connection.execute(
                f"SELECT count(*) FROM received WHERE record_id IN ({marks})",  # noqa: S608
                chunk,
            ).fetchone()[0]
        return count

    def received(self, limit: int = 100, after_arrival: int = 0) -> list[sqlite3.Row]:
        """Records in the order they first arrived."""
        return (
            self._connection()
            .execute(
                "SELECT * FROM received WHERE arrival > ? ORDER BY arrival LIMIT ?",
                (after_arrival, limit),
            )
            .fetchall()
        )

    def newest(self, limit: int = 100) -> list[sqlite3.Row]:
        """The records that arrived last, newest first."""
        return (
            self._connection()
            .execute("SELECT * FROM received ORDER BY arrival DESC LIMIT ?", (limit,))
            .fetchall()
        )

    def totals(self) -> dict[str, int]:
        """How many records and batches were received, and how many records came again."""
        row = (
            self._connection()
            .execute("SELECT count(*), coalesce(sum(times_received - 1), 0) FROM received")
            .fetchone()
        )
        batches = self._connection().execute("SELECT count(*) FROM arrived_batch").fetchone()[0]
        return {"records": row[0], "repeated": row[1], "batches": batches}

    def bodies(self) -> list[bytes]:
        """Every batch body as it arrived."""
        return [
            row[0]
            for row in self._connection().execute("SELECT body FROM arrived_batch ORDER BY id")
        ]
