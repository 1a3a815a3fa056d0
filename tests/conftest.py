"""Fixtures for the hall: one migrated database with the demo data per test session,
and each test inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

import devidp
from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.demo.services import load_demo
from mobile_hall.extensions import db, limiter
from tests.support.servers import LiveServer

# The hall as a client of the development identity provider. The test client's requests carry
# the host `localhost`; the live server has its own port.
CLIENT_ID = "mobile-hall-test"
CLIENT_SECRET = secrets.token_urlsafe(32)
TEST_CLIENT_ORIGIN = "http://localhost"
# Accounts whose claims the hall must refuse (identity.md), beside the provider's demo accounts.
BROKEN_ACCOUNTS = [
    {
        "username": name,
        "password": "demo",
        "label": name,
        "claims": {
            "sub": f"broken-{name}",
            "name": "测试用户",
            "user_type": "person",
            "id_card": "440205198506121231",
            "real_name_level": 3,
            "phone_number": "13800000099",
            **claims,
        },
    }
    for name, claims in {
        "bad-id-card": {"id_card": "440205198506121232"},
        "no-id-card": {"id_card": None},
        "level-seven": {"real_name_level": 7},
        "bad-uscc": {
            "user_type": "legal_person",
            "uscc": "91440205MA4W3K7B96",
            "org_name": "某公司",
            "org_role": "legal_representative",
        },
        "no-user-type": {"user_type": None},
        "renamed-claims": {
            "user_type": None,
            "id_card": None,
            "real_name_level": None,
            "kind": "person",
            "idNo": "440205198506121231",
            "authLevel": 3,
        },
    }.items()
]
for account in BROKEN_ACCOUNTS:
    account["claims"] = {k: v for k, v in account["claims"].items() if v is not None}


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


def hall_config(identity_provider: str) -> dict[str, object]:
    """Settings that make an app a client of the test session's provider."""
    return {
        "OIDC_ISSUER": identity_provider,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_CLAIMS_MAP": {},
    }


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
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


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


class QueryCounter:
    """Counts the SQL statements the application sends."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        """How many statements were sent."""
        return len(self.statements)


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
