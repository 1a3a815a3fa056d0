"""Issuing a license: holder, dates, serial and identifier, and the signature over its signed form.

Every way into the library (completion of an application, stock conversion, the departments'
API) ends in `issue_license`, so every license is numbered and signed the same way.

The signed form (`signed_form`) is the canonical JSON (`signing.canonical_json`) of::

    {"format": "qj-license/1", "identifier": …, "type": <type code>,
     "issuer": <issuing unit's credit code>,
     "holder": {"kind": "person"|"enterprise", "name": …, "id": <masked ID number|credit code>},
     "data": {<field name>: <text>, …},
     "valid_from": "YYYY-MM-DD", "valid_until": "YYYY-MM-DD" | null}

The status is not signed: a revocation changes the record, never the signature.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..catalog.models import LicenseType
from ..clock import now
from ..common.encoding import b64url_decode, b64url_encode
from ..extensions import db
from ..identity.identifiers import (
    is_valid_credit_code,
    is_valid_id_number,
    mask_id_number,
    normalise_credit_code,
)
from ..identity.protection import id_number_hash
from ..organisations.models import Unit
from .constants import SIGNED_FORM_FORMAT, HolderKind, LicenseSource, LicenseStatus
from .identifiers import license_identifier
from .keys import hall_jwks, register_current_key
from .models import License, LicenseCounter
from .signing import Signer, canonical_json, verify_signature

MAX_TEXT_LENGTH = 500


class LicenseRefused(ValueError):
    """A license that cannot be issued; ``str()`` is the reason code (see `labels.REFUSED`)."""


@dataclass(frozen=True)
class Holder:
    """Who a license is issued to; build it with `person` or `enterprise` (they validate)."""

    kind: HolderKind
    name: str
    id_hash: str | None = None
    id_masked: str | None = None
    credit_code: str | None = None

    @classmethod
    def person(cls, name: str, id_number: str) -> Holder:
        """A natural person; the ID number is kept only as its keyed hash and masked copy.

        :raises LicenseRefused: ``holder_name`` or ``id_number``.
        """
        if not is_valid_id_number(id_number):
            raise LicenseRefused("id_number")
        return cls(
            HolderKind.PERSON,
            _name(name),
            id_hash=id_number_hash(id_number),
            id_masked=mask_id_number(id_number),
        )

    @classmethod
    def enterprise(cls, name: str, credit_code: str) -> Holder:
        """An enterprise by its unified social credit code.

        :raises LicenseRefused: ``holder_name`` or ``credit_code``.
        """
        if not is_valid_credit_code(credit_code):
            raise LicenseRefused("credit_code")
        return cls(
            HolderKind.ENTERPRISE, _name(name), credit_code=normalise_credit_code(credit_code)
        )

    @property
    def key(self) -> str:
        """What tells holders apart: the ID number hash or the credit code."""
        return self.id_hash or self.credit_code or ""


def _name(name: str) -> str:
    cleaned = " ".join(str(name or "").split())
    if not 1 <= len(cleaned) <= 200:
        raise LicenseRefused("holder_name")
    return cleaned


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def default_valid_until(license_type: LicenseType, valid_from: date) -> date | None:
    """The last valid day under the type's validity rule (None: no end).

    Five years from 2026-05-01 end on 2031-04-30.
    """
    if not license_type.validity_years:
        return None
    return add_years(valid_from, license_type.validity_years) - timedelta(days=1)


def content_hash(license_type: LicenseType, holder: Holder, data: dict[str, str]) -> str:
    """SHA-256 of type, holder and data: equal for the same license entered twice."""
    form = {"type": license_type.code, "holder": holder.key, "data": data}
    return hashlib.sha256(canonical_json(form)).hexdigest()


def field_text(value: Any) -> str:
    """An answer or a field value as the text a license carries (identity numbers masked)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("masked", ""))  # a protected answer: never the number in clear
    if isinstance(value, list | tuple):
        return "、".join(field_text(item) for item in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value).strip()
    # A number sent as plain text (a spouse's, a parent's: the API, a stock file) is masked
    # as well; the holder's own is kept apart, as `Holder.person`'s hash and mask.
    return mask_id_number(text) if is_valid_id_number(text) else text


def license_data(license_type: LicenseType, data: dict[str, Any]) -> dict[str, str]:
    """The type's fields, each as text (missing ones empty).

    :raises LicenseRefused: ``data_field`` for a field the type does not have, ``data_length``
        for a text over 500 characters.
    """
    names = [spec["name"] for spec in license_type.fields]
    if set(data) - set(names):
        raise LicenseRefused("data_field")
    texts = {name: field_text(data.get(name)) for name in names}
    if any(len(text) > MAX_TEXT_LENGTH for text in texts.values()):
        raise LicenseRefused("data_length")
    return texts


def _reserve_serials(license_type: LicenseType, unit: Unit, count: int) -> int:
    """The first of ``count`` consecutive serials of the type and unit, taken under a row lock."""
    key = {"license_type_id": license_type.id, "issuing_unit_id": unit.id}
    for _attempt in range(5):
        counter = db.session.get(LicenseCounter, key, with_for_update=True)
        if counter is None:
            try:
                with db.session.begin_nested():
                    db.session.add(LicenseCounter(**key, value=count))
                return 1
            except IntegrityError:
                continue
        first = counter.value + 1
        counter.value += count
        return first
    raise RuntimeError("could not allocate a license serial")


