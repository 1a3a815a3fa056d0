"""Wiring identity into the app: server-side sessions, Flask-Login, the OIDC client."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login.config import EXEMPT_METHODS

from ..extensions import login_manager
from .models import Account
from .oidc import init_oidc
from .protection import init_protection
from .sessions import DatabaseSessionInterface, ServerSession


def _current_account(_request) -> Account | None:
    return session.account if isinstance(session, ServerSession) else None


def signed_in_account_id() -> int | None:
    """The signed-in account's id, read off the session without building the account."""
    return getattr(session, "account_id", None)


def login_required(view: Callable) -> Callable:
    """Flask-Login's `login_required`, asked of the session rather than of `current_user`:
    whether someone is signed in is known from the session's row without building the account
    (a cached personal page is served without it). Unsigned visitors go to the sign-in page."""

    @wraps(view)
    def signed_in_view(*args, **kwargs):
        if request.method not in EXEMPT_METHODS and signed_in_account_id() is None:
            return current_app.login_manager.unauthorized()
        return current_app.ensure_sync(view)(*args, **kwargs)

    return signed_in_view


def _ask_to_sign_in():
    # Only local paths travel in `next`; the login view checks again.
    return redirect(url_for("identity.login", next=request.full_path.rstrip("?")), 303)


def init_identity(app: Flask) -> None:
    """Install the session store, the current-user loader and the platform client."""
    app.session_interface = DatabaseSessionInterface()
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are server-side and rotate at sign-in
    login_manager.request_loader(_current_account)
    login_manager.unauthorized_handler(_ask_to_sign_in)
    init_protection(app)
    init_oidc(app)
