"""In-memory storage of the provider: clients, authorization codes, tokens and IdP sessions.

The provider is a development stand-in, so everything but the signing keys lives in memory and
is lost on restart; one process only (run gunicorn with a single worker).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, list_to_scope, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin

from .accounts import Account

SCOPES_SUPPORTED = ["openid", "profile", "phone", "gd_identity"]
TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
CODE_LIFETIME = 600
NONCE_MEMORY = 3600


@dataclass
class Client(ClientMixin):
    """A relying party registered at the provider (a confidential web application)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    backchannel_logout_uri: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> Client:
        """Build a client from its JSON registration; ``redirect_uris`` must be a list."""
        if not isinstance(data["redirect_uris"], list):
            raise ValueError("redirect_uris must be a list")
        return cls(
            client_id=data["client_id"],
            client_secret=data["client_secret"],
            redirect_uris=list(data["redirect_uris"]),
            post_logout_redirect_uris=list(data.get("post_logout_redirect_uris") or []),
            backchannel_logout_uri=data.get("backchannel_logout_uri"),
        )

    @property
    def client_metadata(self) -> dict:
        """Registration metadata, as Authlib's end-session endpoint reads it."""
        return {"post_logout_redirect_uris": self.post_logout_redirect_uris}

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # OpenID Connect requires redirect_uri in every request: no default.
        return None

    def get_allowed_scope(self, scope):
        return list_to_scope([s for s in scope_to_list(scope) or [] if s in SCOPES_SUPPORTED])

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(self.client_secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        if endpoint == "token":
            return method in TOKEN_ENDPOINT_AUTH_METHODS
        return True

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class IdpSession:
    """A person's sign-in at the provider, shared by every client it signed in to."""

    sid: str
    account: Account
    auth_time: int
    client_ids: set[str] = field(default_factory=set)


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    """A single-use authorization code with its PKCE challenge and OpenID parameters."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    account: Account
    sid: str
    auth_time: int
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    expires_at: float = field(default_factory=lambda: time.time() + CODE_LIFETIME)

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


@dataclass
class Token(TokenMixin):
    """A bearer access token for the userinfo endpoint."""

    access_token: str
    client: Client
    account: Account
    scope: str
    expires_in: int
    code: str
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False

    def check_client(self, client):
        return client.client_id == self.client.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return self.account

    def get_client(self):
        return self.client


class Store:
    """Thread-safe in-memory storage of one provider instance."""

    def __init__(self):
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._used_codes: dict[str, float] = {}
        self._tokens: dict[str, Token] = {}
        self._sessions: dict[str, IdpSession] = {}
        self._nonces: dict[tuple[str, str], float] = {}

    def start_session(self, account: Account) -> IdpSession:
        """Open a new IdP session for ``account`` (a fresh ``sid``)."""
        session = IdpSession(secrets.token_urlsafe(24), account, int(time.time()))
        with self._lock:
            self._sessions[session.sid] = session
        return session

    def get_session(self, sid: str | None) -> IdpSession | None:
        """Return the live IdP session ``sid``, if any."""
        with self._lock:
            return self._sessions.get(sid) if sid else None

    def end_session(self, sid: str | None) -> IdpSession | None:
        """Remove and return the IdP session ``sid``, if it was live."""
        with self._lock:
            return self._sessions.pop(sid, None) if sid else None

    def save_code(self, code: AuthorizationCode) -> None:
        """Keep ``code``, remember its nonce and the client in its IdP session."""
        now = time.time()
        with self._lock:
            self._codes[code.code] = code
            if code.nonce:
                self._nonces[(code.client_id, code.nonce)] = now
            if session := self._sessions.get(code.sid):
                session.client_ids.add(code.client_id)
            _prune(self._nonces, now - NONCE_MEMORY)
            _prune(self._used_codes, now - CODE_LIFETIME)

    def take_code(self, code: str, client_id: str) -> AuthorizationCode | None:
        """Consume ``code`` if it is live and was issued to ``client_id``.

        A code is gone after the first attempt, successful or not; presenting a used code again
        also revokes the tokens issued for it (RFC 6749 section 4.1.2).
        """
        with self._lock:
            if code in self._used_codes:
                for token in self._tokens.values():
                    token.revoked = token.revoked or token.code == code
                return None
            item = self._codes.pop(code, None)
            if item is None:
                return None
            self._used_codes[code] = time.time()
        if item.client_id != client_id or item.expires_at < time.time():
            return None
        return item

    def nonce_used(self, client_id: str, nonce: str) -> bool:
        """Tell whether ``nonce`` was already used in an authorization of ``client_id``."""
        with self._lock:
            return (client_id, nonce) in self._nonces

    def save_token(self, token: Token) -> None:
        """Keep ``token`` and drop the expired ones."""
        with self._lock:
            self._tokens = {k: t for k, t in self._tokens.items() if not t.is_expired()}
            self._tokens[token.access_token] = token

    def get_token(self, access_token: str) -> Token | None:
        """Return the token with this ``access_token`` value, if any."""
        with self._lock:
            return self._tokens.get(access_token)


def _prune(stamps: dict, older_than: float) -> None:
    for key in [k for k, stamp in stamps.items() if stamp < older_than]:
        del stamps[key]
