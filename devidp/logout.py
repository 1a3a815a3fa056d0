"""OpenID Connect Back-Channel Logout 1.0: logout tokens and their delivery to the clients."""

from __future__ import annotations

import logging
import secrets
import time

import requests

from .models import Client, IdpSession

log = logging.getLogger(__name__)

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TYPE = "logout+jwt"  # noqa: S105 - a JWT "typ" value, not a secret
LOGOUT_TOKEN_LIFETIME = 120


def logout_claims(issuer: str, client_id: str, sub: str | None, sid: str | None) -> dict:
    """The claims of a logout token for one client: ``sub`` and/or ``sid``, never a ``nonce``."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_LIFETIME,
        "jti": secrets.token_urlsafe(16),
        "events": {BACKCHANNEL_EVENT: {}},
    }
    claims.update({name: value for name, value in [("sub", sub), ("sid", sid)] if value})
    return claims


def send_backchannel_logouts(provider, session: IdpSession) -> None:
    """POST a logout token to every client ``session`` signed in to that has a logout URI.

    Delivery is best-effort: a failure is logged, never raised.
    """
    for client_id in sorted(session.client_ids):
        client = provider.settings.clients.get(client_id)
        if client and client.backchannel_logout_uri:
            claims = logout_claims(provider.issuer, client_id, session.account.sub, session.sid)
            token = provider.keys.sign(claims, typ=LOGOUT_TOKEN_TYPE)
            _deliver(client, token, provider.settings.backchannel_timeout)


def _deliver(client: Client, token: str, timeout: float) -> None:
    try:
        response = requests.post(
            client.backchannel_logout_uri, data={"logout_token": token}, timeout=timeout
        )
    except requests.RequestException as error:
        log.warning("Back-channel logout to %s failed: %s", client.client_id, error)
        return
    if response.status_code not in (200, 204):
        log.warning("Back-channel logout to %s answered %s", client.client_id, response.status_code)
