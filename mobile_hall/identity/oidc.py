"""The hall as an OpenID Connect relying party of the province's identity platform.

Authlib's Flask client runs the protocol (discovery, PKCE S256, state, the token exchange,
the ID token's signature). It leaves gaps that this module closes, each proven by a test:
the discovery document's `issuer` must be the configured one; the callback's RFC 9207 `iss`
must match; `aud` must name this client (and `azp` too when present or when there are several
audiences); `nonce` is compared with our own copy; `none` and HS* algorithms are refused; `iat`
may not lie in the future.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from ..common.encoding import b64url_decode

PROVIDER = "province"
# identity.md, "Claims the hall reads": those of every account, and those of a legal person.
CLAIMS_OF_ALL = ("sub", "name", "user_type", "id_card", "real_name_level", "phone_number")
CLAIMS_OF_LEGAL_PERSON = ("uscc", "org_name", "org_role")
CLAIM_NAMES = CLAIMS_OF_ALL + CLAIMS_OF_LEGAL_PERSON
# Asymmetric signatures only: `none` and shared-secret HS* are never accepted.
ALLOWED_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
LEEWAY_SECONDS = 60
# Authlib keeps one state per sign-in started; how many unfinished ones a session keeps.
PENDING_SIGN_INS = 3
LOGOUT_TOKEN_MAX_AGE = 300
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
SILENT_ERRORS = {
    "login_required",
    "interaction_required",
    "consent_required",
    "account_selection_required",
}


class SignInRefused(Exception):
    """The sign-in or logout could not be trusted; `reason` names why (for the audit)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class SilentSignInFailed(Exception):
    """`prompt=none` came back without a sign-in: the person must be asked."""


def init_oidc(app: Flask) -> None:
    """Register the platform as Authlib's `province` client when an issuer is configured.

    Each app has its own registry (Authlib caches clients on the registry object).
    """
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    app.extensions["oidc_registry"] = oauth
    oauth.register(
        PROVIDER,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "timeout": 10,
        },
    )


def is_configured() -> bool:
    """Whether the hall knows an identity platform to send people to."""
    return bool(current_app.config.get("OIDC_ISSUER"))


def _client():
    return current_app.extensions["oidc_registry"].create_client(PROVIDER)


def _issuer() -> str:
    return current_app.config["OIDC_ISSUER"].rstrip("/")


def provider_metadata() -> dict[str, Any]:
    """The discovery document, refused (and forgotten) when its issuer is not ours.

    :raises SignInRefused: ``issuer_mismatch`` or ``discovery_failed``.
    """
    client = _client()
    try:
        metadata = client.load_server_metadata()
    except Exception as error:  # network or JSON failure reaching the platform
        client.server_metadata = {}
        raise SignInRefused("discovery_failed", type(error).__name__) from error
    if metadata.get("issuer", "").rstrip("/") != _issuer():
        client.server_metadata = {}
        raise SignInRefused("issuer_mismatch", str(metadata.get("issuer")))
    return metadata


def start(redirect_uri: str, *, silent: bool):
    """Redirect the browser to the platform's authorization endpoint.

    :raises SignInRefused: when the platform's discovery document cannot be trusted.
    """
    provider_metadata()
    nonce = secrets.token_urlsafe(24)
    session["oidc_nonce"] = nonce
    extra = {"prompt": "none"} if silent else {}
    response = _client().authorize_redirect(redirect_uri, nonce=nonce, **extra)
    _keep_newest_states()
    return response


def _keep_newest_states() -> None:
    """Keep only the newest PENDING_SIGN_INS of the states Authlib keeps in the session (one
    per sign-in started, `_state_<client>_<state>`, dropped at the callback or after an hour),
    so that an anonymous visitor's data always fits the cookie however often they start."""
    prefix = f"_state_{PROVIDER}_"
    pending = [key for key in session if key.startswith(prefix)]
    # Oldest first: by expiry, and in the order written when two share a second.
    pending.sort(key=lambda key: session[key].get("exp", 0))
    for key in pending[:-PENDING_SIGN_INS]:
        session.pop(key)


def _header(id_token: str) -> dict[str, Any]:
    try:
        segment = id_token.split(".")[0]
        return json.loads(b64url_decode(segment))
    except (ValueError, IndexError) as error:
        raise SignInRefused("id_token_malformed") from error


def _check_audience(claims: dict[str, Any], client_id: str) -> None:
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if client_id not in audiences:
        raise SignInRefused("audience_mismatch", str(audience))
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise SignInRefused("authorized_party_mismatch", str(azp))


def _check_id_token(token: dict[str, Any], expected_nonce: str | None) -> dict[str, Any]:
    if "id_token" not in token or "userinfo" not in token:
        raise SignInRefused("id_token_missing")
    if _header(token["id_token"]).get("alg") not in ALLOWED_ALGORITHMS:
        raise SignInRefused("id_token_algorithm")
    claims = dict(token["userinfo"])
    _check_audience(claims, current_app.config["OIDC_CLIENT_ID"])
    if not expected_nonce or claims.get("nonce") != expected_nonce:
        raise SignInRefused("nonce_mismatch")
    if (
        not isinstance(claims.get("iat"), int | float)
        or claims["iat"] > time.time() + LEEWAY_SECONDS
    ):
        raise SignInRefused("issued_in_future")
    return claims


