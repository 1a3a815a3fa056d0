"""Settings of the development identity provider, from a dict or the environment."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .accounts import Account, build_accounts
from .models import Client

DEFAULT_ISSUER = "http://127.0.0.1:8001"
DEFAULT_HALL_URL = "http://127.0.0.1:8000"
DEFAULT_CLIENT_ID = "mobile-hall"
_TRUE = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The provider cannot start with the given settings."""


@dataclass
class Settings:
    """Everything the provider needs, resolved once at start."""

    issuer: str
    key_file: Path
    secret_key: str
    clients: dict[str, Client]
    accounts: dict[str, Account]
    faults_enabled: bool
    backchannel_timeout: float


def load_settings(config: dict, instance_path: str) -> Settings:
    """Resolve the settings from ``config``, falling back to environment variables of the same name.

    :raises ConfigError: if no client secret is configured or a JSON setting is malformed.
    """

    def get(name: str, default=None):
        return config[name] if name in config else os.environ.get(name, default)

    key_file = get("DEVIDP_KEY_FILE") or os.path.join(instance_path, "devidp-jwks.json")
    try:
        accounts = build_accounts(get("DEVIDP_EXTRA_ACCOUNTS"))
    except ValueError as error:
        raise ConfigError(f"DEVIDP_EXTRA_ACCOUNTS: {error}") from error
    return Settings(
        issuer=str(get("DEVIDP_ISSUER", DEFAULT_ISSUER)).rstrip("/"),
        key_file=Path(key_file),
        secret_key=get("DEVIDP_SECRET_KEY") or secrets.token_hex(32),
        clients=_load_clients(get),
        accounts=accounts,
        faults_enabled=str(get("DEVIDP_FAULTS_ENABLED", "")).strip().lower() in _TRUE,
        backchannel_timeout=float(get("DEVIDP_BACKCHANNEL_TIMEOUT", 2.0)),
    )


def _load_clients(get) -> dict[str, Client]:
    raw = get("DEVIDP_CLIENTS")
    if raw:
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
            clients = [Client.from_dict(item) for item in items]
        except (ValueError, TypeError, KeyError) as error:
            raise ConfigError(f"DEVIDP_CLIENTS is not a valid list of clients: {error}") from error
    else:
        clients = [_default_client(get)]
    return {client.client_id: client for client in clients}


def _default_client(get) -> Client:
    secret = get("DEVIDP_CLIENT_SECRET")
    if not secret:
        raise ConfigError(
            "DEVIDP_CLIENT_SECRET is not set: give the hall's client secret (the Makefile "
            "generates one into instance/), or list the clients in DEVIDP_CLIENTS."
        )
    hall = str(get("DEVIDP_HALL_URL", DEFAULT_HALL_URL)).rstrip("/")
    return Client(
        client_id=get("DEVIDP_CLIENT_ID", DEFAULT_CLIENT_ID),
        client_secret=secret,
        redirect_uris=[f"{hall}/auth/callback"],
        post_logout_redirect_uris=[f"{hall}/"],
        backchannel_logout_uri=f"{hall}/auth/backchannel-logout",
    )
