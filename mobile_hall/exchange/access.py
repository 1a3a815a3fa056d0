"""Who may pull the record log: the one place the exchange asks about API keys."""

from __future__ import annotations

from ..api import keys


def pull_client(authorization: str) -> str | None:
    """The actor (``api-key:<prefix>``) of the key in ``Authorization: Bearer <key>``, or
    None when there is no valid key. Any unit's unrevoked key may pull: the records carry no
    personal data."""
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    api_key = keys.authenticate(key.strip())
    return f"api-key:{api_key.prefix}" if api_key is not None else None
