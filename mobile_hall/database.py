"""Engine tuning and column helpers shared by every domain's models."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from enum import Enum
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db

# The database refused or dropped the connection, or no pooled connection came free in time:
# a passing state that a person can only wait out (SQLite's "unable to open" is one too). The
# pages answer these with the hall's 503 page (common/web.py).
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.TimeoutError)


def enum_column(enum_class: type[Enum]) -> sa.Enum:
    """A portable enum column that stores the member's value, not its name."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=40,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def insert_or_update(target: sa.TableClause | type[Any], dialect_name: str):
    """An `INSERT` for `target` that can go on `ON CONFLICT DO UPDATE`, in the dialect in use."""
    construct = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return construct(target)


def local_date(moment: Any, dialect_name: str) -> sa.ColumnElement:
    """The calendar date in China Standard Time of a stored moment, in the dialect in use
    (PostgreSQL keeps moments with their zone; SQLite keeps the local wall-clock time)."""
    if dialect_name == "postgresql":
        return sa.cast(sa.func.timezone("Asia/Shanghai", moment), sa.Date)
    return sa.func.date(moment)


_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
# connection.info keys: the transaction began with a plain (deferred) BEGIN and has not written
# yet; how many SAVEPOINTs are open in it.
_DEFERRED = "hall.sqlite.deferred"
_SAVEPOINTS = "hall.sqlite.savepoints"


_LOCKING_READ = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b", re.I)


def _locks_rows(statement: str, context: object) -> bool:
    """A read that locks the rows it reads (`FOR UPDATE`, `FOR SHARE`): the caller means to
    write what it reads, so it belongs inside the writing transaction."""
    built = getattr(getattr(context, "compiled", None), "statement", None)
    # A select() built in Python says it outright.
    if built is not None and hasattr(built, "_for_update_arg"):
        return built._for_update_arg is not None
    return _LOCKING_READ.search(statement) is not None  # SQL written as text


def _is_write(statement: str, context: object) -> bool:
    """A statement that needs SQLite's write lock: a change, or a read that locks rows (SQLite
    has no FOR UPDATE: its compiler drops it, and the lock is taken here instead)."""
    return statement.lstrip()[:7].upper().startswith(_WRITE_VERBS) or _locks_rows(
        statement, context
    )


def _tune_sqlite(engine: sa.Engine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions that queue for the write lock.

    SQLite has one writer at a time. A transaction opened with a plain (deferred) `BEGIN` that
    has read and then wants to write fails at once with "database is locked" when another
    connection committed since it began, whatever the busy timeout; one opened with
    `BEGIN IMMEDIATE` queues for the write lock instead. This is SQLAlchemy's documented
    recipe (pysqlite's own transaction handling off, `BEGIN` sent from the "begin" event),
    with one refinement: a transaction starts with a plain `BEGIN`, so reads never wait, and
    just before its first write or locking read (`FOR UPDATE`, which SQLite lacks) it is
    restarted as `BEGIN IMMEDIATE`. It had written nothing, so nothing is lost, and the only
    write lock is held from the first write to the commit, not while the request renders.
    Inside a SAVEPOINT a restart would end the savepoint: there it upgrades in place.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not pysqlite, open transactions so SAVEPOINTs behave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")
        connection.info[_DEFERRED] = True
        connection.info[_SAVEPOINTS] = 0

    @sa.event.listens_for(engine, "savepoint")
    def _on_savepoint(connection: sa.Connection, _name: str) -> None:
        connection.info[_SAVEPOINTS] = connection.info.get(_SAVEPOINTS, 0) + 1

    @sa.event.listens_for(engine, "release_savepoint")
    @sa.event.listens_for(engine, "rollback_savepoint")
    def _on_savepoint_end(connection: sa.Connection, _name: str, _context: object) -> None:
        connection.info[_SAVEPOINTS] = max(0, connection.info.get(_SAVEPOINTS, 0) - 1)

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")
    def _on_end(connection: sa.Connection) -> None:
        connection.info[_DEFERRED] = False
        connection.info[_SAVEPOINTS] = 0

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection, cursor, statement, _parameters, context, _many) -> None:
        if not connection.info.get(_DEFERRED):
            return
        if not _is_write(statement, context):
            return
        connection.info[_DEFERRED] = False
        if connection.info.get(_SAVEPOINTS) or not cursor.connection.in_transaction:
            return  # a restart would end the savepoint: upgrade in place
        try:
            cursor.execute("COMMIT")  # the reads so far: nothing was written
        except sqlite3.OperationalError:
            return  # a read still in progress holds the snapshot: upgrade in place
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except Exception:
            cursor.execute("BEGIN")  # keep a transaction open for the caller to roll back
            raise


def discard_uncommitted() -> None:
    """Roll back what this request wrote and did not commit, before a failure is answered.

    The error page or redirect is still a response, and saving its session commits the session
    row: without this, the half of the change a failed request wrote would commit with it."""
    # A connection that is gone took whatever it held with it.
    with contextlib.suppress(*DATABASE_UNAVAILABLE):
        db.session.rollback()


def init_database(app: Flask) -> None:
    """Bind the database to the app, tuning SQLite for the embedded deployment."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
