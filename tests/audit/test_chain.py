"""The audit trail is a hash chain: `flask audit verify` finds a removed or altered record, two
writers at once never fork it, and the database refuses to change or remove a record."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.audit.services import record_event, verify_chain
from mobile_hall.extensions import db


@contextmanager
def append_only_guard_lifted() -> Iterator[None]:
    """Let the test tamper with the trail as an intruder would (rolled back with the test)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    else:
        db.session.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        db.session.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
    yield


def three_records() -> list[int]:
    ids = [record_event("account:1", "test.chain", target=f"thing:{n}", n=n).id for n in range(3)]
    db.session.commit()
    return ids


def test_an_untouched_trail_verifies(runner, app_context):
    three_records()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "审计记录链完好" in result.output


def test_an_altered_record_is_named_by_verify(runner, app_context):
    _first, second, _third = three_records()
    with append_only_guard_lifted():
        db.session.execute(
            sa.update(AuditEvent).where(AuditEvent.id == second).values(actor="account:2")
        )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"第 {second} 号记录" in result.output


def test_a_removed_record_is_found_at_the_next_one(runner, app_context):
    _first, second, third = three_records()
    with append_only_guard_lifted():
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == second))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"第 {third} 号记录" in result.output


def test_removing_the_last_records_is_found_too(app_context):
    _first, _second, third = three_records()
    with append_only_guard_lifted():
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == third))
    check = verify_chain()
    assert not check.intact and check.bad_event_id == third


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_or_remove_a_record(app_context, change):
    event_id = three_records()[0]
    statement = (
        sa.update(AuditEvent).where(AuditEvent.id == event_id).values(action="test.forged")
        if change == "update"
        else sa.delete(AuditEvent).where(AuditEvent.id == event_id)
    )
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(statement)
    assert db.session.get(AuditEvent, event_id).action == "test.chain"


def test_two_writers_at_once_never_fork_the_chain(app):
    """Real threads, real commits: each record must chain to the one just before it."""
    with app.app_context():
        start = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for n in range(15):
                    record_event(f"thread:{writer}", "test.concurrent", n=n)
                    db.session.commit()
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=write, args=(w,)) for w in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id)
        ).all()
        assert len([e for e in events if e.action == "test.concurrent"]) == 30
        assert all(b.previous_hash == a.hash for a, b in itertools.pairwise(events))
        assert verify_chain().intact