def _check_callback_issuer(arguments: dict[str, str], metadata: dict[str, Any]) -> None:
    callback_issuer = arguments.get("iss")
    if callback_issuer is None:
        if metadata.get("authorization_response_iss_parameter_supported"):
            raise SignInRefused("callback_issuer_missing")
    elif callback_issuer.rstrip("/") != _issuer():
        raise SignInRefused("callback_issuer_mismatch", callback_issuer)


def finish(arguments: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Complete the code flow on the callback: returns (ID token claims, token response).

    :raises SilentSignInFailed: when `prompt=none` could not sign the person in.
    :raises SignInRefused: for anything that cannot be trusted, with its reason.
    """
    expected_nonce = session.pop("oidc_nonce", None)
    error = arguments.get("error")
    if error:
        if error in SILENT_ERRORS:
            raise SilentSignInFailed(error)
        raise SignInRefused("provider_error", error)
    metadata = provider_metadata()
    _check_callback_issuer(arguments, metadata)
    options = {
        "iss": {"essential": True, "value": _issuer()},
        "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
        "sub": {"essential": True},
    }
    try:
        token = _client().authorize_access_token(claims_options=options, leeway=LEEWAY_SECONDS)
    except MismatchingStateError as refused:
        raise SignInRefused("state_mismatch") from refused
    except OAuthError as refused:
        raise SignInRefused("token_error", refused.error or "") from refused
    except (JoseError, AuthlibBaseError, ValueError) as refused:
        raise SignInRefused("id_token_invalid", type(refused).__name__) from refused
    return _check_id_token(token, expected_nonce), token


def mapped_claims(claims: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
    """Our claim names (identity.md) read through `OIDC_CLAIMS_MAP`, completed from userinfo.

    :raises SignInRefused: when userinfo answers for another subject.
    """
    names = {ours: ours for ours in CLAIM_NAMES} | current_app.config["OIDC_CLAIMS_MAP"]
    source = dict(claims)
    wanted = CLAIM_NAMES if source.get(names["user_type"]) == "legal_person" else CLAIMS_OF_ALL
    # A provider may keep its ID token small and release the rest at userinfo (OIDC Core 5.4).
    if any(names[key] not in source for key in wanted):
        try:
            extra = _client().userinfo(token=token)
        except (OAuthError, ValueError) as error:
            raise SignInRefused("userinfo_failed") from error
        if extra.get("sub") != claims.get("sub"):
            raise SignInRefused("userinfo_subject_mismatch")
        source = {**extra, **source}
    mapped = {ours: source.get(theirs) for ours, theirs in names.items()}
    mapped["sid"] = claims.get("sid")
    return mapped


def end_session_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The platform's RP-initiated logout URL, or None when it offers none."""
    try:
        endpoint = provider_metadata().get("end_session_endpoint")
    except SignInRefused:
        return None
    if not endpoint:
        return None
    return _client().create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token
    )["url"]


def verify_logout_token(raw: str) -> dict[str, Any]:
    """Validate a back-channel logout token (OpenID Connect Back-Channel Logout 1.0).

    Checks the signature and algorithm, `typ`, `iss`, `aud`, the `iat` window, `events`,
    the absence of `nonce`, and that `sub` or `sid` is present. Replay (`jti`) is the caller's.

    :raises SignInRefused: naming the first check that failed.
    """
    provider_metadata()
    header = _header(raw)
    if header.get("alg") not in ALLOWED_ALGORITHMS:
        raise SignInRefused("logout_algorithm")
    if header.get("typ") not in (None, "logout+jwt", "JWT"):
        raise SignInRefused("logout_typ")
    client = _client()
    registry = JWSRegistry(algorithms=ALLOWED_ALGORITHMS)
    try:
        keys = KeySet.import_key_set(client.fetch_jwk_set())
        claims = jwt.decode(raw, keys, registry=registry).claims
    except (JoseError, ValueError) as error:
        raise SignInRefused("logout_signature", type(error).__name__) from error
    if claims.get("iss", "").rstrip("/") != _issuer():
        raise SignInRefused("logout_issuer")
    _check_audience(claims, current_app.config["OIDC_CLIENT_ID"])
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or abs(time.time() - issued) > LOGOUT_TOKEN_MAX_AGE:
        raise SignInRefused("logout_iat")
    if "exp" in claims and claims["exp"] < time.time() - LEEWAY_SECONDS:
        raise SignInRefused("logout_expired")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise SignInRefused("logout_events")
    if "nonce" in claims:
        raise SignInRefused("logout_nonce")
    if not claims.get("sub") and not claims.get("sid"):
        raise SignInRefused("logout_subject")
    if not claims.get("jti"):
        raise SignInRefused("logout_jti")
    return claims
