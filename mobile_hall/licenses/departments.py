"""The departments' side of the library: what a unit's API key (`api.keys`) may do with
licences of the types it is scoped to (by default the types the unit issues)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from ..api.keys import actor_of
from ..api.models import ApiKey
from ..audit.services import record_event, record_view
from ..catalog.models import LicenseType
from ..extensions import db
from .constants import LicenseSource
from .issuance import Holder, find_duplicate, issue_license, license_data
from .models import License
from .services import LicenseNotFound, find_license, revoke_license


class OutOfScope(Exception):
    """The key may not act on licenses of that type (403)."""


class DuplicateLicense(Exception):
    """The library already holds the same license (type, holder and data); a retried request."""

    def __init__(self, existing: License) -> None:
        super().__init__(existing.identifier)
        self.existing = existing


def _type_in_scope(api_key: ApiKey, type_code: str) -> LicenseType:
    license_type = db.session.scalar(sa.select(LicenseType).where(LicenseType.code == type_code))
    if type_code not in api_key.license_types or license_type is None:
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
        actor_of(api_key),
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
    record_view(actor_of(api_key), "licenses.look_up", f"license:{license.identifier}")
    return license


def revoke_for_department(api_key: ApiKey, identifier: str, reason: str) -> License:
    """Revoke a license of the key's scope, audited; verification shows it at once.

    :raises LicenseNotFound, OutOfScope: as `license_for_department`.
    :raises LicenseRefused: ``reason`` without a reason.
    """
    license = license_for_department(api_key, identifier)
    return revoke_license(license, reason, actor=actor_of(api_key))
