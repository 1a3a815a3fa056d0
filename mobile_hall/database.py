"""Engine tuning and column helpers shared by every domain's models."""

from __future__ import annotations

import re
import sqlite3
import time
from enum import Enum

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

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


_LOCKING_READ = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b", re.I)


def _locks_rows(statement: str, context: object) -> bool:
    """A read that locks the rows it reads (`FOR UPDATE`, `FOR SHARE`): the caller means to
    write what it reads, so it belongs inside the writing transaction."""
    built = getattr(getattr(context, "compiled", None), "statement", None)
    if hasattr(built, "_for_update_arg"):  # a select() built in Python says it outright
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
        # A `DirectRead` has no connection: a plain read in autocommit, nothing to upgrade.
        if connection is None or not connection.info.get(_DEFERRED):
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


def init_database(app: Flask) -> None:
    """Bind the database to the app, tuning SQLite for the embedded deployment."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("DATABASE_PING_AFTER_IDLE_SECONDS", 10.0)
    db.init_app(app)
    with app.app_context():
        _ping_after_idle(db.engine, float(app.config["DATABASE_PING_AFTER_IDLE_SECONDS"]))
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            _begin_at_first_write(db.engine)


_CHECKED_IN_AT = "hall.checked_in_at"  # connection record info: when it went back to the pool


def _ping_after_idle(engine: sa.Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only when it sat idle for `idle_seconds` or more.

    A connection the server dropped (a restart, an idle timeout, a failover) is found by a ping
    and replaced before the request uses it. SQLAlchemy's `pool_pre_ping` pings on every
    checkout: a round trip per request to PostgreSQL (one in six of the progress lookup's).
    A connection used a moment ago is alive but for a server restart in that moment, and then
    its first statement fails, SQLAlchemy sees the disconnect and replaces the whole pool; so
    the ping is kept for connections that sat idle, the ones a server timeout or a night's
    restart leaves dead. 0 pings at every checkout.
    """

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return  # just connected, or in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            # The pool drops this connection and checks out a new one (SQLAlchemy's recipe).
            record.info.pop(_CHECKED_IN_AT, None)
            raise sa.exc.DisconnectionError("the database connection was closed while idle")


_LAZY_BEGIN = "hall.pg.lazy_begin"  # connection.info: no BEGIN has been sent yet


def _needs_transaction(statement: str, context: object) -> bool:
    """A statement that must run inside the transaction: anything but a plain `SELECT`."""
    return not statement.lstrip()[:6].upper().startswith("SELECT") or _locks_rows(
        statement, context
    )


def _asks_autocommit(connection: sa.Connection) -> bool:
    """Whether the connection was asked for SQLAlchemy's AUTOCOMMIT isolation level (on itself
    or on its engine): then it never begins a transaction, even at a write."""
    level = connection.get_execution_options().get("isolation_level")
    return (level or connection.dialect.isolation_level) == "AUTOCOMMIT"


def _begin_at_first_write(engine: sa.Engine) -> None:
    """PostgreSQL: send `BEGIN` just before a transaction's first write, not at its start.

    Most requests only read: a page served from the cache reads the session row and nothing
    else. Opening a transaction for them cost two round trips (`BEGIN`, and `COMMIT` or
    `ROLLBACK` at the end) around one statement, and a `ROLLBACK` also made psycopg forget
    every prepared statement, so PostgreSQL planned each query afresh on each request. So each
    transaction starts with the connection in autocommit mode: its reads run as single
    statements, and just before the first statement that is not a plain `SELECT` (a write, a
    `SAVEPOINT`, a locking read such as `FOR UPDATE`) the connection leaves autocommit, and
    psycopg sends `BEGIN` with it. Everything from there to the commit is one transaction, as
    before. The reads before it see what a READ COMMITTED transaction (PostgreSQL's default,
    used here) would have seen: each statement there takes a fresh snapshot anyway, and a plain
    `SELECT` takes no lock. A transaction that only read ends with nothing sent.

    Connections rest in the pool in autocommit mode, and go back to it so after a transaction
    that wrote: a read with no transaction at all (`DirectRead`, the session's on every
    request) then needs no switch of mode either (each switch goes through psycopg's lock and
    wait loop, a third of such a read's own time in the client).
    """

    def _rest(dbapi_connection) -> None:
        if not dbapi_connection.autocommit and dbapi_connection.info.transaction_status == 0:
            dbapi_connection.autocommit = True  # IDLE: nothing begun, nothing lost

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        _rest(dbapi_connection)

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, _record) -> None:
        if dbapi_connection is not None:  # None when the connection was invalidated
            _rest(dbapi_connection)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if _asks_autocommit(connection):
            return  # every statement on its own (e.g. VACUUM, which refuses a transaction)
        raw = connection.connection.dbapi_connection
        if raw is not None and raw.info.transaction_status == 0:  # IDLE
            _rest(raw)
            connection.info[_LAZY_BEGIN] = True

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_statement(connection, cursor, statement, _parameters, context, _many) -> None:
        # A `DirectRead` has no connection: a plain read in autocommit, nothing to begin.
        if connection is None:
            return
        if connection.info.get(_LAZY_BEGIN) and _needs_transaction(statement, context):
            connection.info[_LAZY_BEGIN] = False
            cursor.connection.autocommit = False  # psycopg sends BEGIN before the statement

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")
    def _on_end(connection: sa.Connection) -> None:
        # Nothing was begun on the server if the transaction never wrote: the commit or
        # rollback about to follow is then a no-op (psycopg sends nothing when idle).
        connection.info.pop(_LAZY_BEGIN, None)


