"""Writing, checking and searching the audit trail; callers commit a record together with the
change it describes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from ..clock import now
from ..extensions import db
from .chain import content_hash
from .models import AuditChainHead, AuditEvent

HEAD_ID = 1


def _locked_head() -> AuditChainHead:
    """The chain's head row, locked until the transaction ends (`FOR UPDATE` on PostgreSQL,
    the write lock on SQLite): the next writer waits and then chains to this one's record.

    Migration 0008_audit made the row; without it no record can be chained, so none is written.
    """
    head = db.session.get(AuditChainHead, HEAD_ID, with_for_update=True, populate_existing=True)
    if head is None:
        raise RuntimeError("audit_chain_head has no row: run `flask db upgrade`")
    return head


def _origin() -> tuple[str, str]:
    """The client's address and user agent of the request being served (none for a command)."""
    if not has_request_context():
        return "", ""
    return request.remote_addr or "", request.user_agent.string[:300]


def record_event(actor: str, action: str, target: str = "", **details: Any) -> AuditEvent:
    """Append an audit record to the chain in the current transaction (the caller commits).

    Write it after the change it describes: it locks the chain's head until the commit, and
    every record of the hall queues for that lock.

    :param actor: who acted, e.g. ``cli:catalog-import`` or an account reference.
    :param action: a dotted verb such as ``catalog.import``.
    """
    head = _locked_head()
    client_address, user_agent = _origin()
    event = AuditEvent(
        occurred_at=now(),
        actor=actor,
        action=action,
        target=target,
        details=details,
        client_address=client_address,
        user_agent=user_agent,
        previous_hash=head.last_hash,
    )
    event.hash = _hash_of(event)
    db.session.add(event)
    db.session.flush()
    head.last_event_id, head.last_hash = event.id, event.hash
    return event


def record_view(actor: str, action: str, target: str, **details: Any) -> AuditEvent:
    """Audit a staff member's view of someone's personal data, committed at once: a page
    that only reads has no change to commit it with.

    :param action: a dotted verb such as ``workbench.view_application``.
    """
    event = record_event(actor, action, target, **details)
    db.session.commit()
    return event


def _hash_of(event: AuditEvent) -> str:
    return content_hash(
        occurred_at=event.occurred_at,
        actor=event.actor,
        action=event.action,
        target=event.target,
        details=event.details,
        client_address=event.client_address,
        user_agent=event.user_agent,
        previous_hash=event.previous_hash,
    )


@dataclass(frozen=True)
class ChainCheck:
    """What `verify_chain` found: how many records it checked, and the first that is wrong."""

    checked: int
    last_hash: str
    bad_event_id: int | None = None
    problem: str = ""  # previous_missing, altered or last_missing (the command says it in words)

    @property
    def intact(self) -> bool:
        return self.bad_event_id is None


def _in_order(batch: int) -> Iterator[AuditEvent]:
    """Every record by id, a batch at a time: the trail outgrows memory."""
    last_id = 0
    while True:
        after = sa.select(AuditEvent).where(AuditEvent.id > last_id)
        events = db.session.scalars(after.order_by(AuditEvent.id).limit(batch)).all()
        if not events:
            return
        for event in events:
            yield event
            db.session.expunge(event)
        last_id = events[-1].id


def verify_chain(batch: int = 1000) -> ChainCheck:
    """Recompute the chain from the first record to the head and report the first break.

    A changed record no longer matches its hash; a removed one leaves the next record pointing
    to a hash that is not its predecessor's; removed records at the end leave the head row
    pointing past the last record.
    """
    previous, checked = "", 0
    for event in _in_order(batch):
        if event.previous_hash != previous:
            return ChainCheck(checked, previous, event.id, "previous_missing")
        if _hash_of(event) != event.hash:
            return ChainCheck(checked, previous, event.id, "altered")
        previous, checked = event.hash, checked + 1
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is not None and head.last_hash != previous:
        return ChainCheck(checked, previous, head.last_event_id, "last_missing")
    return ChainCheck(checked, previous)
