"""Reading the audit trail in tests."""

from __future__ import annotations

import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.extensions import db


def audit_actions(action: str) -> list[AuditEvent]:
    """Audit records of one action, newest last."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )
