"""The provider's HTTP endpoints."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, jsonify, render_template, request

from . import messages
from .csrf import csrf_ok, csrf_token
from .faults import FaultError, rewrite_jwt, validate_faults
from .logout import LOGOUT_TOKEN_TYPE, logout_claims
from .provider import current_provider

bp = Blueprint("devidp", __name__)
faults_bp = Blueprint("faults", __name__)


@bp.get("/")
def home():
    """A page for newcomers: which demo accounts to type on the login page."""
    provider = current_provider()
    accounts = provider.settings.accounts.values()
    return render_template("home.html", accounts=accounts, issuer=provider.issuer)


@bp.get("/.well-known/openid-configuration")
def discovery():
    """OpenID Provider metadata."""
    return jsonify(current_provider().discovery_document())


@bp.get("/jwks")
def jwks():
    """The public signing keys."""
    return jsonify(current_provider().keys.public_jwks())


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    """Authorization endpoint: reuse the IdP session, or show the login page and check it."""
    provider = current_provider()
    idp_session = provider.current_session() if request.method == "GET" else None
    try:
        grant = provider.server.get_consent_grant(end_user=idp_session)
    except OAuth2Error as error:
        return _authorization_error(error)
    if request.method == "GET":
        if idp_session and grant.prompt != "login":
            return provider.server.create_authorization_response(
                grant=grant, grant_user=idp_session
            )
        return _login_page()
    account, errors = _check_login_form(provider.settings.accounts)
    if errors:
        return _login_page(errors)
    idp_session = provider.sign_in(account)
    return provider.server.create_authorization_response(grant=grant, grant_user=idp_session)


@bp.post("/token")
def token():
    """Token endpoint: an authorization code (with its PKCE verifier) for tokens."""
    return current_provider().server.create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    """UserInfo endpoint (Bearer access token)."""
    return current_provider().server.create_endpoint_response("userinfo")


@bp.route("/end-session", methods=["GET", "POST"])
def end_session():
    """RP-initiated logout (GET or POST); without an ``id_token_hint`` the person confirms it."""
    server = current_provider().server
    try:
        end_session_request = server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return _error_page(messages.BAD_LOGOUT_REQUEST, error)
    if (
        end_session_request.needs_confirmation
        and not csrf_ok()
        and current_provider().current_session()
    ):
        return render_template("confirm_logout.html", params=request.values, csrf=csrf_token())
    response = server.create_endpoint_response("end_session", end_session_request)
    return response or render_template("logged_out.html")


def _authorization_error(error: OAuth2Error):
    if not error.redirect_uri:
        # The client or its redirect URI is unknown: never redirect anywhere.
        return _error_page(messages.BAD_AUTHORIZATION_REQUEST, error)
    server = current_provider().server
    response = server.handle_error_response(None, error)
    server.issuer_parameter.add_issuer_parameter(server, response)
    return response


def _error_page(message: str, error: OAuth2Error | None = None):
    return render_template("error.html", message=message, error=error), 400


def _login_page(errors: dict | None = None):
    return render_template(
        "login.html",
        errors=errors or {},
        username=request.form.get("username", ""),
        csrf=csrf_token(),
        accounts=current_provider().settings.accounts,
    )


def _check_login_form(accounts):
    form = request.form
    username, password = form.get("username", "").strip(), form.get("password", "")
    errors = {}
    if not csrf_ok():
        errors["form"] = messages.EXPIRED_FORM
    if not username:
        errors["username"] = messages.MISSING_USERNAME
    if not password:
        errors["password"] = messages.MISSING_PASSWORD
    account = accounts.get(username)
    if not errors and not (account and account.check_password(password)):
        errors["password"] = messages.BAD_CREDENTIALS
    return account, errors


@faults_bp.get("/_faults")
def show_faults():
    """The pending faults."""
    return jsonify(current_provider().faults.describe())


@faults_bp.post("/_faults")
def set_faults():
    """Replace the pending faults with the JSON body."""
    faults = current_provider().faults
    try:
        faults.set(request.get_json(silent=True))
    except FaultError as error:
        return jsonify(error=str(error)), 400
    return jsonify(faults.describe())


@faults_bp.delete("/_faults")
def clear_faults():
    """Drop every pending fault."""
    current_provider().faults.clear()
    return "", 204


@faults_bp.post("/_faults/logout-token")
def make_logout_token():
    """Mint a logout token, genuine or faulty, for the relying party's back-channel tests."""
    provider = current_provider()
    body = request.get_json(silent=True) or {}
    clients = provider.settings.clients
    client = clients.get(body.get("client_id") or next(iter(clients)))
    if not client or not (body.get("sub") or body.get("sid")):
        return jsonify(error="need 'sub' or 'sid', and a known 'client_id'"), 400
    try:
        faults = validate_faults(
            {
                "id_token_claims": body.get("claims", {}),
                "id_token_alg": body.get("alg", "RS256"),
                "tamper_signature": body.get("tamper_signature", False),
            }
        )
    except FaultError as error:
        return jsonify(error=str(error)), 400
    claims = logout_claims(provider.issuer, client.client_id, body.get("sub"), body.get("sid"))
    token = provider.keys.sign(claims, typ=LOGOUT_TOKEN_TYPE)
    typ = body.get("typ", LOGOUT_TOKEN_TYPE)
    return jsonify(
        logout_token=rewrite_jwt(token, faults, provider.keys, client.client_secret, typ)
    )
