"""Configuration classes; every deployment setting comes from the environment."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import ClassVar

from mobile_hall.common.crypto import generate_key

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


def _key_ring_secret() -> str:
    """The development key ring for identity numbers: one AES-256 key kept in instance/."""
    path = INSTANCE_DIR / "identity_keys"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(f"k1:{generate_key()}")
        path.chmod(0o600)
    return path.read_text().strip()


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} must be set in the environment")
    return value


def _split(raw: str | None) -> list[str]:
    return [part for part in (raw or "").replace(",", " ").split() if part]


class Config:
    """Settings shared by every environment."""

    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    # A pooled connection the server dropped (a restart, a failover, an idle timeout) is found
    # by a ping at checkout and replaced before a request uses it.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # Earlier secret keys, space or comma separated: anonymous session cookies made under them
    # still open while they are listed (rotation without emptying every anonymous session).
    SECRET_KEY_FALLBACKS = _split(os.environ.get("SECRET_KEY_FALLBACKS"))
    # Flask-WTF's default, said outright: a form token is good for an hour. A signed-in
    # session idle for half that (SESSION_IDLE_MINUTES) has ended before its tokens do.
    WTF_CSRF_TIME_LIMIT = 3600
    SESSION_COOKIE_NAME = "hall_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = True
    # Origins allowed to embed the hall in a frame (the provincial mobile hall).
    EMBED_ALLOWED_ORIGINS = _split(os.environ.get("EMBED_ALLOWED_ORIGINS"))
    EMBED_MARKER_HEADER = os.environ.get("EMBED_MARKER_HEADER", "X-Gd-Embed")
    SESSION_COOKIE_SAMESITE = os.environ.get("SESSION_COOKIE_SAMESITE", "Lax")
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_IDLE_MINUTES_STAFF = int(os.environ.get("SESSION_IDLE_MINUTES_STAFF", "15"))
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "8"))
    # The province's unified identity platform (identity.md); discovery does the rest.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile phone gd_identity")
    OIDC_CLAIMS_MAP: ClassVar[dict] = json.loads(os.environ.get("OIDC_CLAIMS_MAP") or "{}")
    # Uploads: each file at most UPLOAD_MAX_BYTES; a request may carry a few (MAX_CONTENT_LENGTH).
    UPLOAD_ROOT = os.environ.get("UPLOAD_ROOT") or str(INSTANCE_DIR / "uploads")
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(40 * 1024 * 1024)))
    # `flask storage sweep` removes leftovers (`.part` files, files no row refers to) older than
    # this: long enough that no upload still waiting for its transaction is taken.
    STORAGE_SWEEP_GRACE_HOURS = int(os.environ.get("STORAGE_SWEEP_GRACE_HOURS", "24"))
    # What one application may hold in all: files per checklist material, files, and bytes.
    UPLOAD_MAX_FILES_PER_MATERIAL = int(os.environ.get("UPLOAD_MAX_FILES_PER_MATERIAL", "10"))
    UPLOAD_MAX_FILES_PER_APPLICATION = int(os.environ.get("UPLOAD_MAX_FILES_PER_APPLICATION", "30"))
    UPLOAD_MAX_BYTES_PER_APPLICATION = int(
        os.environ.get("UPLOAD_MAX_BYTES_PER_APPLICATION", str(100 * 1024 * 1024))
    )
    # While the database cannot be reached, pages answer 503 with this Retry-After.
    DATABASE_RETRY_AFTER_SECONDS = int(os.environ.get("DATABASE_RETRY_AFTER_SECONDS", "30"))
    SMS_SENDER = os.environ.get("SMS_SENDER", "log")
    # Flask-Limiter's RATELIMIT_STORAGE_URI is each environment's own: production must name Redis.
    # Processes serving the app (gunicorn reads the same variable for its workers): with more
    # than one, `memory://` limits are counted per process and a warning is logged at start.
    WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "1"))
    # Said outright: Flask-Limiter otherwise takes the last app's setting (its own state).
    RATELIMIT_ENABLED = True
    # Per client address (see TRUSTED_PROXY_COUNT), in Flask-Limiter's notation.
    PROGRESS_LOOKUP_LIMIT = os.environ.get("PROGRESS_LOOKUP_LIMIT", "10 per minute")
    # Checking a licence token at /licenses/verify (public: anyone who scans a QR code).
    LICENSE_VERIFY_LIMIT = os.environ.get("LICENSE_VERIFY_LIMIT", "120 per minute")
    # Starting a sign-in at /auth/login (each start keeps a pending sign-in in the session).
    SIGN_IN_LIMIT = os.environ.get("SIGN_IN_LIMIT", "20 per minute")
    # Proxies in front of the hall (nginx: 1) whose X-Forwarded-For/-Proto/-Host are trusted;
    # 0 trusts none, and the client address is the connection's (see docs/deploy.md).
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    SEARCH_MAX_LENGTH = 100
    ITEMS_PER_PAGE = 20
    # The license signing key's id in the JWKS (empty: derived from the key, RFC 7638).
    LICENSE_KEY_ID = os.environ.get("LICENSE_KEY_ID", "")
    # Flask-Compress: text in br (preferred) or gzip. Never a sent file (a stylesheet, a
    # download, an upload): its streamed compression leaves the file open (nginx compresses
    # /static/, deploy/nginx.conf); nor images or PDF, the only types anyone can upload.
    COMPRESS_ALGORITHM: ClassVar[list[str]] = ["br", "gzip"]
    COMPRESS_STREAMS = False
    COMPRESS_MIMETYPES: ClassVar[list[str]] = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "application/jwk-set+json",
    ]
    # Static files without a current fingerprint (`?v=`) are cached this many seconds.
    STATIC_SHORT_MAX_AGE = int(os.environ.get("STATIC_SHORT_MAX_AGE", "300"))
    # The access manifest (mobile-access profile rule 11): how long the province may cache it.
    MANIFEST_MAX_AGE = int(os.environ.get("MANIFEST_MAX_AGE", "300"))
    # Rendered pages kept per worker (LRU; 0 turns the page cache off), and how long a node
    # may go on showing the catalog as it was before another node published a change.
    PAGE_CACHE_ENTRIES = int(os.environ.get("PAGE_CACHE_ENTRIES", "2000"))
    # A session's own /me or /enterprise is kept this long at most: its form token (an hour,
    # WTF_CSRF_TIME_LIMIT) must still be good when a form of it is sent a while later.
    PERSONAL_PAGE_SECONDS = int(os.environ.get("PERSONAL_PAGE_SECONDS", "600"))
    CHANGE_TOKEN_RECHECK_SECONDS = float(os.environ.get("CHANGE_TOKEN_RECHECK_SECONDS", "1"))
    # Who may read /metrics (CIDRs, space or comma separated): the operator's Prometheus.
    # Anyone else gets a 404. Behind nginx the address is the client's only with
    # TRUSTED_PROXY_COUNT set; nginx also refuses /metrics from outside (deploy/nginx.conf).
    METRICS_ALLOWED_NETWORKS = _split(
        os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8 ::1/128")
    )
    # The province's exchange (docs/exchange.md): where the delivery worker posts the record log
    # (empty: nothing is pushed; the pull API still serves it) and how it behaves.
    PROVINCE_EXCHANGE_URL = os.environ.get("PROVINCE_EXCHANGE_URL", "")
    EXCHANGE_BATCH_SIZE = int(os.environ.get("EXCHANGE_BATCH_SIZE", "500"))
    EXCHANGE_CONNECT_TIMEOUT_SECONDS = float(
        os.environ.get("EXCHANGE_CONNECT_TIMEOUT_SECONDS", "5")
    )
    EXCHANGE_READ_TIMEOUT_SECONDS = float(os.environ.get("EXCHANGE_READ_TIMEOUT_SECONDS", "30"))
    # After the n-th failure in a row: between half and all of min(cap, base * 2^(n-1)) seconds.
    EXCHANGE_RETRY_BASE_SECONDS = float(os.environ.get("EXCHANGE_RETRY_BASE_SECONDS", "1"))
    EXCHANGE_RETRY_CAP_SECONDS = float(os.environ.get("EXCHANGE_RETRY_CAP_SECONDS", "300"))
    # How often an idle worker looks for new records.
    EXCHANGE_IDLE_SECONDS = float(os.environ.get("EXCHANGE_IDLE_SECONDS", "1"))
    # One JSON line per log record on stderr (0: leave logging to the host, e.g. the tests).
    LOG_JSON = os.environ.get("LOG_JSON", "1") != "0"
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class ProductionConfig(Config):
    """A deployment: every secret must come from the environment."""

    @property
    def SECRET_KEY(self) -> str:  # noqa: N802 - Flask reads upper-case attributes
        return _required("SECRET_KEY")

    @property
    def IDENTITY_KEYS(self) -> str:  # noqa: N802
        return _required("IDENTITY_KEYS")

    @property
    def IDENTITY_HASH_KEY(self) -> str:  # noqa: N802
        return _required("IDENTITY_HASH_KEY")

    @property
    def LICENSE_SIGNING_KEY(self) -> str:  # noqa: N802 - Ed25519 private key, PKCS#8 PEM
        return _required("LICENSE_SIGNING_KEY")

    @property
    def RATELIMIT_STORAGE_URI(self) -> str:  # noqa: N802
        # Redis (redis://…), shared by every worker and node: `memory://` would count per
        # worker and multiply each limit by the number of workers.
        return _required("RATELIMIT_STORAGE_URI")

    @property
    def PROVINCE_EXCHANGE_SECRET(self) -> str:  # noqa: N802
        # The HMAC key the province shares with the hall: needed only where records are pushed.
        if os.environ.get("PROVINCE_EXCHANGE_URL"):
            return _required("PROVINCE_EXCHANGE_SECRET")
        return os.environ.get("PROVINCE_EXCHANGE_SECRET", "")


class DevelopmentConfig(Config):
    """`make run`: plain HTTP on loopback, secrets generated into instance/."""

    SESSION_COOKIE_SECURE = False
    # Flask-Limiter: counters in this process (`memory://`) unless told otherwise.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")

    @property
    def SECRET_KEY(self) -> str:  # noqa: N802
        return os.environ.get("SECRET_KEY") or local_secret("secret_key")

    @property
    def IDENTITY_KEYS(self) -> str:  # noqa: N802
        return os.environ.get("IDENTITY_KEYS") or _key_ring_secret()

    @property
    def IDENTITY_HASH_KEY(self) -> str:  # noqa: N802
        return os.environ.get("IDENTITY_HASH_KEY") or local_secret("identity_hash_key")

    @property
    def PROVINCE_EXCHANGE_SECRET(self) -> str:  # noqa: N802
        return os.environ.get("PROVINCE_EXCHANGE_SECRET") or local_secret(
            "province_exchange_secret"
        )

    @property
    def LICENSE_SIGNING_KEY(self) -> str:  # noqa: N802
        from mobile_hall.licenses.keys import local_signing_key

        return os.environ.get("LICENSE_SIGNING_KEY") or local_signing_key(
            INSTANCE_DIR / "license_signing_key.pem"
        )


class TestingConfig(Config):
    """The test suite; the database URL is given by the fixtures."""

    TESTING = True
    SECRET_KEY = secrets.token_urlsafe(32)
    IDENTITY_KEYS = f"t1:{generate_key()}"
    IDENTITY_HASH_KEY = generate_key()
    PROVINCE_EXCHANGE_SECRET = os.environ.get("PROVINCE_EXCHANGE_SECRET") or secrets.token_hex(32)
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = True
    # Most tests sign in and look up far more often than a person; the tests of the limits
    # build an app with RATELIMIT_ENABLED=True.
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Tests change the catalog through other sessions and processes and look at once.
    CHANGE_TOKEN_RECHECK_SECONDS = 0.0
    # pytest captures the log records itself (caplog).
    LOG_JSON = False

    @property
    def LICENSE_SIGNING_KEY(self) -> str:  # noqa: N802 - one new key per test run
        from mobile_hall.licenses.keys import generated_signing_key

        return generated_signing_key()


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_for(name: str | None) -> Config:
    """The configuration object for an environment name (default: development)."""
    return CONFIGS[name or "development"]()
