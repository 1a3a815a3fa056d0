"""PostgreSQL transactions as a request sees them: everything up to the commit is one
transaction, rolled back whole on failure, and a locking read holds its lock until then."""

from __future__ import annotations

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


def _token(scope: str) -> ChangeToken:
    return ChangeToken(scope=scope, token="0" * 32, changed_at=now())


def _stored(app: Flask, scope: str) -> bool:
    with app.app_context():
        found = db.session.get(ChangeToken, scope) is not None
        db.session.remove()
    return found


def test_a_failure_after_a_write_rolls_the_whole_transaction_back(app, engine):
    with app.test_request_context("/"):
        db.session.execute(sa.select(ChangeToken.scope)).all()
        db.session.add(_token("test-rolled-back"))
        db.session.flush()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.add(_token("test-rolled-back"))  # the same key again
            db.session.flush()
        db.session.rollback()
    assert not _stored(app, "test-rolled-back")


def test_pending_objects_are_never_committed_by_the_request_ending(app, engine):
    with app.test_request_context("/"):
        db.session.execute(sa.select(ChangeToken.scope)).all()
        db.session.add(_token("never-committed"))
    assert not _stored(app, "never-committed")


def test_a_locking_read_holds_its_lock_until_the_transaction_ends(app, engine):
    scope = "test-locked"
    with app.app_context():
        db.session.add(_token(scope))
        db.session.commit()
    try:
        with app.test_request_context("/"):
            db.session.get(ChangeToken, scope, with_for_update=True)
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