def loaded_columns(model: type) -> list[sa.orm.ColumnProperty]:
    """The column attributes a query of `model` loads at once (its deferred ones left out)."""
    return [prop for prop in sa.inspect(model).column_attrs if not prop.deferred]


def as_loaded(model: type, values: dict[str, object]) -> object:
    """An instance of `model` holding `values` as if a query of the session had just loaded it.

    For rows read on every request through a flat Core select (the session's own): building
    the instances here costs a fraction of the ORM's loading of the same joined rows. Columns
    not in `values` (the deferred ones) load when first read, as deferred columns do; the
    instance joins `db.session`'s identity map, so it is updated and deleted as any other.
    An instance the session already holds is returned as it is, as a query would.
    """
    mapper = sa.inspect(model)
    identity = mapper.identity_key_from_primary_key(
        [values[mapper.get_property_by_column(column).key] for column in mapper.primary_key]
    )
    held = db.session.identity_map.get(identity)
    if held is not None:
        return held
    instance = mapper.class_manager.new_instance()
    for key, value in values.items():
        set_committed_value(instance, key, value)
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


class DirectRead:
    """A select run straight on a pooled DB-API cursor: for the reads nearly every request makes
    (the signed-in session, the progress lookup).

    SQLAlchemy's execution of one small select (a `Connection`, its transaction, seven events,
    the result's metadata) costs more than the statement itself: on PostgreSQL 0.16 ms against
    0.05 for `SELECT 1` through psycopg, and a connection's work around a read is all of it
    when the read is the request's only statement. Here the statement is compiled once per
    dialect, sent on a cursor of a pooled connection (which rests in autocommit on PostgreSQL:
    a plain read needs no transaction, as `_begin_at_first_write` has it), and its rows are
    converted by SQLAlchemy's own result processors, so they are what `Connection.execute`
    would give.
    Statement listeners (`before_cursor_execute`) are told of it, with no connection. When the
    session is bound to a connection (an enclosing transaction, as the tests' isolation opens),
    the read goes through it, to see what that transaction holds.
    """

    def __init__(self, statement: sa.Select) -> None:
        """Prepare to run `statement`, whose bound parameters need no conversion (strings,
        numbers): that is checked when it is first compiled."""
        self.statement = statement
        self._compiled: dict[str, tuple] = {}

    def _for(self, dialect: sa.Dialect) -> tuple:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            for bind in compiled.binds.values():
                if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                    raise TypeError(f"{bind.key}: a parameter that needs conversion")
            processors = [
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self.statement.selected_columns
            ]
            found = (compiled, compiled.string, processors)
            self._compiled[dialect.name] = found
        return found

    def rows(self, **params: object) -> list[tuple]:
        """The statement's rows for `params`, converted as SQLAlchemy converts them."""
        # Asked of the session factory: making the request a session only to ask would cost
        # as much as the read (most requests that read this way use no session at all).
        bound = db.session.session_factory.kw.get("bind")
        if isinstance(bound, sa.Connection):
            return [tuple(row) for row in bound.execute(self.statement, params)]
        engine = db.engine
        compiled, sql, processors = self._for(engine.dialect)
        values = compiled.construct_params(params)
        parameters = (
            tuple(values[name] for name in compiled.positiontup) if compiled.positional else values
        )
        fetched = self._run(engine, sql, parameters)
        return [
            tuple(
                value if convert is None or value is None else convert(value)
                for convert, value in zip(processors, row, strict=True)
            )
            for row in fetched
        ]

    @staticmethod
    def _run(engine: sa.Engine, sql: str, parameters: object) -> list:
        # On PostgreSQL the pooled connection rests in autocommit (`_begin_at_first_write`):
        # the read is a statement of its own, with no BEGIN and nothing to end.
        pooled = engine.raw_connection()  # the checkout event pings one that sat idle
        cursor = None
        try:
            cursor = pooled.cursor()
            engine.dispatch.before_cursor_execute(None, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            return cursor.fetchall()
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, pooled.dbapi_connection, cursor):
                pooled.invalidate(error)  # the next checkout connects afresh
            raise sa.exc.DBAPIError.instance(
                sql, parameters, error, engine.dialect.loaded_dbapi.Error
            ) from error
        finally:
            if cursor is not None:
                cursor.close()
            pooled.close()  # back to the pool
