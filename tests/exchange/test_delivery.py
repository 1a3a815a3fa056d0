"""Delivery to the stand-in province over real HTTP: in order, each record once, retried
with backoff while the province is down or failing, and nothing personal in any body."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.applications.models import Application, ProcessRecord
from mobile_hall.clock import now
from mobile_hall.exchange.delivery import RetryPolicy, deliver_batch
from mobile_hall.exchange.log import assign_sequences
from mobile_hall.exchange.services import exchange_status
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from tests.support import builders
from tests.support.exchange import write_records
from tests.support.province import courier, province

SECRET = "test-exchange-secret"
QUICK = RetryPolicy(base_seconds=0.001, cap_seconds=0.002)


def _deliver_all(to, batch_size: int = 4, attempts: int = 200, retry=QUICK) -> None:
    """Run the worker's steps until nothing is waiting (or `attempts` run out)."""
    for _ in range(attempts):
        assign_sequences()
        outcome = deliver_batch(to, batch_size, retry)
        if not outcome.delivered and outcome.error is None and outcome.retry_at is None:
            return
    raise AssertionError("still not delivered")


def _undelivered() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(ProcessRecord.delivered_at.is_(None)))


def test_a_province_down_then_up_gets_every_record_once_and_in_order(caught_up, tmp_path):
    written = write_records(10)
    db.session.commit()
    with province() as stand_in:
        to = courier(stand_in.url, SECRET)
        errors = []
        while len(errors) < 3:  # down: the port answers 503
            assign_sequences()
            outcome = deliver_batch(to, 4, QUICK)
            assert outcome.delivered == 0
            errors += [outcome.error] if outcome.error else []
        assert all(error.startswith("HTTP 503") for error in errors)
        assert _undelivered() == 10
        state = exchange_status()
        assert state.failures >= 1 and "503" in state.last_error and state.backlog == 10
        stand_in.start(SECRET, tmp_path / "province.sqlite3")
        _deliver_all(to)
        received = stand_in.store.received(limit=100)
    assert [row["record_id"] for row in received] == written
    assert [row["times_received"] for row in received] == [1] * 10
    sequences = [row["sequence"] for row in received]
    assert sequences == sorted(sequences)
    state = exchange_status()
    assert (state.backlog, state.failures, state.next_attempt_at) == (0, 0, None)
    assert state.last_success_at is not None and state.delivered_by_day[0][1] >= 10


def test_a_failing_province_is_retried_only_after_the_backoff(caught_up, tmp_path):
    write_records(3)
    db.session.commit()
    slow_retry = RetryPolicy(base_seconds=60, cap_seconds=600)
    with province(SECRET, tmp_path / "p.sqlite3", PROVINCE_FAULT="error") as stand_in:
        to = courier(stand_in.url, SECRET)
        assign_sequences()
        failed = deliver_batch(to, 10, slow_retry)
        assert failed.error and failed.error.startswith("HTTP 500")
        assert timedelta(seconds=30) <= failed.retry_at - now() <= timedelta(seconds=60)
        stand_in.faults.set("none")
        waited = deliver_batch(to, 10, slow_retry)  # still inside the backoff: nothing sent
        assert (waited.delivered, waited.retry_at) == (0, failed.retry_at)
        assert stand_in.store.totals()["batches"] == 0
        with time_machine.travel(failed.retry_at + timedelta(seconds=1)):
            assert deliver_batch(to, 10, slow_retry).delivered == 3
    assert _undelivered() == 0


def test_a_province_that_does_not_answer_in_time_is_a_failure(caught_up, tmp_path):
    write_records(2)
    db.session.commit()
    config = {"PROVINCE_FAULT": "timeout", "PROVINCE_HANG_SECONDS": 1.0}
    with province(SECRET, tmp_path / "p.sqlite3", **config) as stand_in:
        assign_sequences()
        outcome = deliver_batch(courier(stand_in.url, SECRET, read_timeout=0.2), 10, QUICK)
    assert outcome.error and "Timeout" in outcome.error
    assert _undelivered() == 2


def test_a_slow_province_still_gets_the_batch(caught_up, tmp_path):
    written = write_records(2)
    db.session.commit()
    config = {"PROVINCE_FAULT": "slow", "PROVINCE_SLOW_SECONDS": 0.2}
    with province(SECRET, tmp_path / "p.sqlite3", **config) as stand_in:
        _deliver_all(courier(stand_in.url, SECRET))
        assert [row["record_id"] for row in stand_in.store.received()] == written


def test_a_province_with_another_secret_refuses_and_nothing_counts_as_delivered(
    caught_up, tmp_path
):
    write_records(2)
    db.session.commit()
    with province("the-provinces-own-secret", tmp_path / "p.sqlite3") as stand_in:
        assign_sequences()
        outcome = deliver_batch(courier(stand_in.url, SECRET), 10, QUICK)
        assert stand_in.store.totals()["records"] == 0
    assert outcome.error and outcome.error.startswith("HTTP 401")
    assert _undelivered() == 2


@pytest.mark.parametrize("failures", [1, 2, 5, 30, 10_000])
def test_the_backoff_doubles_up_to_its_cap_with_jitter(failures):
    policy = RetryPolicy(base_seconds=2, cap_seconds=300)
    ceiling = min(300, 2 * 2 ** (failures - 1))
    delays = {policy.delay(failures) for _ in range(20)}
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(delays) > 1  # jitter: workers that failed together do not retry together


def test_no_pushed_body_holds_a_name_an_id_number_or_a_phone(caught_up, tmp_path):
    number, phone_holder = builders.id_number(), builders.make_account()
    person = builders.make_account(number=number)
    unit = builders.make_unit()
    version = builders.make_item(unit)
    builders.make_application(person, version, ApplicationStatus.COMPLETED)
    builders.make_application(phone_holder, version, ApplicationStatus.ACCEPTED)
    db.session.execute(sa.update(ProcessRecord).values(delivered_at=None))  # the demo's too
    db.session.commit()
    with province(SECRET, tmp_path / "p.sqlite3") as stand_in:
        _deliver_all(courier(stand_in.url, SECRET), batch_size=200, attempts=1000)
        bodies = [body.decode("utf-8") for body in stand_in.store.bodies()]
    assert bodies and _undelivered() == 0
    secrets_of_people = {number}
    for name, phone, masked in db.session.execute(
        sa.select(
            Application.applicant_name,
            Application.applicant_phone,
            Application.applicant_id_masked,
        )
    ):
        secrets_of_people |= {name, phone, masked}
    for name, phone in db.session.execute(sa.select(Account.name, Account.phone)):
        secrets_of_people |= {name, phone}
    secrets_of_people -= {"", None}
    found = {secret for secret in secrets_of_people for body in bodies if secret in body}
    assert found == set()
    record = json.loads(bodies[0])["records"][0]
    assert "note" not in record and len(record) == 11
