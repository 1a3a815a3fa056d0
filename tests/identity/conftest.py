"""Signing in through the development identity provider over real HTTP.

The hall is driven through Flask's test client; the provider's login page, faults and logout
tokens over real HTTP with `requests`, as a browser and the province would.
"""

from __future__ import annotations

import pytest
import requests

from tests.support.browser import HTTP_TIMEOUT, Browser


@pytest.fixture
def browser(client, identity_provider) -> Browser:
    """A fresh browser for one person."""
    yield Browser(client, identity_provider)
    requests.delete(f"{identity_provider}/_faults", timeout=HTTP_TIMEOUT)


@pytest.fixture
def make_browser(app, identity_provider):
    """Browsers on other apps (other settings), each with its own test client."""
    made = []

    def make(other_app) -> Browser:
        made.append(Browser(other_app.test_client(), identity_provider))
        return made[-1]

    yield make
    requests.delete(f"{identity_provider}/_faults", timeout=HTTP_TIMEOUT)
