"""The departments' side of the library: API keys per unit and what a key may do with them.

A key belongs to one unit and is scoped to license type codes (by default the types the unit
issues). Only its SHA-256 is stored: the key is random (256 bits), so a plain hash is enough
to find it and useless to whoever reads the table.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

import sqlalchemy as sa

from ..audit.services import record_event, record_view
from ..catalog.models import LicenseType
from ..clock import now
from ..extensions import db
from ..organisations.models import Unit
from .constants import LicenseSource
from .issuance import Holder, find_duplicate, issue_license, license_data
from .models import ApiKey, License
from .services import LicenseNotFound, find_license, revoke_license

KEY_PREFIX = "qjl_"
PREFIX_LENGTH = 12  # "qjl_" and 8 characters: names the key without revealing it


class ApiKeyRefused(ValueError):
    """A key that cannot be made or revoked: ``unit``, ``issuer``, ``scope`` or ``key``."""


class OutOfScope(Exception):
    """The key may not act on licenses of that type (403)."""


class DuplicateLicense(Exception):
    """The library already holds the same license (type, holder and data); a retried request."""

    def __init__(self, existing: License) -> None:
        super().__init__(existing.identifier)
        self.existing = existing


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(
    unit_code: str, scopes: list[str] | None = None, *, actor: str
) -> tuple[ApiKey, str]:
    """Make a key for a unit, audited and committed; returns it with the key (shown once).

    :raises ApiKeyRefused: ``unit`` for an unknown unit, ``issuer`` for one without a credit
        code (it could not number licenses), ``scope`` for an unknown type code or no types.
    """
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise ApiKeyRefused("unit")
    if not unit.credit_code:
        raise ApiKeyRefused("issuer")
    query = sa.select(LicenseType.code)
    if scopes:
        query = query.where(LicenseType.code.in_(scopes))
    else:
        query = query.where(LicenseType.issuing_unit_id == unit.id)
    codes = sorted(db.session.scalars(query))
    if not codes or (scopes and set(codes) != set(scopes)):
        raise ApiKeyRefused("scope")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(
        unit=unit,
        key_hash=_digest(key),
        prefix=key[:PREFIX_LENGTH],
        scopes=codes,
        created_at=now(),
    )
    db.session.add(api_key)
    record_event(
        actor, "licenses.api_key_create", target=f"unit:{unit.code}", prefix=api_key.prefix
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
    record_event(
        actor, "licenses.api_key_revoke", target=f"unit:{api_key.unit.code}", prefix=prefix
    )
    db.session.commit()
    return api_key


def authenticate(key: str | None) -> ApiKey | None:
    """The unrevoked key presented, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    return db.session.scalar(
        sa.select(ApiKey).where(ApiKey.key_hash == _digest(key), ApiKey.revoked_at.is_(None))
    )


def _actor(api_key: ApiKey) -> str:
    return f"api-key:{api_key.prefix}"


def _type_in_scope(api_key: ApiKey, type_code: str) -> LicenseType:
    license_type = db.session.scalar(sa.select(LicenseType).where(LicenseType.code == type_code))
    if type_code not in api_key.scopes or license_type is None:
        raise OutOfScope(type_code)
    return license_type


def issue_for_department(
    api_key: ApiKey,
    type_code: str,
    holder: Holder,
    data: dict[str, Any],
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> License:
    """Issue a license as the key's unit, audited and committed.

    :raises OutOfScope: the type is outside the key's scope.
    :raises DuplicateLicense: the same license is already in the library.
    :raises LicenseRefused: see `issuance.issue_license`.
    """
    license_type = _type_in_scope(api_key, type_code)
    texts = license_data(license_type, data)
    existing = find_duplicate(license_type, holder, texts)
    if existing is not None:
        raise DuplicateLicense(existing)
    license = issue_license(
        license_type,
        api_key.unit,
        holder,
        texts,
        source=LicenseSource.API,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    record_event(
        _actor(api_key),
        "licenses.issue",
        target=f"license:{license.identifier}",
        source=LicenseSource.API.value,
    )
    db.session.commit()
    return license


def license_for_department(api_key: ApiKey, identifier: str) -> License:
    """A license of a type within the key's scope.

    :raises LicenseNotFound: no such license.
    :raises OutOfScope: its type is outside the key's scope.
    """
    license = find_license(identifier)
    if license is None:
        raise LicenseNotFound(identifier)
    _type_in_scope(api_key, license.license_type.code)
    return license


def look_up_for_department(api_key: ApiKey, identifier: str) -> License:
    """A license of the key's scope for a department's look-up, audited (its holder's data
    leaves the hall) and committed.

    :raises LicenseNotFound, OutOfScope: as `license_for_department`.
    """
    license = license_for_department(api_key, identifier)
    record_view(_actor(api_key), "licenses.look_up", f"license:{license.identifier}")
    return license


def revoke_for_department(api_key: ApiKey, identifier: str, reason: str) -> License:
    """Revoke a license of the key's scope, audited; verification shows it at once.

    :raises LicenseNotFound, OutOfScope: as `license_for_department`.
    :raises LicenseRefused: ``reason`` without a reason.
    """
    license = license_for_department(api_key, identifier)
    return revoke_license(license, reason, actor=_actor(api_key))
