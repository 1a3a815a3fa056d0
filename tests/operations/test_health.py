"""/healthz answers while the process lives; /readyz only while every dependency answers."""

from __future__ import annotations

import os

import pytest

from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.extensions import db, limiter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
UNREACHABLE_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"


def test_healthz_answers_without_touching_the_database(client, count_queries):
    with count_queries() as counted:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert counted.count == 0
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ok_when_database_and_upload_storage_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_names_the_unwritable_upload_storage(make_app, tmp_path):
    not_a_directory = tmp_path / "uploads"
    not_a_directory.write_text("a file where the directory should be")
    response = make_app(UPLOAD_ROOT=str(not_a_directory)).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "failed": ["upload_storage"]}
    assert response.headers["Retry-After"]


def test_readyz_names_redis_when_the_rate_limits_count_there_and_it_is_down(make_app):
    hall = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    response = hall.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["rate_limit_storage"]


def test_readyz_is_ok_when_the_rate_limits_count_in_a_redis_that_answers(make_app):
    hall = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS_URL)
    if not limiter.storage.check():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}; .ci/run starts it")
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL, or start redis-server)")
    assert hall.test_client().get("/readyz").status_code == 200


def test_during_a_database_outage_readyz_fails_and_healthz_still_answers(app, tmp_path):
    down = create_app(
        TestingConfig(),
        SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE,
        UPLOAD_ROOT=str(tmp_path),
        LOG_JSON=False,
    )
    try:
        hall = down.test_client()
        assert hall.get("/healthz").status_code == 200
        response = hall.get("/readyz")
        assert response.status_code == 503
        assert response.json["failed"] == ["database"]
    finally:
        with down.app_context():
            db.engine.dispose()
        limiter.init_app(app)  # the limiter holds the last app's settings
