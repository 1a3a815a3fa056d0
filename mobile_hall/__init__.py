"""曲江区网上办事分厅（手机版）: the Flask application factory."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import Flask, Response
from flask import typing as ft
from werkzeug.exceptions import HTTPException

from .database import discard_uncommitted, init_database
from .extensions import compress, csrf, limiter, migrate

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Hall(Flask):
    """Flask, where a request that fails leaves nothing of its own in the database: every
    exception, handled (404, 403, a blueprint's refusal page, a flash and a redirect) or not
    (500), passes here before its handler answers it. Flask documents these two public
    methods as the place to change how exceptions are handled ("Subclassing Flask"); no signal
    is sent for a handled one, and two dozen handlers would otherwise each have to roll back."""

    def handle_user_exception(self, e: Exception) -> HTTPException | ft.ResponseReturnValue:
        """Roll back the failed request's uncommitted writes, then find its handler."""
        discard_uncommitted()
        return super().handle_user_exception(e)

    def handle_exception(self, e: Exception) -> Response:
        """Roll back the failed request's uncommitted writes, then answer 500."""
        discard_uncommitted()
        return super().handle_exception(e)


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
    register_inputs(app)
    register_blueprints(app)
    register_web(app)
    register_errorhandlers(app)
    register_commands(app)
    warn_about_settings(app)
    register_operations(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind `TRUSTED_PROXY_COUNT` proxies (nginx: 1), take the client's address, scheme and
    host from their `X-Forwarded-*` headers, so that rate limits count each person rather than
    the proxy. With 0 (the default) the headers are ignored: a client could forge them."""
    hops = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def warn_about_settings(app: Flask) -> None:
    """Log a warning for settings that work but defeat a control: rate limits counted in
    each process's memory while several processes serve (`WEB_CONCURRENCY`, gunicorn's own
    default for `--workers`) multiply every limit by the number of processes."""
    processes = int(app.config.get("WEB_CONCURRENCY") or 1)
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "")
    if processes > 1 and storage.startswith("memory://"):
        app.logger.warning(
            "RATELIMIT_STORAGE_URI is memory:// but WEB_CONCURRENCY is %d: each process counts "
            "its own rate limits; use Redis (redis://…) so that every worker shares them",
            processes,
        )


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
    "authoring",
    "api",
    "exchange",
)


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, CSRF protection, compression and rate limits to the app."""
    import importlib

    from .extensions import db

    # Every table must be in the metadata before Alembic or a query looks at it.
    for name in MODEL_MODULES:
        importlib.import_module(f"{__name__}.{name}.models")
    from .common.freshness import init_freshness
    from .identity.web import init_identity
    from .notifications.sms import init_sms

    init_database(app)
    init_freshness(app)
    init_sms(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"))
    csrf.init_app(app)
    # Its after-request hook is the first registered, so it runs last: on the final headers.
    compress.init_app(app)
    limiter.init_app(app)
    init_identity(app)


def register_inputs(app: Flask) -> None:
    """Refuse input no view can take (NUL characters, ids past the database's integers); before
    the blueprints, whose rules take the id converter when they are added."""
    from .common.inputs import init_inputs

    init_inputs(app)


def register_blueprints(app: Flask) -> None:
    """Mount each domain's pages."""
    from .api.department_views import blueprint as api_departments
    from .api.views import blueprint as api
    from .applications.views import blueprint as applications
    from .audit.views import blueprint as audit
    from .authoring.views import blueprint as authoring
    from .catalog.views import blueprint as catalog
    from .common.views import blueprint as common
    from .exchange.api import blueprint as exchange_api
    from .exchange.views import blueprint as exchange
    from .identity.staff_views import blueprint as staff
    from .identity.views import blueprint as identity
    from .licenses.api import blueprint as license_api
    from .licenses.views import blueprint as licenses
    from .mobile_access.views import blueprint as mobile_access
    from .monitoring.views import blueprint as monitoring
    from .organisations.views import blueprint as organisations
    from .pages.views import blueprint as pages
    from .pages.views import staff_blueprint as pages_staff
    from .registry.views import blueprint as registry
    from .workbench.views import blueprint as workbench

    app.register_blueprint(catalog)
    app.register_blueprint(organisations)
    app.register_blueprint(common)
    app.register_blueprint(identity)
    app.register_blueprint(staff)
    app.register_blueprint(audit)
    app.register_blueprint(applications)
    app.register_blueprint(workbench)
    app.register_blueprint(licenses)
    app.register_blueprint(license_api)
    app.register_blueprint(pages)
    app.register_blueprint(pages_staff)
    app.register_blueprint(mobile_access)
    app.register_blueprint(monitoring)
    app.register_blueprint(authoring)
    app.register_blueprint(registry)
    app.register_blueprint(api)
    app.register_blueprint(api_departments)
    app.register_blueprint(exchange)
    app.register_blueprint(exchange_api)


def register_web(app: Flask) -> None:
    """Layout context, security headers, the Chinese error pages and labels."""
    from .common.web import init_web

    init_web(app)
    app.jinja_env.globals["labels"] = template_labels()


def template_labels() -> SimpleNamespace:
    """`labels.X` in every template: the Chinese labels of stored values that pages of several
    domains show (an item's kind, a unit's level, a real-name level), each kept by its domain."""
    from .catalog import labels as catalog
    from .identity import labels as identity
    from .organisations import labels as organisations

    return SimpleNamespace(
        **{
            name: value
            for module in (catalog, identity, organisations)
            for name, value in vars(module).items()
            if name.isupper()
        }
    )


def register_errorhandlers(app: Flask) -> None:
    """The services' "not found" and "not authorized" as 404 and 403 pages."""
    from .common.errors import init_errors

    init_errors(app)


def register_operations(app: Flask) -> None:
    """Health checks, Prometheus metrics and the JSON request log (docs/operations.md)."""
    from .operations import init_operations

    init_operations(app)


def register_commands(app: Flask) -> None:
    """Add the operator commands (`flask applications …`, `flask audit …`, `flask catalog …`,
    `flask demo …`, `flask exchange …`, `flask monitoring …`, `flask reference …`,
    `flask sessions …`, `flask storage …`)."""
    from .applications.cli import applications_cli
    from .audit.cli import audit_cli
    from .catalog.cli import catalog_cli
    from .demo.cli import demo_cli
    from .exchange.cli import exchange_cli
    from .identity.cli import sessions_cli
    from .licenses.cli import licenses_cli
    from .monitoring.cli import monitoring_cli
    from .registry.cli import reference_cli
    from .storage.cli import storage_cli

    app.cli.add_command(applications_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(reference_cli)
    app.cli.add_command(exchange_cli)
    app.cli.add_command(licenses_cli)
    app.cli.add_command(sessions_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(monitoring_cli)
