"""Undoing what a test committed for real (through a live server or other threads)."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from mobile_hall.applications.models import (
    Application,
    ApplicationMaterial,
    Message,
    ProcessRecord,
    Rating,
    SupplementRequest,
    ToleranceCommitment,
)
from mobile_hall.common.models import ChangeToken
from mobile_hall.extensions import db
from mobile_hall.licenses.models import License, LicenseUse
from mobile_hall.monitoring.summary import rebuild


def last_application_id() -> int:
    """The newest application's id (0 when there is none): what a test leaves alone."""
    return db.session.scalar(sa.select(sa.func.max(Application.id))) or 0


def remove_applications_after(last_id: int) -> None:
    """Delete the applications made after `last_id`, with everything hanging from them, the
    licences they issued and their daily counts, and renew every change token: bulk deletes
    pass the ORM by, and no cached page may go on showing what is gone. The caller commits."""
    made = sa.select(Application.id).where(Application.id > last_id)
    issued = sa.select(License.id).where(License.application_id.in_(made))
    db.session.execute(sa.delete(LicenseUse).where(LicenseUse.license_id.in_(issued)))
    for model in (
        LicenseUse,
        License,
        ProcessRecord,
        Message,
        Rating,
        SupplementRequest,
        ToleranceCommitment,
        ApplicationMaterial,
    ):
        db.session.execute(sa.delete(model).where(model.application_id.in_(made)))
    db.session.execute(sa.delete(Application).where(Application.id > last_id))
    rebuild(db.session.connection())  # the daily counts of what is left
    for scope in db.session.scalars(sa.select(ChangeToken.scope)).all():
        db.session.execute(
            sa.update(ChangeToken)
            .where(ChangeToken.scope == scope)
            .values(token=secrets.token_hex(16))
        )
