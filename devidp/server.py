"""Authlib's OAuth 2 / OpenID Connect server components, wired to the provider's storage."""

from __future__ import annotations

import time
from typing import ClassVar

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidRequestError, grants, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint

from .csrf import csrf_ok
from .faults import TOKEN_FAULTS, rewrite_jwt
from .keys import ALGORITHM
from .models import TOKEN_ENDPOINT_AUTH_METHODS, AuthorizationCode

#: Lifetime of ID tokens and access tokens, in seconds.
TOKEN_LIFETIME = 600
#: Scope that releases each claim; any claim not listed here comes with ``gd_identity``.
CLAIM_SCOPES = {"sub": "openid", "name": "profile", "phone_number": "phone"}
IDENTITY_SCOPE = "gd_identity"


def release_claims(account, scope: str) -> UserInfo:
    """The claims of ``account`` that ``scope`` releases (``sub`` always)."""
    scopes = set(scope_to_list(scope) or [])
    claims = {
        name: value
        for name, value in account.claims.items()
        if CLAIM_SCOPES.get(name, IDENTITY_SCOPE) in scopes
    }
    return UserInfo(claims, sub=account.sub)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """The authorization code grant; ``request.user`` is the person's IdP session."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = TOKEN_ENDPOINT_AUTH_METHODS

    def save_authorization_code(self, code, request):
        data = request.payload.data
        session = request.user
        self.server.provider.store.save_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                account=session.account,
                sid=session.sid,
                auth_time=session.auth_time,
                nonce=data.get("nonce"),
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
            )
        )

    def query_authorization_code(self, code, client):
        return self.server.provider.store.take_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code):
        pass  # query_authorization_code already consumed it

    def authenticate_user(self, authorization_code):
        return authorization_code.account


class S256CodeChallenge(CodeChallenge):
    """PKCE required on every authorization request, with the S256 method only."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE requires 'code_challenge_method=S256'.")
        super().validate_code_challenge(grant, redirect_uri)


class ProviderOpenIDCode(OpenIDCode):
    """Adds the RS256 ID token (with ``sid`` and the account's claims) to token responses."""

    def __init__(self, provider):
        super().__init__(require_nonce=False)
        self.provider = provider

    def exists_nonce(self, nonce, request):
        return self.provider.store.nonce_used(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client):
        return self.provider.keys.current

    def get_client_algorithm(self, client):
        return ALGORITHM

    def get_encode_header(self, client):
        return {"alg": ALGORITHM, "kid": self.provider.keys.kid}

    def get_client_claims(self, client):
        client_id = client.get_client_id()
        exp = int(time.time()) + TOKEN_LIFETIME
        return {"iss": self.provider.issuer, "aud": [client_id], "azp": client_id, "exp": exp}

    def get_authorization_code_claims(self, authorization_code):
        claims = super().get_authorization_code_claims(authorization_code)
        claims["sid"] = authorization_code.sid
        return claims

    def generate_user_info(self, user, scope):
        released = release_claims(user, scope)
        return UserInfo(
            {name: value for name, value in released.items() if name not in user.userinfo_only}
        )

    def encode_id_token(self, token, request):
        id_token = super().encode_id_token(token, request)
        if faults := self.provider.faults.take(*TOKEN_FAULTS):
            id_token = rewrite_jwt(
                id_token, faults, self.provider.keys, request.client.client_secret
            )
        return id_token


class ProviderIssuerParameter(IssuerParameter):
    """RFC 9207: the ``iss`` parameter on every authorization response."""

    def __init__(self, provider):
        self.provider = provider

    def get_issuer(self):
        return self.provider.faults.take("callback_iss").get("callback_iss", self.provider.issuer)

    def add_issuer_parameter(self, authorization_server, response):
        # The base class asks get_issuer() twice, which would consume a callback_iss fault early.
        if response.location:
            response.location = add_params_to_uri(response.location, {"iss": self.get_issuer()})


class ProviderUserInfoEndpoint(UserInfoEndpoint):
    """``/userinfo``: the claims the access token's scope releases."""

    def generate_user_info(self, user, scope):
        return release_claims(user, scope)


class ProviderEndSessionEndpoint(EndSessionEndpoint):
    """RP-initiated logout: ends the IdP session and notifies the clients on the back channel."""

    def __init__(self, provider):
        super().__init__()
        self.provider = provider

    def get_server_jwks(self):
        return self.provider.keys.public_key_set()

    def get_algorithms(self):
        return [ALGORITHM]

    def resolve_client_from_id_token_claims(self, id_token_claims):
        aud = id_token_claims.get("aud")
        if isinstance(aud, list) and len(aud) == 1:
            aud = aud[0]
        return self.server.query_client(aud) if isinstance(aud, str) else None

    def is_post_logout_redirect_uri_legitimate(self, request, uri, client, logout_hint):
        # Without an id_token_hint, the person confirmed the logout on our own page.
        return csrf_ok()

    def end_session(self, end_session_request):
        claims = end_session_request.id_token_claims or {}
        self.provider.sign_out(hint_sid=claims.get("sid"))


class ProviderBearerTokenValidator(BearerTokenValidator):
    """Finds access tokens in the provider's store."""

    def __init__(self, store):
        super().__init__()
        self.store = store

    def authenticate_token(self, token_string):
        return self.store.get_token(token_string)


def create_authorization_server(app, provider) -> AuthorizationServer:
    """Build the Authlib authorization server of ``provider`` on ``app``."""
    server = AuthorizationServer()
    server.provider = provider
    server.init_app(app, query_client=provider.settings.clients.get, save_token=provider.save_token)
    server.register_grant(
        AuthorizationCodeGrant, [S256CodeChallenge(required=True), ProviderOpenIDCode(provider)]
    )
    # Kept on the server too: error redirects made outside Authlib need the same iss.
    server.issuer_parameter = ProviderIssuerParameter(provider)
    server.register_extension(server.issuer_parameter)
    server.register_endpoint(ProviderEndSessionEndpoint(provider))
    protector = ResourceProtector()
    protector.register_token_validator(ProviderBearerTokenValidator(provider.store))
    server.register_endpoint(ProviderUserInfoEndpoint(resource_protector=protector))
    return server
