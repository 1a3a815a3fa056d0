"""曲江区网上办事分厅（手机版）: the Flask application factory."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask

from .database import init_database
from .extensions import csrf, limiter, migrate

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Hall(Flask):
    """Flask, deciding once per view or hook whether it needs an async wrapper.

    Flask asks `inspect.iscoroutinefunction` of every hook and view on every request (nine
    times per page here, a twentieth of a cached page's time); the answer never changes. The
    answers are kept by weak reference, so a function made for one request (`after_this_request`)
    leaves with it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What was found plain (`def`): a weak key with no value holding it. An `async def`
        # function is wrapped by Flask each time, as before.
        self._synced: WeakKeyDictionary[object, bool] = WeakKeyDictionary()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func` itself if it is plain, found once; else Flask's wrapper (Flask.ensure_sync)."""
        try:
            if self._synced.get(func):
                return func
        except TypeError:  # a callable that cannot be a weak key
            return super().ensure_sync(func)
        synced = super().ensure_sync(func)
        if synced is func:
            self._synced[func] = True
        return synced


def create_app(config: object | None = None, **overrides: Any) -> Flask:
    """Build the hall from a config object (see `config.py`) and keyword overrides."""
    app = Hall(
        __name__,
        template_folder=str(PROJECT_DIR / "templates_mobile"),
        static_folder=str(PROJECT_DIR / "static"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    if config is None:
        from config import config_for

        config = config_for(None)
    app.config.from_object(config)
    app.config.update(overrides)
    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_web(app)
    register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind `TRUSTED_PROXY_COUNT` proxies (nginx: 1), take the client's address, scheme and
    host from their `X-Forwarded-*` headers, so that rate limits count each person rather than
    the proxy. With 0 (the default) the headers are ignored: a client could forge them."""
    hops = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


MODEL_MODULES = (
    "common",
    "audit",
    "organisations",
    "licenses",
    "catalog",
    "identity",
    "applications",
    "pages",
    "monitoring",
)


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations and CSRF protection to the app."""
    import importlib

    from .extensions import db

    # Every table must be in the metadata before Alembic or a query looks at it.
    for name in MODEL_MODULES:
        importlib.import_module(f"{__name__}.{name}.models")
    from .common.formtokens import init_form_tokens
    from .common.freshness import init_freshness
    from .identity.web import init_identity

    init_database(app)
    init_freshness(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"))
    csrf.init_app(app)
    init_form_tokens(app)
    limiter.init_app(app)
    if not (app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")):
        drop_limiter_hooks(app)
    init_identity(app)


def drop_limiter_hooks(app: Flask) -> None:
    """Every limit is declared on its view (`common.ratelimit`), whose wrapper counts it in the
    extension's storage: Flask-Limiter's own hooks around every request (its check of default
    limits, its rate-limit headers and conditional deductions, its per-request context) would
    find nothing to do, and cost a fifth of a cached page's time. Only its storage is used."""

    def is_limiters(hook: object) -> bool:
        if isinstance(hook, partial):
            return bool(hook.args) and hook.args[0] is limiter
        return getattr(hook, "__self__", None) is limiter

    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        hooks[None] = [hook for hook in hooks.get(None, []) if not is_limiters(hook)]


def register_blueprints(app: Flask) -> None:
    """Mount each domain's pages."""
    from .applications.views import blueprint as applications
    from .catalog.views import blueprint as catalog
    from .common.views import blueprint as common
    from .identity.staff_views import blueprint as staff
    from .identity.views import blueprint as identity
    from .licenses.api import blueprint as license_api
    from .licenses.views import blueprint as licenses
    from .mobile_access.views import blueprint as mobile_access
    from .monitoring.views import blueprint as monitoring
    from .organisations.views import blueprint as organisations
    from .pages.views import blueprint as pages
    from .pages.views import staff_blueprint as pages_staff
    from .workbench.views import blueprint as workbench

    app.register_blueprint(catalog)
    app.register_blueprint(organisations)
    app.register_blueprint(common)
    app.register_blueprint(identity)
    app.register_blueprint(staff)
    app.register_blueprint(applications)
    app.register_blueprint(workbench)
    app.register_blueprint(licenses)
    app.register_blueprint(license_api)
    app.register_blueprint(pages)
    app.register_blueprint(pages_staff)
    app.register_blueprint(mobile_access)
    app.register_blueprint(monitoring)


def register_web(app: Flask) -> None:
    """Layout context, security headers and the Chinese error pages."""
    from .common.web import init_web

    init_web(app)


def register_commands(app: Flask) -> None:
    """Add the operator commands (`flask catalog …`, `flask demo …`)."""
    from .catalog.cli import catalog_cli
    from .demo.cli import demo_cli
    from .licenses.cli import licenses_cli
    from .monitoring.cli import monitoring_cli

    app.cli.add_command(catalog_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(licenses_cli)
    app.cli.add_command(monitoring_cli)