def signed_form(license: License) -> dict[str, Any]:
    """The dict whose canonical JSON the hall signs (documented in the module docstring)."""
    return {
        "format": SIGNED_FORM_FORMAT,
        "identifier": license.identifier,
        "type": license.license_type.code,
        "issuer": license.issuing_unit.credit_code,
        "holder": {
            "kind": license.holder_kind.value,
            "name": license.holder_name,
            "id": license.holder_number,
        },
        "data": license.data,
        "valid_from": license.valid_from.isoformat(),
        "valid_until": license.valid_until.isoformat() if license.valid_until else None,
    }


def verify_license_signature(license: License, jwks: dict | None = None) -> bool:
    """Whether the license's record still matches the signature made when it was issued."""
    try:
        signature = b64url_decode(license.signature)
        data = canonical_json(signed_form(license))
    except (ValueError, TypeError):
        return False
    return verify_signature(jwks or hall_jwks(), license.key_id, data, signature)


@dataclass(frozen=True)
class LicenseRequest:
    """One license of a batch (`issue_licenses`): who issues it, to whom, what, from when."""

    unit: Unit
    holder: Holder
    data: dict[str, Any]
    valid_from: date | None = None
    valid_until: date | None = None


# A request's data as the type's texts, and its validity: what `_checked` found.
Checked = tuple[dict[str, str], date, date | None]


def _checked(license_type: LicenseType, request: LicenseRequest) -> Checked:
    texts = license_data(license_type, request.data)
    if not request.unit.credit_code:
        raise LicenseRefused("issuer")
    start = request.valid_from or now().date()
    end = request.valid_until
    if end is None:
        end = default_valid_until(license_type, start)
    if end is not None and end < start:
        raise LicenseRefused("dates")
    return texts, start, end


def _license(
    license_type: LicenseType,
    request: LicenseRequest,
    checked: Checked,
    serial: int,
    signer: Signer,
    *,
    source: LicenseSource,
    application_id: int | None = None,
) -> License:
    texts, start, end = checked
    unit, holder = request.unit, request.holder
    license = License(
        identifier=license_identifier(license_type.code, unit.credit_code or "", serial),
        license_type=license_type,
        issuing_unit=unit,
        serial=serial,
        version=1,
        holder_kind=holder.kind,
        holder_name=holder.name,
        holder_id_hash=holder.id_hash,
        holder_id_masked=holder.id_masked,
        holder_credit_code=holder.credit_code,
        data=texts,
        content_hash=content_hash(license_type, holder, texts),
        valid_from=start,
        valid_until=end,
        status=LicenseStatus.VALID,
        revoked_reason="",
        source=source,
        application_id=application_id,
        issued_at=now(),
    )
    license.signature = b64url_encode(signer.sign(canonical_json(signed_form(license))))
    license.key_id = signer.key_id
    return license


def issue_license(
    license_type: LicenseType,
    unit: Unit,
    holder: Holder,
    data: dict[str, Any],
    *,
    source: LicenseSource,
    valid_from: date | None = None,
    valid_until: date | None = None,
    application_id: int | None = None,
) -> License:
    """Number, sign and add a license (flushed; the caller audits and commits).

    ``valid_from`` defaults to today, ``valid_until`` to the type's validity rule.

    :raises LicenseRefused: ``issuer`` for a unit without a credit code, ``dates`` when the
        license would end before it starts, or a refusal of `license_data`.
    :raises keys.KeyIdConflict: if the configured key id already names another key.
    """
    request = LicenseRequest(unit, holder, data, valid_from, valid_until)
    checked = _checked(license_type, request)  # refuse before a serial is spent
    serial = _reserve_serials(license_type, unit, 1)
    license = _license(
        license_type,
        request,
        checked,
        serial,
        register_current_key(),
        source=source,
        application_id=application_id,
    )
    db.session.add(license)
    db.session.flush()
    return license


def issue_licenses(
    license_type: LicenseType, requests: list[LicenseRequest], *, source: LicenseSource
) -> int:
    """Number, sign and add a batch of licenses of one type with one flush; how many.

    The same licenses as `issue_license` one by one, with the serials of each issuing unit
    reserved together and the signing key looked up once: a bulk import's batch costs a few
    statements instead of a few per license. The caller audits and commits.

    :raises LicenseRefused: as `issue_license`, for the first request refused (nothing added).
    :raises keys.KeyIdConflict: if the configured key id already names another key.
    """
    checked = [_checked(license_type, request) for request in requests]
    signer = register_current_key()
    counts = Counter(request.unit.id for request in requests)
    next_serial: dict[int, int] = {}
    for unit in {request.unit.id: request.unit for request in requests}.values():
        next_serial[unit.id] = _reserve_serials(license_type, unit, counts[unit.id])
    licenses = []
    for request, found in zip(requests, checked, strict=True):
        serial = next_serial[request.unit.id]
        next_serial[request.unit.id] += 1
        licenses.append(_license(license_type, request, found, serial, signer, source=source))
    db.session.add_all(licenses)
    db.session.flush()
    return len(licenses)


def find_duplicate(
    license_type: LicenseType, holder: Holder, data: dict[str, str]
) -> License | None:
    """A license already in the library with the same type, holder and data, if any."""
    return db.session.scalar(
        sa.select(License).where(
            License.license_type_id == license_type.id,
            License.content_hash == content_hash(license_type, holder, data),
        )
    )
