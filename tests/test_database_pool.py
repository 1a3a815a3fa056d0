"""Pooled connections are pinged only after sitting idle (`database._ping_after_idle`): a
connection the server dropped while idle is replaced before a request uses it, and a
connection in steady use costs no extra round trip."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from mobile_hall.database import _ping_after_idle

IDLE = 0.2  # seconds, so that the tests can wait it out


@pytest.fixture
def engine(app: Flask) -> Iterator[sa.Engine]:
    """An engine on the suite's database with the hall's ping rule, one pooled connection."""
    made = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    _ping_after_idle(made, IDLE)
    yield made
    made.dispose()


@pytest.fixture
def pings(engine: sa.Engine, monkeypatch) -> list[bool]:
    """Each ping the dialect sends, with whether the connection answered."""
    sent: list[bool] = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection) -> bool:
        try:
            answered = real_ping(dbapi_connection)
        except Exception:
            sent.append(False)
            raise
        sent.append(answered)
        return answered

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return sent


def _backend(connection: sa.Connection) -> int:
    return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def _drop_pooled_connection(engine: sa.Engine) -> int:
    """End the server side of the pool's connection, as a restart would; its backend id."""
    with engine.connect() as connection:
        dropped = _backend(connection)
    with sa.create_engine(engine.url, poolclass=sa.pool.NullPool).connect() as admin:
        admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        admin.commit()
    return dropped


def _postgresql_only(engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")


def test_a_connection_in_steady_use_is_not_pinged(engine, pings):
    for _ in range(5):
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
    assert pings == []


def test_a_connection_idle_for_a_while_is_pinged_before_use(engine, pings):
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    time.sleep(IDLE * 1.5)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
    assert pings == [True]


def test_a_connection_the_server_dropped_while_idle_is_replaced_unseen(engine, pings):
    _postgresql_only(engine)
    dropped = _drop_pooled_connection(engine)
    time.sleep(IDLE * 1.5)
    with engine.connect() as connection:  # no error reaches the caller
        assert _backend(connection) != dropped
    assert pings == [False]


def test_a_connection_dropped_while_in_use_fails_once_and_the_pool_recovers(engine, pings):
    _postgresql_only(engine)
    dropped = _drop_pooled_connection(engine)
    with pytest.raises(sa.exc.OperationalError) as failure, engine.connect() as connection:
        _backend(connection)  # used a moment ago: not pinged, so its first statement fails
    assert failure.value.connection_invalidated
    with engine.connect() as connection:
        assert _backend(connection) != dropped
    assert pings == []
