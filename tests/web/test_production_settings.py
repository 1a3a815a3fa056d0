"""The production example's settings, and the warning about rate limits counted per process."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WARNING = "each process counts its own rate limits"


def _example_settings() -> dict[str, str]:
    lines = (PROJECT_DIR / "deploy" / "hall.env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {name: value for name, value in pairs}


def test_the_production_example_keeps_the_session_cookie_same_site_lax():
    assert _example_settings()["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_production_example_counts_rate_limits_in_redis_for_its_workers():
    settings = _example_settings()
    assert int(settings["WEB_CONCURRENCY"]) > 1
    assert settings["RATELIMIT_STORAGE_URI"].startswith("redis://")


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_several_processes_counting_in_memory_are_warned_about_at_start(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="mobile_hall"):
        make_app(WEB_CONCURRENCY=4, RATELIMIT_STORAGE_URI="memory://")
    assert any(WARNING in message and "4" in message for message in _warnings(caplog))


@pytest.mark.parametrize(
    ("processes", "storage"), [(1, "memory://"), (4, REDIS_URL)], ids=["one-process", "redis"]
)
def test_no_warning_when_limits_are_counted_once(make_app, caplog, processes, storage):
    with caplog.at_level(logging.WARNING, logger="mobile_hall"):
        make_app(WEB_CONCURRENCY=processes, RATELIMIT_STORAGE_URI=storage)
    assert not any(WARNING in message for message in _warnings(caplog))
