"""A stand-in for the province's data exchange (省数据交换平台) in development, tests and the
demo: it takes the hall's signed batches of process records, keeps each record once by its
`record_id`, lists what it received, and can be told to fail (500s, timeouts, slow answers).

Not imported by the hall's request path; `flask exchange receiver` starts it.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from . import views
from .faults import FAULTS, Faults
from .store import Store

__all__ = ["FAULTS", "create_app"]


def create_app(config: dict) -> Flask:
    """Create the stand-in province.

    ``PROVINCE_SECRET`` (the HMAC key shared with the hall) and ``PROVINCE_DATABASE`` (its SQLite
    file) are required; ``PROVINCE_FAULT`` (``none``, ``error``, ``timeout``, ``slow``),
    ``PROVINCE_SLOW_SECONDS`` (default 3) and ``PROVINCE_HANG_SECONDS`` (how long a timeout
    holds the request, default 60) are optional.
    """
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.get("SECRET_KEY") or config["PROVINCE_SECRET"] + ":page",
        SESSION_COOKIE_NAME="devprovince_session",
        PROVINCE_SLOW_SECONDS=3.0,
        PROVINCE_HANG_SECONDS=60.0,
    )
    app.config.update(config)
    app.extensions["province_store"] = Store(config["PROVINCE_DATABASE"])
    app.extensions["province_faults"] = Faults(config.get("PROVINCE_FAULT", "none"))
    csrf = CSRFProtect(app)
    csrf.exempt(views.api)
    app.register_blueprint(views.page)
    app.register_blueprint(views.api)
    return app
