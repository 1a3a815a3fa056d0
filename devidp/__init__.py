"""Development identity provider: a small OpenID Connect provider standing in for the province's
unified identity platform (统一身份认证平台) in development, tests and the demo.

Not imported by the hall, which must not know which provider it talks to.
"""

from __future__ import annotations

from flask import Flask

from . import views
from .config import ConfigError, load_settings
from .models import SCOPES_SUPPORTED
from .provider import Provider
from .server import TOKEN_LIFETIME

__all__ = ["ConfigError", "create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Create the provider application.

    ``config`` holds ``DEVIDP_*`` settings (each falling back to the environment variable of
    the same name) and any other Flask settings.

    :raises ConfigError: if the settings are incomplete, e.g. no client secret.
    """
    config = dict(config or {})
    app = Flask(__name__)
    settings = load_settings(config, app.instance_path)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # The hall runs on the same host; browsers do not isolate cookies by port.
        SESSION_COOKIE_NAME="devidp_session",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.issuer.startswith("https://"),
        OAUTH2_SCOPES_SUPPORTED=SCOPES_SUPPORTED,
        OAUTH2_TOKEN_EXPIRES_IN={"authorization_code": TOKEN_LIFETIME},
    )
    app.config.update({k: v for k, v in config.items() if not k.startswith("DEVIDP_")})
    app.extensions["devidp"] = Provider(app, settings)
    _register_blueprints(app, settings.faults_enabled)
    return app


def _register_blueprints(app: Flask, faults_enabled: bool) -> None:
    app.register_blueprint(views.bp)
    if faults_enabled:
        app.register_blueprint(views.faults_bp)
