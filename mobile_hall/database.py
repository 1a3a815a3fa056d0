"""Engine tuning and column helpers shared by every domain's models."""

from __future__ import annotations

import sqlite3
from enum import Enum

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db


def enum_column(enum_class: type[Enum]) -> sa.Enum:
    """A portable enum column that stores the member's value, not its name."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=40,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def insert_or_update(target: object, dialect_name: str):
    """An `INSERT` for `target` that can go on `ON CONFLICT DO UPDATE`, in the dialect in use."""
    construct = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return construct(target)


_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
# connection.info keys: the transaction began with a plain (deferred) BEGIN and has not written
# yet; how many SAVEPOINTs are open in it.
_DEFERRED = "hall.sqlite.deferred"
_SAVEPOINTS = "hall.sqlite.savepoints"


def _is_write(statement: str, context: object) -> bool:
    """A statement that needs SQLite's write lock: a change, or a read that locks rows."""
    if statement.lstrip()[:7].upper().startswith(_WRITE_VERBS):
        return True
    compiled = getattr(context, "compiled", None)
    # SQLite has no FOR UPDATE (the compiler drops it): the caller means to write what it reads.
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


def _tune_sqlite(engine: sa.Engine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions that queue for the write lock.

    SQLite has one writer at a time. A transaction opened with a plain (deferred) `BEGIN` that
    has read and then wants to write cannot wait for the write lock: when another connection
    committed since it began, the write fails at once with "database is locked" (its snapshot
    is stale), whatever the busy timeout. A transaction opened with `BEGIN IMMEDIATE` takes
    the write lock first, queueing for it (up to the busy timeout), and then cannot fail so.

    Every transaction opens with a plain `BEGIN`, so that reads never wait and never block a
    writer (WAL). Just before its first write or locking read (`FOR UPDATE`, which SQLite does
    not have: the caller means to write what it reads), a transaction that has not written is
    restarted as `BEGIN IMMEDIATE`: it had written nothing, so nothing is lost, and the write
    lock is held only from the first write to the commit, not while the request reads,
    checks and renders. What it read before the restart is what a READ COMMITTED transaction
    on PostgreSQL (production) could have read; what must be read fresh is read with FOR
    UPDATE, as on PostgreSQL, and is read after the restart, under the write lock. This covers
    form posts as well as the page views that write (a session touch, a flashed message
    popped, a view recorded) and commands. Inside a SAVEPOINT a restart would end the
    savepoint: there the transaction upgrades in place, as before.

    (Opening every transaction of a form post with `BEGIN IMMEDIATE` would also be safe, but
    holds the only write lock while the request reads and renders: measured on the
    application journey, 11 submissions/s against 20 for this.)
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
        if not connection.info.get(_DEFERRED) or not _is_write(statement, context):
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
        elif db.engine.dialect.name == "postgresql":
            _end_reads_with_commit(app, db.engine)


_WROTE = "hall.wrote"  # connection.info: the current transaction sent something but a SELECT


def _end_reads_with_commit(app: Flask, engine: sa.Engine) -> None:
    """End a request's read-only transaction with COMMIT instead of the usual ROLLBACK.

    psycopg forgets every prepared statement when it sees a ROLLBACK, so ending each page view
    with one made PostgreSQL plan every query afresh on every request (a query joining a few
    tables plans in about a millisecond, more than it runs). For a transaction that wrote
    nothing, COMMIT and ROLLBACK are the same thing; anything else (an error, pending objects,
    a statement that was not a SELECT) still ends with ROLLBACK.
    """

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.info[_WROTE] = False

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _on_statement(connection, _cursor, statement, _parameters, _context, _many) -> None:
        if not statement.lstrip()[:6].upper().startswith("SELECT"):
            connection.info[_WROTE] = True

    # Registered after Flask-SQLAlchemy's own teardown, so it runs before the session is removed.
    @app.teardown_appcontext
    def _finish_reads(error: BaseException | None) -> None:
        session = db.session()
        if error is not None or not session.in_transaction():
            return
        if session.new or session.dirty or session.deleted:
            return
        if session.connection().info.get(_WROTE, True):
            return
        session.commit()
