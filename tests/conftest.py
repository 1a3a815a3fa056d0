"""Fixtures for the hall: one migrated database with the demo data per test session,
and each test inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

import devidp
from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.applications.models import DailyCounter
from mobile_hall.catalog.models import ServiceItem
from mobile_hall.demo.services import load_demo
from mobile_hall.extensions import db, limiter
from mobile_hall.identity.models import WebSession
from tests.support.authoring import DEMO_ITEM, restore_item
from tests.support.cleanup import last_application_id, remove_applications_after
from tests.support.provider import (
    BROKEN_ACCOUNTS,
    CLIENT_ID,
    CLIENT_SECRET,
    TEST_CLIENT_ORIGIN,
    hall_config,
)
from tests.support.queries import QueryCounter
from tests.support.servers import LiveServer
from tests.support.transactions import rolled_back


def _database_url(tmp_dir: str) -> str:
    # Never DATABASE_URL: the suite wipes its database, so it must be named for tests only.
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir}/hall-test.sqlite3"


def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


@pytest.fixture(scope="session")
def hall_server() -> Iterator[LiveServer]:
    """A loopback port for the hall, bound early so the provider can know its URL."""
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def identity_provider(hall_server: LiveServer, tmp_path_factory) -> Iterator[str]:
    """The development identity provider over real HTTP, faults enabled; yields its URL."""
    server = LiveServer()
    client = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [
            f"{origin}/auth/callback" for origin in (TEST_CLIENT_ORIGIN, hall_server.url)
        ],
        "post_logout_redirect_uris": [
            f"{origin}/" for origin in (TEST_CLIENT_ORIGIN, hall_server.url)
        ],
        "backchannel_logout_uri": f"{hall_server.url}/auth/backchannel-logout",
    }
    server.start(
        devidp.create_app(
            {
                "DEVIDP_ISSUER": server.url,
                "DEVIDP_KEY_FILE": str(tmp_path_factory.mktemp("idp") / "jwks.json"),
                "DEVIDP_CLIENTS": [client],
                "DEVIDP_EXTRA_ACCOUNTS": BROKEN_ACCOUNTS,
                "DEVIDP_FAULTS_ENABLED": True,
                "DEVIDP_BACKCHANNEL_TIMEOUT": 5,
            }
        )
    )
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def app(tmp_path_factory, identity_provider: str, hall_server: LiveServer) -> Iterator[Flask]:
    """The hall on a database migrated to head and loaded with the demo data.

    The same app also runs on `hall_server` for tests that need it over real HTTP.
    """
    from config import database_url

    url = database_url(_database_url(str(tmp_path_factory.mktemp("db"))))
    application = create_app(
        TestingConfig(), SQLALCHEMY_DATABASE_URI=url, **hall_config(identity_provider)
    )
    with application.app_context():
        _reset_schema()
        upgrade()
        load_demo()
        db.session.remove()
    hall_server.start(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app(app: Flask, identity_provider: str, isolated_db: None) -> Iterator[object]:
    """Build extra apps on the session database with config overrides; disposed afterwards."""
    built: list[Flask] = []

    def build(**overrides: object) -> Flask:
        settings = {**hall_config(identity_provider), **overrides}
        extra = create_app(
            TestingConfig(),
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            IDENTITY_KEYS=app.config["IDENTITY_KEYS"],
            IDENTITY_HASH_KEY=app.config["IDENTITY_HASH_KEY"],
            **settings,
        )
        built.append(extra)
        return extra

    yield build
    for extra in built:
        with extra.app_context():
            db.engine.dispose()
    if built:
        # Flask-Limiter is one object holding the last app's settings (RATELIMIT_ENABLED, its
        # storage): give it back to the session's app.
        limiter.init_app(app)


@pytest.fixture
def isolated_db(app: Flask) -> Iterator[None]:
    """Run the test in an outer transaction that is rolled back, whatever it commits.

    No app context stays pushed: each test-client request gets its own, as in production.
    """
    with rolled_back(app):
        yield


@pytest.fixture
def client(app: Flask, isolated_db: None) -> FlaskClient:
    """A test client over the real templates and database."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask, isolated_db: None) -> FlaskCliRunner:
    """A runner for the `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def app_context(app: Flask, isolated_db: None) -> Iterator[None]:
    """An application context for calling services directly."""
    with app.app_context():
        yield


@pytest.fixture
def count_queries(app: Flask) -> object:
    """A context manager that counts the statements sent inside it."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def sign_in(client: FlaskClient, identity_provider: str):
    """Sign a demo account in on `client` (or another test client) through the provider."""
    from tests.support.browser import Browser

    def act(username: str, on: FlaskClient | None = None) -> FlaskClient:
        target = on or client
        response = Browser(target, identity_provider).sign_in(username)
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        return target

    return act


@pytest.fixture
def committed(app) -> Iterator[None]:
    """Let the test commit; afterwards remove its applications and restore the counters."""
    with app.app_context():
        last = last_application_id()
        counters = dict(db.session.execute(sa.select(DailyCounter.day, DailyCounter.value)).all())
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context():
            remove_applications_after(last)
            db.session.execute(sa.delete(DailyCounter).where(DailyCounter.day.not_in(counters)))
            for day, value in counters.items():
                db.session.execute(
                    sa.update(DailyCounter).where(DailyCounter.day == day).values(value=value)
                )
            db.session.commit()
            db.session.remove()


@pytest.fixture
def restored_item(app) -> Iterator[str]:
    """A demo licence item of 区市场监管局 (reviewed by 区编办) for tests that publish through
    the live hall; afterwards its current version is restored and the drafts, messages,
    versions and sessions the test committed are removed."""
    with app.app_context():
        version_id = db.session.scalars(
            sa.select(ServiceItem.current_version_id).where(ServiceItem.code == DEMO_ITEM)
        ).one()
        db.session.remove()
    yield DEMO_ITEM
    with app.app_context():
        restore_item(DEMO_ITEM, version_id)
        db.session.execute(sa.delete(WebSession))
        db.session.commit()
        db.session.remove()
