"""The personal and enterprise pages in tests: posting their forms, finding demo accounts."""

from __future__ import annotations

import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from mobile_hall.monitoring.residents import RESIDENTS_ISSUER
from mobile_hall.pages.models import PageOpening
from tests.support.browser import token_of


def post(client, path: str, **data):
    """POST a form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": token_of(client, "/auth/logout"), **data})


def account_named(name: str) -> Account:
    """A demo person's account by name (it exists once they have signed in)."""
    return db.session.scalars(sa.select(Account).where(Account.name == name)).one()


def signed_in_openings() -> sa.Select:
    """The page openings of people who signed in: not those of the demo's generated residents
    and enterprises (who fill the towns' page ratios)."""
    residents = sa.select(Account.id).where(Account.issuer == RESIDENTS_ISSUER)
    return sa.select(PageOpening).where(PageOpening.account_id.not_in(residents))
