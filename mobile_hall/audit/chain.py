"""The hash that chains audit records, as a pure function of a record's stored fields (the
migration that chained the records already kept uses it too, without an app)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from ..clock import as_local


def content_hash(
    *,
    occurred_at: datetime,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any],
    client_address: str,
    user_agent: str,
    previous_hash: str,
) -> str:
    """SHA-256 over the record's fields and the previous record's hash, in a canonical form.

    The time is written in China Standard Time: SQLite hands stored times back naive (in that
    zone) and PostgreSQL aware (in UTC), and both must give the hash that was stored.
    """
    canonical = json.dumps(
        {
            "occurred_at": as_local(occurred_at).isoformat(),
            "actor": actor,
            "action": action,
            "target": target,
            "details": details,
            "client_address": client_address,
            "user_agent": user_agent,
            "previous_hash": previous_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
