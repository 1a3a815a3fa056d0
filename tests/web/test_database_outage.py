"""While the database cannot be reached, the hall answers its own Chinese 503 page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.extensions import db, limiter
from tests.support.provider import hall_config

# A port nothing listens on refuses at once; a directory that does not exist cannot hold a file.
REFUSING_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:1/mobile_hall"
SQLITE_IN_NO_DIRECTORY = "sqlite:///{tmp}/no-such-directory/hall.sqlite3"
# A signed-in session's cookie: a row token, looked up in the database before any view runs.
ROW_TOKEN = "a" * 43


@pytest.fixture(params=[REFUSING_POSTGRESQL, SQLITE_IN_NO_DIRECTORY], ids=["postgresql", "sqlite"])
def outage_app(request, app: Flask, identity_provider: str, tmp_path) -> Iterator[Flask]:
    """The hall on a database that cannot be reached, as in production: unhandled errors go
    to the error pages rather than up to the test (PROPAGATE_EXCEPTIONS off)."""
    broken = create_app(
        TestingConfig(),
        SQLALCHEMY_DATABASE_URI=request.param.format(tmp=tmp_path),
        PROPAGATE_EXCEPTIONS=False,
        **hall_config(identity_provider),
    )
    yield broken
    with broken.app_context():
        db.engine.dispose()
    limiter.init_app(app)  # Flask-Limiter keeps the last app's settings: give them back


def _assert_busy_page(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "系统繁忙，请稍后再试" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_a_page_that_reads_the_database_answers_the_halls_503(outage_app):
    _assert_busy_page(outage_app.test_client().get("/items"))


def test_a_signed_in_session_that_cannot_be_read_answers_the_halls_503(outage_app):
    client = outage_app.test_client()
    client.set_cookie(outage_app.config["SESSION_COOKIE_NAME"], ROW_TOKEN)
    response = client.get("/me")
    _assert_busy_page(response)
    assert "Set-Cookie" not in response.headers  # nothing was saved or cleared


def test_the_wait_is_configurable(app, identity_provider, tmp_path):
    broken = create_app(
        TestingConfig(),
        SQLALCHEMY_DATABASE_URI=SQLITE_IN_NO_DIRECTORY.format(tmp=tmp_path),
        DATABASE_RETRY_AFTER_SECONDS=120,
        **hall_config(identity_provider),
    )
    try:
        assert broken.test_client().get("/items").headers["Retry-After"] == "120"
    finally:
        with broken.app_context():
            db.engine.dispose()
        limiter.init_app(app)
