"""Rate limits: Flask-Limiter's decorators, switched on per app, counting sign-in starts, and
counting in Redis once for every worker."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from config import Config, ProductionConfig
from mobile_hall.extensions import RATE_LIMITED_ENDPOINTS, limiter

PROJECT_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FORGED = "/licenses/verify?token=eyJhbGciOiJFZERTQSJ9.eyJsaWQiOiJ4In0.c2lnbmF0dXJl"

# One worker of the hall, in its own process as under gunicorn: it builds the app with the
# settings given as JSON and prints the status of each of its requests.
WORKER = """
import json, sys
from config import TestingConfig
from mobile_hall import create_app
settings, url, count = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
client = create_app(TestingConfig(), **settings).test_client()
print(json.dumps([client.get(url).status_code for _request in range(count)]))
"""


def test_an_app_with_rate_limits_switched_off_is_never_refused(make_app):
    unlimited = make_app(RATELIMIT_ENABLED=False, LICENSE_VERIFY_LIMIT="1 per minute")
    client = unlimited.test_client()
    assert [client.get(FORGED).status_code for _try in range(3)] == [200, 200, 200]


def test_an_app_switched_off_leaves_the_next_apps_limits_on(make_app):
    # Flask-Limiter keeps one `enabled` for every app: each app states its own (config.py).
    make_app(RATELIMIT_ENABLED=False)
    limited = make_app(RATELIMIT_ENABLED=True, LICENSE_VERIFY_LIMIT="1 per minute").test_client()
    assert [limited.get(FORGED).status_code for _try in range(2)] == [200, 429]


def test_production_will_not_count_in_each_worker_alone(monkeypatch):
    # `memory://` would multiply every limit by the number of workers: Redis must be named.
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI must be set"):
        _ = ProductionConfig().RATELIMIT_STORAGE_URI
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", REDIS_URL)
    assert ProductionConfig().RATELIMIT_STORAGE_URI == REDIS_URL


def test_every_view_with_a_limit_is_listed_as_rate_limited(app):
    # Requests to endpoints not listed skip Flask-Limiter's check (its request_filter): a view
    # given `@limiter.limit` but not listed would go unlimited. Flask-Limiter marks the
    # wrappers its decorator makes with (a proxy of) the limiter that made them.
    limited = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "__wrapper-limiter-instance", None) == limiter
    }
    assert limited == RATE_LIMITED_ENDPOINTS


def test_a_page_with_no_limit_is_never_counted(make_app):
    client = make_app(RATELIMIT_ENABLED=True, LICENSE_VERIFY_LIMIT="1 per minute").test_client()
    assert [client.get("/items").status_code for _try in range(3)] == [200, 200, 200]
    assert [client.get(FORGED).status_code for _try in range(2)] == [200, 429]


def test_the_default_sign_in_limit():
    assert Config.SIGN_IN_LIMIT == "20 per minute"


def test_sign_in_starts_past_the_limit_get_the_chinese_429_page(make_app):
    hall = make_app(RATELIMIT_ENABLED=True, SIGN_IN_LIMIT="2 per minute", TRUSTED_PROXY_COUNT=1)
    stranger = hall.test_client()
    stranger.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
    answers = [stranger.get("/auth/login") for _try in range(3)]
    assert [answer.status_code for answer in answers[:2]] == [302, 302]  # to the provider
    assert answers[2].status_code == 429
    assert "操作过于频繁" in answers[2].get_data(as_text=True)
    other = hall.test_client()
    other.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.6"
    assert other.get("/auth/login").status_code == 302  # another address, its own allowance


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the local Redis; its keys are deleted afterwards."""
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        server.ping()
    except redis.ConnectionError as error:
        if os.environ.get("CI") == "true":
            message = f"Redis is not reachable at {REDIS_URL} ({error}); .ci/run starts it"
            pytest.fail(message, pytrace=False)
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL, or start redis-server)")
    prefix = f"mobile-hall-test-{secrets.token_hex(6)}"
    yield prefix
    for key in server.scan_iter(match=f"*{prefix}*"):
        server.delete(key)
    server.close()


def _worker(app, storage_uri: str, prefix: str, requests: int) -> list[int]:
    settings = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": storage_uri,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LICENSE_VERIFY_LIMIT": "2 per minute",
    }
    done = subprocess.run(  # noqa: S603 - this interpreter, running the worker above
        [sys.executable, "-c", WORKER, json.dumps(settings), FORGED, str(requests)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_workers_counting_in_redis_share_one_limit(app, redis_prefix):
    assert _worker(app, REDIS_URL, redis_prefix, 2) == [200, 200]
    assert _worker(app, REDIS_URL, redis_prefix, 1) == [429]


def test_two_workers_counting_in_memory_each_have_their_own(app):
    prefix = f"mobile-hall-test-{secrets.token_hex(6)}"
    assert _worker(app, "memory://", prefix, 2) == [200, 200]
    assert _worker(app, "memory://", prefix, 1) == [200]
