"""PostgreSQL: a request that only read ends with COMMIT (psycopg keeps its prepared statements,
which a ROLLBACK throws away); one that wrote without committing still ends with ROLLBACK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from mobile_hall.clock import now
from mobile_hall.common.models import ChangeToken
from mobile_hall.extensions import db


@pytest.fixture
def endings(app: Flask) -> Iterator[list[str]]:
    """How each transaction on the real engine ended, in order."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    seen: list[str] = []

    def on_commit(_connection) -> None:
        seen.append("commit")

    def on_rollback(_connection) -> None:
        seen.append("rollback")

    sa.event.listen(engine, "commit", on_commit)
    sa.event.listen(engine, "rollback", on_rollback)
    yield seen
    sa.event.remove(engine, "commit", on_commit)
    sa.event.remove(engine, "rollback", on_rollback)


def test_a_page_view_that_only_read_ends_with_commit(app, endings):
    # The app's own sessions (no test transaction around them), reading only.
    client = app.test_client()
    assert client.get("/units/QJ-MB").status_code == 200
    assert endings == ["commit"]


def test_a_request_that_wrote_without_committing_ends_with_rollback(app, endings):
    with app.test_request_context("/"):
        db.session.execute(sa.text("UPDATE change_token SET token = 'x' WHERE scope = 'none'"))
    assert endings == ["rollback"]


def test_pending_objects_are_never_committed_by_the_ending(app, endings):
    with app.test_request_context("/"):
        db.session.execute(sa.select(ChangeToken.scope)).all()
        db.session.add(ChangeToken(scope="never-committed", token="0" * 32, changed_at=now()))
    assert endings == ["rollback"]
    with app.app_context():
        assert db.session.get(ChangeToken, "never-committed") is None
