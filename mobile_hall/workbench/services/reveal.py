"""Showing a clerk an applicant's full ID number: only on a deliberate request with a reason,
and audited, since the page otherwise shows the masked number (personal data kept to need)."""

from __future__ import annotations

import sqlalchemy as sa

from ...audit.services import record_event
from ...extensions import db
from ...identity.models import Account
from ...identity.protection import decrypt_id_number
from .scope import get_for_staff

REASON_REQUIRED = "reveal_reason_required"
NUMBER_NOT_KEPT = "reveal_number_not_kept"


def reveal_applicant_id_number(staff: Account, application_id: int, reason: str) -> str:
    """The full ID number of an application's applicant, audited with the reason and committed.

    The hall keeps it only with an account (encrypted): the applicant's, or for a counter
    application the account of the same person if they ever signed in.

    :raises ApplicationNotFound: for an application outside the person's units.
    :raises NotAuthorized: for someone with no staff role.
    :raises ValueError: ``REASON_REQUIRED`` for a blank reason, ``NUMBER_NOT_KEPT`` when the
        hall holds no full number for the applicant.
    """
    application = get_for_staff(staff, application_id)
    if not reason.strip():
        raise ValueError(REASON_REQUIRED)
    holder = db.session.scalars(
        sa.select(Account).where(Account.id_number_hash == application.applicant_id_hash).limit(1)
    ).first()
    if holder is None:
        raise ValueError(NUMBER_NOT_KEPT)
    record_event(
        f"account:{staff.id}",
        "workbench.reveal_id_number",
        target=f"application:{application.id}",
        reason=reason.strip(),
    )
    db.session.commit()
    return decrypt_id_number(holder.id_number_cipher)
