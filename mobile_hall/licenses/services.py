"""The license library's public API: types, the holder's wallet, verification, reuse.

Issuing lives in `issuance` (every way in) and `completion` (an approved application); stock
conversion in `importing`; the departments' keys and calls in `departments`. Other domains
import this module only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import current_app

from ..audit.services import record_event
from ..catalog.constants import MaterialForm
from ..catalog.models import LicenseType
from ..clock import CHINA_STANDARD_TIME, now
from ..common.errors import NotFound
from ..extensions import db
from ..organisations.models import Unit
from ..pages.scope import allowed_license_type_ids
from . import labels
from .completion import issue_for_application
from .constants import HolderKind, LicenseState, LicenseStatus
from .demo import load_demo_licenses
from .identifiers import is_valid_license_identifier
from .issuance import Holder, LicenseRefused, verify_license_signature
from .keys import hall_jwks, jwks_naming, register_current_key
from .models import License, LicenseUse, SigningKey
from .schema import LicenseTypeRecord
from .signing import ForgedToken, make_token, peek_token, read_token

if TYPE_CHECKING:
    from ..applications.models import Application
    from ..catalog.models import ItemVersion
    from ..identity.models import Account

__all__ = [
    "Holder",
    "LicenseNotFound",
    "LicenseRefused",
    "LicenseUnusable",
    "Verification",
    "find_license",
    "get_held_license",
    "hall_jwks",
    "held_licenses",
    "issue_for_application",
    "license_summary",
    "load_demo_licenses",
    "mask_person_name",
    "record_use",
    "revoke_license",
    "token_for",
    "upsert_license_types",
    "usable_licenses",
    "usable_licenses_by_type",
    "verify_token",
    "visits_with_wallet",
    "wallet_covers",
]


class LicenseNotFound(NotFound):
    """No such license, or not one this person holds (shown as 404, never 403)."""


class LicenseUnusable(ValueError):
    """A held license that cannot stand in for a material now: ``expired`` or ``revoked``."""


def upsert_license_types(records: list[LicenseTypeRecord]) -> None:
    """Create or refresh license types by code. The caller commits.

    :raises KeyError: when a record names an issuing unit that does not exist.
    """
    units = {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}
    existing = {lt.code: lt for lt in db.session.scalars(sa.select(LicenseType))}
    for record in records:
        license_type = existing.get(record.code) or LicenseType(code=record.code)
        license_type.name = record.name
        license_type.issuing_unit = units[record.issuing_unit]
        license_type.holder_type = record.holder_type
        license_type.fields = [field.model_dump() for field in record.fields]
        license_type.validity_years = record.validity_years
        db.session.add(license_type)


def _held_by(account: Account) -> sa.ColumnElement[bool]:
    """A person holds what was issued to their ID number; a legal person, their enterprise's,
    within an agent's limits (the applications' rule, `allowed_license_type_ids`)."""
    if account.is_legal_person:
        if account.enterprise is None:
            return sa.false()
        held = sa.and_(
            License.holder_kind == HolderKind.ENTERPRISE,
            License.holder_credit_code == account.enterprise.credit_code,
        )
        allowed = allowed_license_type_ids(account)
        return held if allowed is None else sa.and_(held, License.license_type_id.in_(allowed))
    return sa.and_(
        License.holder_kind == HolderKind.PERSON,
        License.holder_id_hash == account.id_number_hash,
    )


def held_licenses(account: Account) -> list[License]:
    """The wallet (我的证照): every license the person or their enterprise holds, newest first."""
    return list(
        db.session.scalars(
            sa.select(License).where(_held_by(account)).order_by(License.issued_at.desc())
        )
    )


def get_held_license(account: Account, license_id: int) -> License:
    """A license of the person's wallet.

    :raises LicenseNotFound: for any other id, another holder's included.
    """
    license = db.session.scalar(
        sa.select(License).where(License.id == license_id, _held_by(account))
    )
    if license is None:
        raise LicenseNotFound(license_id)
    return license


def _usable(account: Account, type_ids: set[int]) -> list[License]:
    today = now().date()
    found = db.session.scalars(
        sa.select(License).where(
            _held_by(account),
            License.license_type_id.in_(type_ids),
            License.status == LicenseStatus.VALID,
            sa.or_(License.valid_until.is_(None), License.valid_until >= today),
        )
    ).all()
    unlimited = [lic for lic in found if lic.valid_until is None]
    limited = sorted(
        (lic for lic in found if lic.valid_until is not None),
        key=lambda lic: lic.valid_until or date.min,  # never None here: filtered above
        reverse=True,
    )
    return [*unlimited, *limited]


def usable_licenses(account: Account, license_type_id: int, until: date | None) -> list[License]:
    """Valid licenses of a type that the person (or their enterprise) holds: those valid through
    ``until`` (the application's due date) first, then those ending before it, longest valid
    first within each. ``license.expires_before(until)`` flags the latter to the applicant and
    the clerk.
    """
    return usable_licenses_by_type(account, {license_type_id}, until).get(license_type_id, [])


def usable_licenses_by_type(
    account: Account, license_type_ids: set[int], until: date | None
) -> dict[int, list[License]]:
    """`usable_licenses` of several types at once (one statement), by type id; a type the
    person holds no usable license of is left out."""
    found: dict[int, list[License]] = {}
    usable = _usable(account, license_type_ids)
    for lic in sorted(usable, key=lambda lic: lic.expires_before(until)):
        found.setdefault(lic.license_type_id, []).append(lic)
    return found


def wallet_covers(account: Account | None, version: ItemVersion) -> dict[int, License]:
    """For a guide page: the material positions the person's wallet covers, with the license."""
    wanted = {m.position: m.license_type_id for m in version.materials if m.license_type_id}
    if account is None or not wanted:
        return {}
    usable = _usable(account, set(wanted.values()))
    covers: dict[int, License] = {}
    for position, type_id in wanted.items():
        found = next((lic for lic in usable if lic.license_type_id == type_id), None)
        if found is not None:
            covers[position] = found
    return covers


def visits_with_wallet(version: ItemVersion, covered: set[int]) -> int:
    """How many visits the matter takes a person whose wallet covers the `covered` materials.

    Visits exist to show originals: when every required original is covered by an electronic
    license and every stage runs online, none is left; otherwise the guide's count stands.
    """
    originals = {
        m.position
        for m in version.materials
        if m.required and m.form in (MaterialForm.ORIGINAL, MaterialForm.ORIGINAL_AND_COPY)
    }
    if version.required_visits and version.is_full_online and originals and originals <= covered:
        return 0
    return version.required_visits


def _belongs_to(application: Application, account: Account) -> bool:
    if application.account_id == account.id:
        return True
    return (
        account.is_legal_person
        and account.enterprise_id is not None
        and application.enterprise_id == account.enterprise_id
    )


def record_use(license: License, application: Application, account: Account) -> LicenseUse:
    """Log that the holder consented to ``license`` standing in for a material of
    ``application``, audited (the caller commits, with the material that refers to it).

    Using the same license again in the same application returns the first use.

    :raises LicenseNotFound: the person does not hold the license, or the application is not
        theirs.
    :raises LicenseUnusable: ``expired`` or ``revoked``.
    """
    held = db.session.scalar(
        sa.select(License.id).where(License.id == license.id, _held_by(account))
    )
    if held is None or not _belongs_to(application, account):
        raise LicenseNotFound(license.id)
    state = license.state_on(now().date())
    if state is not LicenseState.VALID:
        raise LicenseUnusable(state.value)
    existing = db.session.scalar(
        sa.select(LicenseUse).where(
            LicenseUse.license_id == license.id, LicenseUse.application_id == application.id
        )
    )
    if existing is not None:
        return existing
    use = LicenseUse(license=license, application=application, account=account, used_at=now())
    db.session.add(use)
    record_event(
        f"account:{account.id}",
        "licenses.use",
        target=f"license:{license.identifier}",
        application=application.number or f"draft:{application.id}",
        consent=True,
    )
    db.session.flush()
    return use


def _canonical_identifier(identifier: object) -> str | None:
    """A valid license identifier as stored (any case, blanks ignored), or None."""
    if not isinstance(identifier, str) or not is_valid_license_identifier(identifier):
        return None
    return identifier.strip().upper()


def find_license(identifier: object) -> License | None:
    """The license with that identifier (any case, blanks ignored), or None."""
    canonical = _canonical_identifier(identifier)
    if canonical is None:
        return None
    return db.session.scalar(sa.select(License).where(License.identifier == canonical))


def license_summary(reference: str) -> dict[str, Any] | None:
    """What a clerk sees of a license attached by reference: its verified data.

    None for a reference that names no license of the library.
    """
    license = find_license(reference)
    if license is None:
        return None
    state = license.state_on(now().date())
    names = {spec["name"]: spec["label"] for spec in license.license_type.fields}
    return {
        "identifier": license.identifier,
        "type_code": license.license_type.code,
        "type_name": license.license_type.name,
        "issuer": license.issuing_unit.name,
        "holder_kind": license.holder_kind.value,
        "holder_name": license.holder_name,
        "holder_number": license.holder_number,
        "valid_from": license.valid_from,
        "valid_until": license.valid_until,
        "state": state.value,
        "state_label": labels.STATE[state],
        "revoked_reason": license.revoked_reason,
        "signature_valid": verify_license_signature(license),
        "data": [(names[name], text) for name, text in license.data.items() if name in names],
    }


def mask_person_name(name: str) -> str:
    """A person's name for strangers: 张晓明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _expiry_claim(license: License) -> int | None:
    if license.valid_until is None:
        return None
    end = datetime.combine(license.valid_until + timedelta(days=1), time(), CHINA_STANDARD_TIME)
    return int(end.timestamp())


def token_for(license: License) -> str:
    """The compact signed token a license's QR code carries: ``lid`` (the identifier, which
    holds the type code) and ``exp`` (the end of its last valid day, as a NumericDate).

    The key it is signed with joins the published keys first (and is committed).
    """
    claims: dict[str, Any] = {"lid": license.identifier}
    expiry = _expiry_claim(license)
    if expiry is not None:
        claims["exp"] = expiry
    signer = register_current_key()
    db.session.commit()
    return make_token(signer, claims)


@dataclass(frozen=True)
class Verification:
    """What the public verification page may tell: the state and the license's outline."""

    state: LicenseState
    type_name: str = ""
    issuer_name: str = ""
    holder_name: str = ""  # masked for a person
    valid_from: date | None = None
    valid_until: date | None = None
    revoked_reason: str = ""


