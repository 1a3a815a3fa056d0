"""The holder's wallet (我的证照), the public verification page and the published keys."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_login import current_user

from ..clock import now
from ..common.freshness import LICENSES
from ..common.pagecache import cached_page
from ..extensions import limiter
from ..identity.web import login_required
from . import labels, services
from .forms import VerifyForm
from .qr import qr_svg

blueprint = Blueprint("licenses", __name__, url_prefix="/licenses")

JWKS_MAX_AGE = 300


@blueprint.context_processor
def _texts() -> dict[str, object]:
    return {"license_labels": labels}


def _private(response: Response) -> Response:
    # Browsers and proxies keep neither a holder's licences nor a verification result.
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("")
@login_required
def wallet():
    """The person's or their enterprise's licenses."""
    licenses = services.held_licenses(current_user)
    page = render_template("licenses/wallet.html", licenses=licenses, today=now().date())
    return _private(Response(page))


@blueprint.get("/<int:license_id>")
@login_required
def detail(license_id: int):
    """One license: its data, its QR code for verification, and who used it where."""
    license = services.get_held_license(current_user, license_id)
    link = url_for(".verify", token=services.token_for(license), _external=True)
    page = render_template(
        "licenses/detail.html",
        license=license,
        state=license.state_on(now().date()),
        fields=[
            (spec["label"], license.data.get(spec["name"], ""))
            for spec in license.license_type.fields
        ],
        qr=qr_svg(link, "证照核验二维码"),
        link=link,
    )
    return _private(Response(page))


@blueprint.get("/verify")
@limiter.limit(
    lambda: current_app.config["LICENSE_VERIFY_LIMIT"],
    exempt_when=lambda: "token" not in request.args,  # opening the empty form is free
)
@cached_page(LICENSES)
def verify():
    """Anyone checks a scanned or pasted token: valid, expired, revoked or forged.

    Each check counts against `LICENSE_VERIFY_LIMIT` per client address (a Chinese 429 page
    past it); opening the empty form does not. A result is rendered once per token and kept
    until any licence or signing key changes (or the day does: licences expire by date).
    """
    form = VerifyForm(request.args)
    asked = "token" in request.args  # other parameters (such as ?embed=1) are not a question
    result = services.verify_token(form.token.data) if asked and form.validate() else None
    status = 400 if asked and result is None else 200
    return _private(
        Response(render_template("licenses/verify.html", form=form, result=result), status)
    )


@blueprint.get("/keys")
def keys():
    """The hall's public keys (JWKS): the current one first, then every earlier one."""
    response = jsonify(services.hall_jwks())
    response.mimetype = "application/jwk-set+json"
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response
