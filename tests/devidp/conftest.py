"""Fixtures for the development identity provider: the provider over real HTTP, a hand-made
relying party, and a receiver standing in for the hall's back-channel logout endpoint."""

from __future__ import annotations

import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet
from werkzeug.wrappers import Request, Response

from devidp import create_app
from tests.support.servers import LiveServer, serve_wsgi

HTTP_TIMEOUT = 5
CLIENT_ID = "mobile-hall"
CLIENT_SECRET = "test-client-secret-" + "x" * 24
SCOPE = "openid profile phone gd_identity"
DEMO = "demo"  # the password of every demo account


class Browser(requests.Session):
    """A requests session whose calls time out, so that a stuck server fails the test."""

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return super().request(method, url, **kwargs)


class LogoutReceiver:
    """A WSGI app that records every back-channel logout POST (the hall's part in these tests)."""

    def __init__(self):
        self.url = ""
        self.received: list[tuple[str, dict]] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append((request.path, request.form.to_dict()))
        return Response("", status=200)(environ, start_response)

    def tokens(self, path: str) -> list[str]:
        """The logout tokens received at ``path``."""
        with self._lock:
            return [form["logout_token"] for p, form in self.received if p == path]


@pytest.fixture(scope="session")
def receiver():
    """A running LogoutReceiver; its URL is the hall URL of the default client."""
    app = LogoutReceiver()
    with serve_wsgi(app) as url:
        app.url = url
        yield app


@pytest.fixture(scope="session")
def key_file(tmp_path_factory) -> Path:
    """One key file for the session, so the RSA key is generated once."""
    return tmp_path_factory.mktemp("devidp") / "devidp-jwks.json"


@pytest.fixture(autouse=True)
def _no_devidp_environment(monkeypatch):
    """Settings come from the test, never from the developer's shell."""
    for name in [n for n in os.environ if n.startswith("DEVIDP_")]:
        monkeypatch.delenv(name)


@dataclass
class Idp:
    """A provider running on a free port."""

    url: str
    receiver: LogoutReceiver
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    http: Browser = field(default_factory=Browser)

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET ``path`` at the provider, outside any browser session."""
        return self.http.get(self.url + path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        """POST to ``path`` at the provider, outside any browser session."""
        return self.http.post(self.url + path, **kwargs)

    @property
    def redirect_uri(self) -> str:
        return f"{self.receiver.url}/auth/callback"

    def verify_jwt(self, token: str) -> jwt.Token:
        """Verify an RS256 token with the JWKS this provider publishes (by ``kid``)."""
        keys = KeySet.import_key_set(self.get("/jwks").json())
        return jwt.decode(token, keys, algorithms=["RS256"])

    def rp(self, client_id=CLIENT_ID, secret=CLIENT_SECRET, redirect_uri=None) -> RelyingParty:
        """A relying party with its own browser session at this provider."""
        return RelyingParty(self, client_id, secret, redirect_uri or self.redirect_uri)


@pytest.fixture
def make_idp(key_file, receiver):
    """Start providers with extra settings; each stops at the end of the test."""
    servers = []

    def make(**settings) -> Idp:
        server = LiveServer()
        servers.append(server)
        config = {
            "DEVIDP_ISSUER": server.url,
            "DEVIDP_KEY_FILE": str(key_file),
            "DEVIDP_CLIENT_SECRET": CLIENT_SECRET,
            "DEVIDP_HALL_URL": receiver.url,
            **settings,
        }
        server.start(create_app(config))
        return Idp(server.url, receiver)

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def idp(make_idp) -> Idp:
    """A provider with the default client (the receiver plays the hall), faults disabled."""
    return make_idp()


@pytest.fixture
def faulty_idp(make_idp) -> Idp:
    """A provider with fault injection enabled."""
    return make_idp(DEVIDP_FAULTS_ENABLED="true")


@dataclass
class Flow:
    """One authorization request of the relying party and what came back."""

    params: dict
    verifier: str
    response: requests.Response | None = None
    callback: dict = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.callback["code"]


class RelyingParty:
    """A relying party written by hand: builds requests, follows no redirect by itself."""

    def __init__(self, idp: Idp, client_id: str, secret: str, redirect_uri: str):
        self.idp = idp
        self.client_id = client_id
        self.secret = secret
        self.redirect_uri = redirect_uri
        self.browser = Browser()

    def new_flow(self, **overrides) -> Flow:
        """Fresh state, nonce and PKCE verifier; ``overrides`` change or (with None) drop params."""
        verifier = secrets.token_urlsafe(48)
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": SCOPE,
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return Flow({k: v for k, v in params.items() if v is not None}, verifier)

    def authorize(self, flow: Flow) -> requests.Response:
        """GET the authorization endpoint; keep the callback parameters if it redirects back."""
        flow.response = self.browser.get(
            f"{self.idp.url}/authorize", params=flow.params, allow_redirects=False
        )
        self._read_callback(flow)
        return flow.response

    def submit_login(self, flow: Flow, username: str, password: str = DEMO) -> requests.Response:
        """Fill in and submit the login page that ``authorize`` showed."""
        page = flow.response
        action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        flow.response = self.browser.post(
            f"{self.idp.url}{action.replace('&amp;', '&')}",
            data={"username": username, "password": password, "csrf_token": csrf},
            allow_redirects=False,
        )
        self._read_callback(flow)
        return flow.response

    def login(self, username: str, **overrides) -> Flow:
        """Authorize and log in as ``username``; the flow holds the callback parameters."""
        flow = self.new_flow(**overrides)
        self.authorize(flow)
        self.submit_login(flow, username)
        assert flow.callback.get("code"), flow.response.text
        return flow

    def exchange(self, flow: Flow, verifier: str | None = None, method: str = "basic"):
        """POST the code to the token endpoint with client_secret_basic or client_secret_post."""
        data = {
            "grant_type": "authorization_code",
            "code": flow.code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier or flow.verifier,
        }
        auth = (self.client_id, self.secret)
        if method == "post":
            data.update(client_id=self.client_id, client_secret=self.secret)
            auth = None
        return self.idp.post("/token", data=data, auth=auth)

    def sign_in(self, username: str) -> tuple[Flow, dict, dict]:
        """The whole flow: returns the flow, the token response and the verified ID token claims."""
        flow = self.login(username)
        tokens = self.exchange(flow)
        assert tokens.status_code == 200, tokens.text
        claims = self.idp.verify_jwt(tokens.json()["id_token"]).claims
        return flow, tokens.json(), claims

    def _read_callback(self, flow: Flow) -> None:
        location = flow.response.headers.get("Location", "")
        if location.startswith(self.redirect_uri):
            flow.callback = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
