"""Delivery of the record log to the province (`flask exchange deliver`).

Each batch is the first undelivered records in sequence order, sent as one signed JSON body;
the records are marked delivered only when the province answered 2xx, in the transaction that
read them. A worker killed at any point leaves them undelivered and the next one sends them
again with the same `record_id`s (the province stores by `record_id`, so twice is once).

Order is the contract, so one batch is in flight at a time. On PostgreSQL the worker holds
the `delivery` row of `exchange_state` (`SELECT … FOR UPDATE`) from reading a batch to marking
it: a second worker waits for that lock and then reads the batch after it, so several workers
give fail-over without ever sending one record twice at once or out of order. SQLite has one
writer for the whole database and a lock held through an HTTP call would stop the hall's
writes: there the worker reads without the lock, and one worker runs (docs/exchange.md).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa
from flask import Flask

from ..applications.models import ProcessRecord
from ..clock import as_local, now
from ..database import DATABASE_UNAVAILABLE
from ..extensions import db
from .log import DELIVERY, assign_sequences, exchange_state, undelivered_batch
from .schema import RecordBatch

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Signature"
ERROR_LENGTH = 500


class DeliveryNotConfigured(RuntimeError):
    """No `PROVINCE_EXCHANGE_URL` or no `PROVINCE_EXCHANGE_SECRET`."""


def signature(secret: str, body: bytes) -> str:
    """The `X-Signature` header: HMAC-SHA256 over the body with the shared secret, in hex
    (data-exchange.md). A batch sent again is signed alike; the province keeps each record
    once by its `record_id`, so a repeated batch changes nothing there."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass
class RetryPolicy:
    """Capped exponential backoff with jitter: after the n-th failure in a row, wait between
    half and all of ``min(cap, base · 2ⁿ⁻¹)`` seconds (workers never retry in step)."""

    base_seconds: float = 1.0
    cap_seconds: float = 300.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` failures in a row (at least 1)."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** min(max(failures, 1) - 1, 32))
        return ceiling / 2 + secrets.SystemRandom().uniform(0, ceiling / 2)


@dataclass
class Courier:
    """Sends signed batches to the province over one kept-alive HTTP session."""

    url: str
    secret: str
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    session: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def from_config(cls, config: dict) -> Courier:
        """The courier the app's settings describe.

        :raises DeliveryNotConfigured: without a URL or a secret.
        """
        url, secret = config.get("PROVINCE_EXCHANGE_URL"), config.get("PROVINCE_EXCHANGE_SECRET")
        if not url or not secret:
            raise DeliveryNotConfigured("PROVINCE_EXCHANGE_URL and PROVINCE_EXCHANGE_SECRET")
        return cls(
            url,
            secret,
            float(config.get("EXCHANGE_CONNECT_TIMEOUT_SECONDS", 5)),
            float(config.get("EXCHANGE_READ_TIMEOUT_SECONDS", 30)),
        )

    def send(self, body: bytes) -> str | None:
        """Post one batch; None when the province took it (2xx), else what went wrong."""
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self.secret, body),
        }
        try:
            response = self.session.post(
                self.url,
                data=body,
                headers=headers,
                timeout=(self.connect_timeout, self.read_timeout),
            )
        except requests.RequestException as error:
            return f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}: {response.text[:200]}"[:ERROR_LENGTH]


@dataclass(frozen=True)
class BatchOutcome:
    """What one attempt did: records delivered, or the error and when to try again."""

    delivered: int = 0
    error: str | None = None
    retry_at: datetime | None = None


def deliver_batch(courier: Courier, batch_size: int, retry: RetryPolicy) -> BatchOutcome:
    """Send the first `batch_size` undelivered records and mark them delivered if the
    province took them; else record the error and the time of the next attempt. Committed."""
    lock = db.session.get_bind().dialect.name == "postgresql"
    state = exchange_state(DELIVERY, lock=lock)
    waiting_until = as_local(state.next_attempt_at) if state.next_attempt_at else None
    if waiting_until is not None and waiting_until > now():
        db.session.commit()
        return BatchOutcome(retry_at=waiting_until)
    records = undelivered_batch(batch_size)
    if not records:
        db.session.commit()
        return BatchOutcome()
    error = courier.send(RecordBatch(records=records).model_dump_json().encode("utf-8"))
    moment = now()
    if error is None:
        db.session.execute(
            sa.update(ProcessRecord)
            .where(
                ProcessRecord.sequence.between(records[0].sequence, records[-1].sequence),
                ProcessRecord.delivered_at.is_(None),
            )
            .values(delivered_at=moment)
            .execution_options(synchronize_session=False)
        )
        state.last_success_at, state.failures, state.next_attempt_at = moment, 0, None
        db.session.commit()
        return BatchOutcome(delivered=len(records))
    state.failures += 1
    state.last_error, state.last_error_at = error, moment
    state.next_attempt_at = retry_at = moment + timedelta(seconds=retry.delay(state.failures))
    failures = state.failures
    db.session.commit()
    log.warning("delivery to the province failed (%d in a row): %s", failures, error)
    return BatchOutcome(error=error, retry_at=retry_at)


def retry_now() -> None:
    """Drop the wait before the next attempt (the caller audits and commits)."""
    exchange_state(DELIVERY, lock=True).next_attempt_at = None


@dataclass
class Worker:
    """The delivery loop of one process: sequence, deliver, and wait only when there is
    nothing to send or the province refused."""

    app: Flask
    courier: Courier
    batch_size: int = 500
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    idle_seconds: float = 1.0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, *, once: bool = False) -> bool:
        """Deliver until stopped (or, `once`, until nothing is waiting or an attempt fails).
        Returns False when the last attempt failed."""
        while not self.stop.is_set():
            outcome = self._attempt()
            if outcome.delivered:
                continue
            if once:
                return outcome.error is None and outcome.retry_at is None
            self.stop.wait(self._pause(outcome))
        return True

    def _attempt(self) -> BatchOutcome:
        with self.app.app_context():
            try:
                assign_sequences()
                return deliver_batch(self.courier, self.batch_size, self.retry)
            except DATABASE_UNAVAILABLE as error:
                db.session.rollback()
                log.warning("delivery paused: the database is unavailable: %s", error)
                return BatchOutcome(error=str(error)[:ERROR_LENGTH])
            finally:
                db.session.remove()

    def _pause(self, outcome: BatchOutcome) -> float:
        if outcome.retry_at is not None:
            return max(0.0, (outcome.retry_at - now()).total_seconds())
        return self.idle_seconds
