"""Configuration classes; every deployment setting comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def database_url(raw: str | None) -> str:
    """Normalise a DATABASE_URL: psycopg 3 for PostgreSQL, the embedded SQLite otherwise."""
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'mobile_hall.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def local_secret(name: str) -> str:
    """A random secret kept in instance/ for development, so none lives in the repository."""
    path = INSTANCE_DIR / name
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _split(raw: str | None) -> list[str]:
    return [part for part in (raw or "").replace(",", " ").split() if part]


class Config:
    """Settings shared by every environment."""

    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_NAME = "hall_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    # Origins allowed to embed the hall in a frame (the provincial mobile hall).
    EMBED_ALLOWED_ORIGINS = _split(os.environ.get("EMBED_ALLOWED_ORIGINS"))
    EMBED_MARKER_HEADER = os.environ.get("EMBED_MARKER_HEADER", "X-Gd-Embed")
    SEARCH_MAX_LENGTH = 100
    ITEMS_PER_PAGE = 20


class ProductionConfig(Config):
    """A deployment: every secret must come from the environment."""

    @property
    def SECRET_KEY(self) -> str:  # noqa: N802 - Flask reads upper-case attributes
        key = os.environ.get("SECRET_KEY")
        if not key:
            raise RuntimeError("SECRET_KEY must be set in the environment")
        return key


class DevelopmentConfig(Config):
    """`make run`: plain HTTP on loopback, secrets generated into instance/."""

    SESSION_COOKIE_SECURE = False

    @property
    def SECRET_KEY(self) -> str:  # noqa: N802
        return os.environ.get("SECRET_KEY") or local_secret("secret_key")


class TestingConfig(Config):
    """The test suite; the database URL is given by the fixtures."""

    TESTING = True
    SECRET_KEY = secrets.token_urlsafe(32)
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = True


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_for(name: str | None) -> Config:
    """The configuration object for an environment name (default: development)."""
    return CONFIGS[name or "development"]()
