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
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.demo.services import load_demo
from mobile_hall.extensions import db


def _database_url(tmp_dir: str) -> str:
    # Never DATABASE_URL: the suite wipes its database, so it must be named for tests only.
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir}/hall-test.sqlite3"


def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The hall on a database migrated to head and loaded with the demo data."""
    from config import database_url

    url = database_url(_database_url(str(tmp_path_factory.mktemp("db"))))
    application = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url)
    with application.app_context():
        _reset_schema()
        upgrade()
        load_demo()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app(app: Flask) -> Iterator[object]:
    """Build extra apps on the session database with config overrides; disposed afterwards."""
    built: list[Flask] = []

    def build(**overrides: object) -> Flask:
        extra = create_app(
            TestingConfig(),
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            **overrides,
        )
        built.append(extra)
        return extra

    yield build
    for extra in built:
        with extra.app_context():
            db.engine.dispose()


@pytest.fixture
def isolated_db(app: Flask) -> Iterator[None]:
    """Run the test in an outer transaction that is rolled back, whatever it commits."""
    with app.app_context():
        connection = db.engine.connect()
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
