"""The bench's environment: secrets made once per run, shared by the builder and the servers."""

from __future__ import annotations

import base64
import os
import secrets

# The demo accounts belong to the development identity provider's issuer (`make run`).
ISSUER = "http://127.0.0.1:8001"


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def bench_environment(upload_root: str) -> dict[str, str]:
    """Settings for every process of the run (development config: plain-HTTP cookies)."""
    from mobile_hall.licenses.keys import new_signing_key

    return {
        "HALL_ENV": "development",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "IDENTITY_KEYS": f"b1:{_key()}",
        "IDENTITY_HASH_KEY": _key(),
        "LICENSE_SIGNING_KEY": new_signing_key(),
        "OIDC_ISSUER": ISSUER,
        "OIDC_CLIENT_ID": "mobile-hall",
        "UPLOAD_ROOT": upload_root,
        # The lookup's and the licence check's limits are per client address; wrk is one address.
        "PROGRESS_LOOKUP_LIMIT": "1000000 per minute",
        "LICENSE_VERIFY_LIMIT": "1000000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def hall_app(url: str):
    """The hall on `url`, configured from the (already exported) bench environment."""
    from config import database_url
    from mobile_hall import create_app

    os.environ.setdefault("HALL_ENV", "development")
    from config import config_for

    return create_app(config_for("development"), SQLALCHEMY_DATABASE_URI=database_url(url))
