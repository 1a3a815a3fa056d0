"""One running provider: its settings, keys, storage, faults and Authlib server."""

from __future__ import annotations

import time

from flask import current_app, session

from .faults import Faults
from .keys import ALGORITHM, load_or_create_keys
from .logout import send_backchannel_logouts
from .models import (
    SCOPES_SUPPORTED,
    TOKEN_ENDPOINT_AUTH_METHODS,
    IdpSession,
    Store,
    Token,
)
from .server import create_authorization_server

CLAIMS_SUPPORTED = [
    "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp", "sid", "at_hash",
    "name", "phone_number", "user_type", "id_card", "real_name_level", "uscc", "org_name",
    "org_role",
]  # fmt: skip


class Provider:
    """The state of one provider instance, kept in ``app.extensions["devidp"]``."""

    def __init__(self, app, settings):
        self.settings = settings
        self.issuer = settings.issuer
        self.keys = load_or_create_keys(settings.key_file)
        self.store = Store()
        self.faults = Faults()
        self.server = create_authorization_server(app, self)

    def current_session(self) -> IdpSession | None:
        """The IdP session the browser's cookie points to, if it is still live."""
        return self.store.get_session(session.get("sid"))

    def sign_in(self, account) -> IdpSession:
        """Sign ``account`` in on this browser, ending another person's session first."""
        current = self.current_session()
        if current and current.account.username == account.username:
            current.auth_time = int(time.time())
            return current
        if current:
            self.sign_out()
        idp_session = self.store.start_session(account)
        session["sid"] = idp_session.sid
        return idp_session

    def sign_out(self, hint_sid: str | None = None) -> None:
        """End the browser's IdP session (or the one ``hint_sid`` names) and notify its clients."""
        ended = self.store.end_session(session.pop("sid", None)) or self.store.end_session(hint_sid)
        if ended:
            send_backchannel_logouts(self, ended)

    def save_token(self, token: dict, request) -> None:
        """Keep an access token issued by the token endpoint (Authlib's ``save_token``)."""
        self.store.save_token(
            Token(
                access_token=token["access_token"],
                client=request.client,
                account=request.user,
                scope=token.get("scope", ""),
                expires_in=token["expires_in"],
                code=request.authorization_code.code,
            )
        )

    def discovery_document(self) -> dict:
        """The OpenID Provider metadata, with a ``discovery_issuer`` fault applied if pending."""
        issuer = self.faults.take("discovery_issuer").get("discovery_issuer", self.issuer)
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/end-session",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": SCOPES_SUPPORTED,
            "claims_supported": CLAIMS_SUPPORTED,
            "token_endpoint_auth_methods_supported": TOKEN_ENDPOINT_AUTH_METHODS,
            "prompt_values_supported": ["none", "login"],
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "authorization_response_iss_parameter_supported": True,
        }


def current_provider() -> Provider:
    """The provider of the current Flask app."""
    return current_app.extensions["devidp"]
