"""A person's browser in tests: the hall through Flask's test client, the identity provider
over real HTTP with `requests`."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests

HTTP_TIMEOUT = 10


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a hall page."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def token_of(client, path: str = "/progress") -> str:
    """A CSRF token for the client's session (the same for every form of the session)."""
    return csrf_token(client.get(path).get_data(as_text=True))


class Browser:
    """One person's browser: the hall through `client`, the provider through `requests`."""

    def __init__(self, client, provider_url: str) -> None:
        self.client = client
        self.provider_url = provider_url
        self.provider = requests.Session()

    def start(self, path: str = "/auth/login") -> str:
        """Open a hall path that leads to the provider; return the authorization URL."""
        location = path
        for _hop in range(3):  # a page may first send the person to /auth/login
            response = self.client.get(location)
            assert response.status_code in (302, 303), response.status_code
            location = response.headers["Location"]
            if location.startswith(self.provider_url):
                return location
        raise AssertionError(f"never reached the provider: {location}")

    def authenticate(self, authorize_url: str, username: str, password: str = "demo") -> str:
        """Log in on the provider's page; return the callback URL it redirects to."""
        page = self.provider.get(authorize_url, timeout=HTTP_TIMEOUT, allow_redirects=False)
        if page.status_code == 302:  # already signed in at the provider
            return page.headers["Location"]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = self.provider.post(
            authorize_url,
            data={"csrf_token": token, "username": username, "password": password},
            timeout=HTTP_TIMEOUT,
            allow_redirects=False,
        )
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["Location"]

    def callback(self, url: str):
        """Deliver the provider's redirect to the hall."""
        parts = urlsplit(url)
        assert parts.path == "/auth/callback", url
        return self.client.get(f"{parts.path}?{parts.query}")

    def sign_in(self, username: str, path: str = "/auth/login"):
        """The whole flow; returns the hall's answer to the callback."""
        return self.callback(self.authenticate(self.start(path), username))

    def fault(self, **faults) -> None:
        """Make the provider misbehave once (see docs/devidp.md)."""
        response = requests.post(f"{self.provider_url}/_faults", json=faults, timeout=HTTP_TIMEOUT)
        assert response.status_code in (200, 204), response.text
