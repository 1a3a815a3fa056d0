"""PostgreSQL transactions begin at their first write (`database._begin_at_first_write`): a
request that only reads sends its statements and nothing else (no BEGIN, COMMIT or ROLLBACK,
so psycopg keeps its prepared statements); from the first write on, everything up to the commit
is one transaction, rolled back whole on failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from mobile_hall.clock import now
from mobile_hall.common.models import ChangeToken
from mobile_hall.extensions import db


@pytest.fixture
def engine(app: Flask) -> sa.Engine:
    with app.app_context():
        made = db.engine
    if made.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    return made


@pytest.fixture
def sent(engine: sa.Engine) -> Iterator[list[tuple[str, bool]]]:
    """Each statement sent on the real engine: its first word and whether it ran outside a
    transaction (the connection in autocommit)."""
    seen: list[tuple[str, bool]] = []

    def note(_connection, cursor, statement, *_args) -> None:
        seen.append((statement.split()[0].upper(), cursor.connection.autocommit))

    sa.event.listen(engine, "after_cursor_execute", note)
    yield seen
    sa.event.remove(engine, "after_cursor_execute", note)


def _token(scope: str) -> ChangeToken:
    return ChangeToken(scope=scope, token="0" * 32, changed_at=now())


def _stored(app: Flask, scope: str) -> bool:
    with app.app_context():
        found = db.session.get(ChangeToken, scope) is not None
        db.session.remove()
    return found


def test_a_page_view_that_only_read_sends_no_transaction_at_all(app, sent):
    # The app's own sessions (no test transaction around them), reading only.
    client = app.test_client()
    assert client.get("/units/QJ-MB").status_code == 200
    assert sent and all(word == "SELECT" and outside for word, outside in sent)


def test_reads_then_writes_commit_together_from_the_first_write(app, sent):
    scopes = ("test-first-write-a", "test-first-write-b")
    try:
        with app.test_request_context("/"):
            db.session.execute(sa.select(ChangeToken.scope)).all()
            db.session.add_all([_token(scope) for scope in scopes])
            db.session.commit()
        words = [word for word, _outside in sent]
        assert words[0] == "SELECT" and sent[0][1] is True
        assert all(not outside for _word, outside in sent[1:])  # inside the transaction
        assert all(_stored(app, scope) for scope in scopes)
    finally:
        with app.app_context():
            db.session.execute(sa.delete(ChangeToken).where(ChangeToken.scope.in_(scopes)))
            db.session.commit()


def test_connections_go_back_to_the_pool_in_autocommit_after_a_write(app, engine, sent):
    # The next read without a transaction (the session's, on every request) needs no switch.
    scope = "test-rest-in-autocommit"
    try:
        with app.test_request_context("/"):
            db.session.add(_token(scope))
            db.session.commit()
            db.session.remove()
        assert sent[0] == ("INSERT", False)
        with engine.connect() as pooled:
            raw = pooled.connection.driver_connection
            assert raw.autocommit is True and raw.info.transaction_status == 0  # IDLE
        sent.clear()
        with app.test_request_context("/"):
            assert db.session.get(ChangeToken, scope) is not None  # committed
            db.session.add(_token(scope + "-2"))
            db.session.flush()  # and the next write begins a transaction again
            db.session.rollback()
        assert sent == [("SELECT", True), ("INSERT", False)]
        assert not _stored(app, scope + "-2")
    finally:
        with app.app_context():
            db.session.execute(sa.delete(ChangeToken).where(ChangeToken.scope == scope))
            db.session.commit()


def test_a_connection_asked_for_autocommit_never_begins_a_transaction(engine, sent):
    # VACUUM refuses to run inside a transaction (the bench settles its dataset so).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE change_token")
        connection.exec_driver_sql("UPDATE change_token SET token = token WHERE false")
    assert sent == [("VACUUM", True), ("UPDATE", True)]
    with engine.connect() as pooled:  # and the pool has it back at rest
        assert pooled.connection.driver_connection.autocommit is True


def test_a_failure_after_a_write_rolls_the_whole_transaction_back(app):
    with app.test_request_context("/"):
        db.session.execute(sa.select(ChangeToken.scope)).all()
        db.session.add(_token("test-rolled-back"))
        db.session.flush()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.add(_token("test-rolled-back"))  # the same key again
            db.session.flush()
        db.session.rollback()
    assert not _stored(app, "test-rolled-back")


def test_pending_objects_are_never_committed_by_the_request_ending(app):
    with app.test_request_context("/"):
        db.session.execute(sa.select(ChangeToken.scope)).all()
        db.session.add(_token("never-committed"))
    assert not _stored(app, "never-committed")


def test_a_locking_read_begins_the_transaction_and_holds_its_lock(app, engine, sent):
    scope = "test-locked"
    with app.app_context():
        db.session.add(_token(scope))
        db.session.commit()
    try:
        with app.test_request_context("/"):
            db.session.get(ChangeToken, scope, with_for_update=True)
            assert sent[-1] == ("SELECT", False)
            with engine.connect() as other, pytest.raises(sa.exc.OperationalError):
                other.execute(sa.text("SET lock_timeout = '100ms'"))
                other.execute(
                    sa.select(ChangeToken.scope)
                    .where(ChangeToken.scope == scope)
                    .with_for_update(nowait=True)
                )
            db.session.rollback()
    finally:
        with app.app_context():
            db.session.execute(sa.delete(ChangeToken).where(ChangeToken.scope == scope))
            db.session.commit()


def test_a_locking_read_written_as_text_also_begins_the_transaction(app, engine, sent):
    with app.test_request_context("/"):
        db.session.execute(sa.text("SELECT scope FROM change_token LIMIT 1 FOR UPDATE")).all()
        assert sent[-1] == ("SELECT", False)
        db.session.rollback()
