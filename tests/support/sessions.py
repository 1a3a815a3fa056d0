"""Signed-in sessions made directly, as the sign-in callback leaves them, for accounts that no
identity provider knows (the builders' people); outside the suite, the bench and the soak sign
their simulated people in the same way."""

from __future__ import annotations

import secrets
from datetime import timedelta

from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account, WebSession
from mobile_hall.identity.services import is_staff
from mobile_hall.identity.sessions import token_digest

SESSION_HOURS = 8


def signed_in_token(account: Account) -> str:
    """A new signed-in session row for `account` (committed); the token its cookie carries."""
    token, moment = secrets.token_urlsafe(32), now()
    db.session.add(
        WebSession(
            id=token_digest(token),
            data={},
            account_id=account.id,
            is_staff=is_staff(account),
            created_at=moment,
            last_seen_at=moment,
            expires_at=moment + timedelta(hours=SESSION_HOURS),
        )
    )
    db.session.commit()
    return token
