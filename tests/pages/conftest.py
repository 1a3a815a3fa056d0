"""Fixtures for the two pages: opening a page, and reading the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.pages import post


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
