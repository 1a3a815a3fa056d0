"""Wiring identity into the app: server-side sessions, Flask-Login, the OIDC client."""

from __future__ import annotations

from flask import Flask, redirect, request, session, url_for

# Flask-Login's own decorator, imported from here by the domains' views.
from flask_login import login_required as login_required

from ..extensions import login_manager
from .models import Account
from .oidc import init_oidc
from .protection import init_protection
from .sessions import DatabaseSessionInterface, ServerSession, raise_unread_session


def _current_account(_request) -> Account | None:
    return session.account if isinstance(session, ServerSession) else None


def _ask_to_sign_in():
    # Only local paths travel in `next`; the login view checks again.
    return redirect(url_for("identity.login", next=request.full_path.rstrip("?")), 303)


def init_identity(app: Flask) -> None:
    """Install the session store, the current-user loader and the platform client."""
    app.session_interface = DatabaseSessionInterface()
    app.before_request(raise_unread_session)
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are server-side and rotate at sign-in
    login_manager.request_loader(_current_account)
    login_manager.unauthorized_handler(_ask_to_sign_in)
    init_protection(app)
    init_oidc(app)
