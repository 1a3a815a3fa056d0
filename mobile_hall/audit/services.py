"""Writing audit records; callers commit them together with the change they describe."""

from __future__ import annotations

from typing import Any

from ..clock import now
from ..extensions import db
from .models import AuditEvent


def record_event(actor: str, action: str, target: str = "", **details: Any) -> AuditEvent:
    """Add an audit record to the current transaction (the caller commits).

    :param actor: who acted, e.g. ``cli:catalog-import`` or an account reference.
    :param action: a dotted verb such as ``catalog.import``.
    """
    event = AuditEvent(
        occurred_at=now(), actor=actor, action=action, target=target, details=details
    )
    db.session.add(event)
    return event
