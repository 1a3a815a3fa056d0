"""Sign-in and sign-out through the province's unified identity platform."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from ..common.web import is_local_path
from ..extensions import csrf, limiter
from . import oidc, services
from .forms import EmptyForm
from .models import Account
from .sessions import current_session

blueprint = Blueprint("identity", __name__)


def _landing(account: Account) -> str:
    if account.is_legal_person:
        return url_for("pages.enterprise")
    return url_for("pages.me")


def _refused(reason: str):
    return render_template("identity/refused.html", reason=reason), 400


@blueprint.get("/auth/login")
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT"])
def login():
    """Send the person to the platform; embedded pages first try a silent sign-in.

    Each start counts against `SIGN_IN_LIMIT` per client address: a start keeps a pending
    sign-in in the session, so anonymous traffic must not start them without end."""
    if not oidc.is_configured():
        abort(503)
    target = request.args.get("next")
    session["login_next"] = target if is_local_path(target) else None
    silent = g.embed and request.args.get("interactive") != "1"
    try:
        return oidc.start(url_for("identity.callback", _external=True), silent=silent)
    except services.SignInRefused as refused:
        services.record_refusal(refused.reason, refused.detail)
        return _refused(refused.reason)


@blueprint.get("/auth/callback")
def callback():
    """The platform's answer: sign the person in, or say plainly why not."""
    target = session.pop("login_next", None)
    try:
        account, verified, id_token_cipher = services.complete_sign_in(request.args.to_dict())
    except services.SilentSignInFailed:
        return redirect(url_for("identity.login", next=target, interactive=1), 303)
    except services.SignInRefused as refused:
        return _refused(refused.reason)
    current_session().sign_in(
        account,
        is_staff=services.is_staff(account),
        provider_session_id=verified.provider_session_id,
        id_token_cipher=id_token_cipher,
    )
    return redirect(target or _landing(account), 303)


@blueprint.route("/auth/logout", methods=["GET", "POST"])
def logout():
    """Ask, then sign out here and at the platform (RP-initiated logout when offered)."""
    signed_in = current_session()
    if signed_in.record is None or not current_user.is_authenticated:
        return redirect(url_for("catalog.home"), 303)
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("identity/logout.html", form=form)
    hint = services.id_token_hint(signed_in.record)
    services.sign_out(signed_in.record)
    signed_in.destroy()
    home = url_for("catalog.home", _external=True)
    return redirect(oidc.end_session_url(hint, home) or home, 303)


@blueprint.post("/auth/backchannel-logout")
@csrf.exempt  # a server-to-server call authenticated by the signed logout token itself
def backchannel_logout():
    """The platform signs a person out everywhere: end the matching sessions."""
    try:
        services.accept_logout_token(request.form.get("logout_token", ""))
    except services.SignInRefused as refused:
        services.record_refusal(refused.reason, refused.detail)
        response = jsonify(error="invalid_request", error_description=refused.reason)
        response.status_code = 400
    else:
        response = jsonify()
    response.headers["Cache-Control"] = "no-store"
    return response