FORGED = Verification(LicenseState.FORGED)


def _token_text(text: str) -> str:
    """The token itself, also out of a pasted verification link."""
    text = (text or "").strip()
    if "token=" in text:
        return parse_qs(urlsplit(text).query).get("token", [""])[0]
    return text


@cache
def _stored_key() -> sa.Select:
    """The stored public JWK under a key id (built once)."""
    return sa.select(SigningKey.jwk).where(SigningKey.key_id == sa.bindparam("key_id"))


@cache
def _license_with_keys() -> sa.Select:
    """The license by identifier, with the stored JWK under ``key_id`` (the token's) and the
    one its record was signed with (built once: verification is public and frequent)."""
    token_key = _stored_key().scalar_subquery()
    record_key = (
        sa.select(SigningKey.jwk).where(SigningKey.key_id == License.key_id)
    ).scalar_subquery()
    return sa.select(License, token_key, record_key).where(
        License.identifier == sa.bindparam("identifier")
    )


def verify_token(text: str) -> Verification:
    """Check a QR token (or a pasted link holding one) against the hall's keys and library.

    Forged: a malformed token, one signed by a key the hall never published, a bad signature,
    a license unknown to the library, claims that disagree with it, or a record whose own
    signature no longer holds. Otherwise the license's state today, read now (no cache).
    """
    token = _token_text(text)
    # What the token says, unproven, only to fetch in one statement the license it names and
    # the stored keys of the token and of the record; `read_token` proves it below.
    key_id, said = peek_token(token)
    license, stored = None, {}
    identifier = _canonical_identifier(said.get("lid"))
    if identifier is not None:
        row = db.session.execute(
            _license_with_keys(), {"identifier": identifier, "key_id": key_id or ""}
        ).first()
        if row is not None:
            license, token_jwk, record_jwk = row
            stored = {license.key_id: record_jwk}
            if key_id is not None:
                stored[key_id] = token_jwk
    if license is None and key_id is not None:
        stored = {key_id: db.session.scalar(_stored_key(), {"key_id": key_id})}
    jwks = jwks_naming(stored)  # resolves these key ids exactly as `hall_jwks()` would
    try:
        claims = read_token(jwks, token)
    except ForgedToken as forged:
        current_app.logger.info("license token refused: %s", forged.reason)
        return FORGED
    if (
        license is None
        or claims.get("exp") != _expiry_claim(license)
        or not verify_license_signature(license, jwks)
    ):
        return FORGED
    person = license.holder_kind is HolderKind.PERSON
    return Verification(
        state=license.state_on(now().date()),
        type_name=license.license_type.name,
        issuer_name=license.issuing_unit.name,
        holder_name=mask_person_name(license.holder_name) if person else license.holder_name,
        valid_from=license.valid_from,
        valid_until=license.valid_until,
        revoked_reason=license.revoked_reason if license.status is LicenseStatus.REVOKED else "",
    )


def revoke_license(license: License, reason: str, *, actor: str) -> License:
    """Revoke (注销) a license, audited and committed; visible to verification at once.

    Revoking a revoked license changes nothing (its first reason stays). The status is read
    again under a row lock held until the commit: of two revocations at once, the second finds
    the first's and writes nothing.

    :raises LicenseRefused: ``reason`` when no reason is given.
    """
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 500:
        raise LicenseRefused("reason")
    db.session.scalars(
        sa.select(License)
        .where(License.id == license.id)
        .with_for_update(of=License)  # not its joined type and unit
        .execution_options(populate_existing=True)
    ).one()
    if license.status is LicenseStatus.REVOKED:
        return license
    license.status, license.revoked_reason, license.revoked_at = (
        LicenseStatus.REVOKED,
        reason,
        now(),
    )
    record_event(actor, "licenses.revoke", target=f"license:{license.identifier}", reason=reason)
    db.session.commit()
    return license
