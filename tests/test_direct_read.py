"""Reads on the DB-API cursor (`database.DirectRead`): the rows SQLAlchemy would give, seen by
statement listeners, outside any transaction, and a connection the server dropped replaced.

These run on the app's own sessions (no test transaction around them), as a request does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.catalog.models import ItemVersion
from mobile_hall.database import DirectRead
from mobile_hall.extensions import db

VERSIONS = (
    sa.select(
        ItemVersion.id,
        ItemVersion.status,  # an enum stored as its value
        ItemVersion.published_at,  # a timestamp (text on SQLite)
        ItemVersion.is_approval,  # a boolean (an integer on SQLite)
        ItemVersion.conditions,  # JSON
        ItemVersion.name,
    )
    .where(ItemVersion.number >= sa.bindparam("number"))
    .order_by(ItemVersion.id)
    .limit(20)
)


@pytest.fixture
def listened(app: Flask) -> Iterator[list[tuple]]:
    """What `before_cursor_execute` listeners are told: (connection, statement, autocommit)."""
    told: list[tuple] = []

    def note(connection, cursor, statement, *_args) -> None:
        told.append((connection, statement, getattr(cursor.connection, "autocommit", None)))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    yield told
    sa.event.remove(engine, "before_cursor_execute", note)


def test_the_rows_are_those_sqlalchemy_gives(app):
    with app.app_context():
        expected = [tuple(row) for row in db.session.execute(VERSIONS, {"number": 1})]
        direct = DirectRead(VERSIONS).rows(number=1)
    assert expected and direct == expected
    status, published_at, is_approval, conditions = direct[0][1:5]
    assert hasattr(status, "value") and isinstance(is_approval, bool)
    assert isinstance(conditions, list) and published_at.year >= 2016


def test_listeners_are_told_of_the_statement_which_runs_outside_a_transaction(app, listened):
    with app.app_context():
        engine = db.engine
        DirectRead(VERSIONS).rows(number=1)
        ((connection, statement, autocommit),) = listened
        assert connection is None and statement.lstrip().upper().startswith("SELECT")
        if engine.dialect.name == "postgresql":
            assert autocommit is True  # no BEGIN, no ROLLBACK
            with engine.connect() as pooled:  # back in the pool as it rests there
                assert pooled.connection.driver_connection.autocommit is True


def test_a_parameter_that_needs_conversion_is_refused(app):
    needs_conversion = sa.select(ItemVersion.id).where(
        ItemVersion.published_at > sa.bindparam("after", type_=sa.DateTime())
    )
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite converts timestamps it is given; psycopg does it itself")
        with pytest.raises(TypeError):
            DirectRead(needs_conversion).rows(after=None)


def test_a_connection_the_server_dropped_is_replaced(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    # An app of its own with a pool of one, so that the dropped connection is the one reused.
    single = create_app(
        TestingConfig(),
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0},
        OIDC_ISSUER=app.config["OIDC_ISSUER"],
    )
    backend = DirectRead(sa.select(sa.func.pg_backend_pid()))
    with single.app_context():
        engine = db.engine
        try:
            (pid,) = backend.rows()[0]
            with sa.create_engine(engine.url, poolclass=sa.pool.NullPool).connect() as admin:
                admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                admin.commit()
            with pytest.raises(sa.exc.DBAPIError):
                backend.rows()
            (replaced,) = backend.rows()[0]
        finally:
            engine.dispose()
    assert replaced != pid
