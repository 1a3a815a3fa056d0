"""Helpers for the two pages: CSRF tokens, opening a page, and reading the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from tests.support.browser import csrf_token


def token_of(client, path: str = "/auth/logout") -> str:
    """A CSRF token for the client's session."""
    return csrf_token(client.get(path).get_data(as_text=True))


def post(client, path: str, **data):
    """POST a form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": token_of(client), **data})


def account_named(name: str) -> Account:
    """A demo person's account by name (it exists once they have signed in)."""
    return db.session.scalars(sa.select(Account).where(Account.name == name)).one()


@pytest.fixture
def in_db(app, isolated_db):
    """A context manager giving an app context on the test's transaction."""

    @contextmanager
    def within() -> Iterator[None]:
        with app.app_context():
            yield

    return within


@pytest.fixture
def opened(sign_in, client):
    """Sign a demo person in and open their page (town optional); returns the client."""

    def act(username: str, town: str = "", path: str = "/me/open", on=None):
        target = sign_in(username, on)
        response = post(target, path, town=town)
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        return target

    return act
