"""API keys per unit: made by the office (shown once, stored hashed), revoked at once, and
checked on every call, which is audited and stamps the key's last use.

A key is random (256 bits), so a plain SHA-256 is enough to find it and useless to whoever
reads the table. `key_for_request(capability)` checks the request's key: the API's declared
endpoints (`api.openapi.endpoint`) and the licence API, which keeps its own error format, call it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from flask import request

from ..audit.services import record_event
from ..catalog.models import ItemVersion, LicenseType, ServiceItem
from ..clock import now
from ..extensions import db
from ..identity.constants import StaffRoleKind
from ..identity.models import Account
from ..identity.services import require_role
from ..organisations.models import Unit
from .constants import Capability
from .models import ApiKey

KEY_PREFIX = "qjk_"
PREFIX_LENGTH = 12  # "qjk_" and 8 characters: names the key without revealing it
MAX_KEY_LENGTH = 200


class ApiKeyRefused(ValueError):
    """A key that cannot be made or revoked: ``unit``, ``issuer``, ``scope``, ``capability``
    or ``key``."""


class KeyRefused(Exception):
    """A request whose key is missing, unknown or revoked (401), or lacks the capability the
    endpoint needs (403)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _unit_items(unit: Unit) -> list[str]:
    return sorted(
        db.session.scalars(
            sa.select(ServiceItem.code)
            .join(ItemVersion, ServiceItem.current_version_id == ItemVersion.id)
            .where(ItemVersion.units.any(Unit.id == unit.id))
        )
    )


def _unit_license_types(unit: Unit, wanted: Sequence[str] | None) -> list[str]:
    query = sa.select(LicenseType.code)
    if wanted:
        query = query.where(LicenseType.code.in_(wanted))
    else:
        query = query.where(LicenseType.issuing_unit_id == unit.id)
    codes = sorted(db.session.scalars(query))
    if wanted and set(codes) != set(wanted):
        raise ApiKeyRefused("scope")
    return codes


def _capabilities(
    unit: Unit, wanted: Sequence[str] | None, items: list[str], types: list[str]
) -> list[str]:
    """The capabilities asked for, checked; by default what the unit has something for."""
    if wanted is None:
        wanted = [Capability.LICENSES] * bool(unit.credit_code and types)
        wanted += [Capability.APPLICATIONS] * bool(items)
    chosen = sorted(set(wanted))
    if not chosen or any(name not in Capability.__members__.values() for name in chosen):
        raise ApiKeyRefused("capability" if chosen else "scope")
    if Capability.LICENSES in chosen and not unit.credit_code:
        raise ApiKeyRefused("issuer")
    if Capability.LICENSES in chosen and not types:
        raise ApiKeyRefused("scope")
    return chosen


def create_api_key(
    unit_code: str,
    *,
    actor: str,
    name: str = "",
    capabilities: Sequence[str] | None = None,
    license_types: Sequence[str] | None = None,
) -> tuple[ApiKey, str]:
    """Make a key for a unit, audited and committed; returns it with the key (shown once).

    The key reaches the items the unit implements today and the licence types it issues (or
    ``license_types``); by default it may do what the unit has items or licence types for.

    :raises ApiKeyRefused: ``unit`` for an unknown unit, ``issuer`` for licences without a
        credit code (it could not number them), ``scope`` for an unknown type code or nothing
        to reach, ``capability`` for an unknown capability.
    """
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise ApiKeyRefused("unit")
    items = _unit_items(unit)
    types = _unit_license_types(unit, license_types)
    chosen = _capabilities(unit, capabilities, items, types)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(
        unit=unit,
        name=name.strip()[:60],
        key_hash=_digest(key),
        prefix=key[:PREFIX_LENGTH],
        capabilities=chosen,
        license_types=types if Capability.LICENSES in chosen else [],
        item_codes=items if Capability.APPLICATIONS in chosen else [],
        created_at=now(),
        created_by=actor[:60],
    )
    db.session.add(api_key)
    record_event(
        actor,
        "api.key_create",
        target=f"unit:{unit.code}",
        prefix=api_key.prefix,
        capabilities=chosen,
    )
    db.session.commit()
    return api_key, key


def revoke_api_key(prefix: str, *, actor: str) -> ApiKey:
    """Withdraw a key at once, audited and committed.

    :raises ApiKeyRefused: ``key`` when no unrevoked key starts so.
    """
    api_key = db.session.scalar(
        sa.select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
    )
    if api_key is None:
        raise ApiKeyRefused("key")
    api_key.revoked_at = now()
    record_event(actor, "api.key_revoke", target=f"unit:{api_key.unit.code}", prefix=prefix)
    db.session.commit()
    return api_key


def authenticate(key: str | None) -> ApiKey | None:
    """The unrevoked key presented, or None."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    return db.session.scalar(
        sa.select(ApiKey).where(ApiKey.key_hash == _digest(key), ApiKey.revoked_at.is_(None))
    )


def actor_of(api_key: ApiKey) -> str:
    """How a key is named in the audit trail."""
    return f"api-key:{api_key.prefix}"


def key_for_request(capability: str) -> ApiKey:
    """The key of the request's ``Authorization: Bearer`` header, allowed ``capability``; the
    call is audited and the key's last use stamped, committed.

    :raises KeyRefused: 401 without a valid key, 403 when the key lacks ``capability``.
    """
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    api_key = authenticate(key.strip()) if scheme.lower() == "bearer" else None
    if api_key is None:
        raise KeyRefused(401)
    allowed = api_key.allows(capability)
    api_key.last_used_at = now()
    record_event(
        actor_of(api_key),
        "api.call",
        target=f"{request.method} {request.path}"[:200],
        allowed=allowed,
    )
    db.session.commit()
    if not allowed:
        raise KeyRefused(403)
    return api_key


def office_api_keys(office: Account) -> list[ApiKey]:
    """Every key, for the district office's page, the newest first (revoked ones too).

    :raises NotAuthorized: for anyone but the district office.
    """
    require_role(office, StaffRoleKind.DISTRICT_OFFICE)
    return list(db.session.scalars(sa.select(ApiKey).order_by(ApiKey.id.desc())))


def office_creates_key(
    office: Account, unit_code: str, name: str, capabilities: Sequence[str]
) -> tuple[ApiKey, str]:
    """The district office makes a unit's key (see `create_api_key`).

    :raises NotAuthorized: for anyone but the district office.
    :raises ApiKeyRefused: as `create_api_key`.
    """
    require_role(office, StaffRoleKind.DISTRICT_OFFICE)
    return create_api_key(
        unit_code, actor=f"account:{office.id}", name=name, capabilities=capabilities
    )


def office_revokes_key(office: Account, prefix: str) -> ApiKey:
    """The district office withdraws a key (see `revoke_api_key`).

    :raises NotAuthorized: for anyone but the district office.
    :raises ApiKeyRefused: as `revoke_api_key`.
    """
    require_role(office, StaffRoleKind.DISTRICT_OFFICE)
    return revoke_api_key(prefix, actor=f"account:{office.id}")
