"""SQLite transactions (`database._tune_sqlite`): reads never wait, a write waits for its turn.

Each test has its own database file and engine with two connections, as two workers would.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from mobile_hall.database import _tune_sqlite

ROWS = sa.table("counter", sa.column("id"), sa.column("value"))


@pytest.fixture
def engine(tmp_path):
    made = sa.create_engine(f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    _tune_sqlite(made)
    with made.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)")
        connection.exec_driver_sql("INSERT INTO counter VALUES (1, 0), (2, 0)")
    yield made
    made.dispose()


def _value(connection: sa.Connection, row: int = 1) -> int:
    return connection.execute(sa.select(ROWS.c.value).where(ROWS.c.id == row)).scalar_one()


def _bump(connection: sa.Connection, row: int = 1) -> None:
    connection.execute(sa.update(ROWS).where(ROWS.c.id == row).values(value=ROWS.c.value + 1))


def test_a_reader_that_writes_after_another_commit_gets_its_turn(engine):
    with engine.connect() as page, engine.connect() as other:
        assert _value(page) == 0  # a page view reads: a plain BEGIN, a snapshot
        with other.begin():
            _bump(other)  # meanwhile another worker writes and commits
        _bump(page)  # formerly "database is locked" at once: the snapshot was stale
        page.commit()
        assert _value(other) == 2  # both increments are there


def test_a_locking_read_takes_the_write_lock_and_reads_fresh(engine):
    with engine.connect() as first, engine.connect() as second:
        _value(second)  # an old snapshot...
        with first.begin():
            _bump(first)
        # ...FOR UPDATE restarts the transaction under the write lock: it reads the new value
        locked = sa.select(ROWS.c.value).where(ROWS.c.id == 1).with_for_update()
        assert second.execute(locked).scalar_one() == 1
        finished = threading.Event()

        def write_meanwhile() -> None:
            with engine.begin() as third:  # queues behind the lock held by `second`
                _bump(third, 2)
            finished.set()

        writer = threading.Thread(target=write_meanwhile)
        writer.start()
        # A real wait, not a clock: long enough for the writer to have got through were it
        # not queued behind the lock, short to keep the test quick.
        assert not finished.wait(timeout=0.2)
        second.commit()
        writer.join(timeout=10)
        assert finished.is_set()


def test_inside_a_savepoint_the_transaction_is_not_restarted(engine):
    with engine.connect() as connection:
        _value(connection)
        savepoint = connection.begin_nested()
        _bump(connection)  # upgraded in place: the savepoint is still there to roll back
        savepoint.rollback()
        _bump(connection, 2)
        connection.commit()
        assert (_value(connection, 1), _value(connection, 2)) == (0, 1)


def test_two_writers_that_both_read_first_both_succeed(engine):
    both_read = threading.Barrier(2, timeout=10)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            with engine.connect() as connection:
                _value(connection)
                both_read.wait()
                _bump(connection)
                connection.commit()
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert failures == []
    with engine.connect() as connection:
        assert _value(connection) == 2
