"""A per-session token that proves a form was posted from our own page."""

import hmac
import secrets

from flask import request, session

FIELD = "csrf_token"


def csrf_token() -> str:
    """The browser session's token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def csrf_ok() -> bool:
    """Tell whether the current POST carries the browser session's token."""
    expected, given = session.get("csrf", ""), request.form.get(FIELD, "")
    return (
        request.method == "POST"
        and bool(expected)
        and hmac.compare_digest(expected.encode(), given.encode())
    )
