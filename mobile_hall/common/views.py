"""Pages every visitor shares: display preferences."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from .web import ELDER_COOKIE, is_local_path

blueprint = Blueprint("common", __name__)

ONE_YEAR = 365 * 24 * 3600


@blueprint.get("/preferences/elder-mode")
def elder_mode():
    """Switch the elderly-friendly mode (适老化) on or off and go back where the person was.

    A plain link rather than a form: it only changes how pages look, and stays idempotent.
    """
    target = request.args.get("next")
    response = redirect(target if is_local_path(target) else url_for("catalog.home"), 303)
    if request.args.get("on") == "1":
        response.set_cookie(
            ELDER_COOKIE,
            "1",
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    else:
        response.delete_cookie(ELDER_COOKIE)
    return response
