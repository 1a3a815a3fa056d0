"""Interchange formats: license types (证照目录) and the departments' API requests."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LICENSE_TYPE_CODE_PATTERN = r"^[0-9A-Z]{4,24}$"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class LicenseFieldRecord(_Record):
    """One data field a license of this type carries."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: Annotated[str, Field(min_length=1, max_length=60)]


class LicenseTypeRecord(_Record):
    """A license type of the district's catalog."""

    code: Annotated[str, Field(pattern=LICENSE_TYPE_CODE_PATTERN)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    issuing_unit: Annotated[str, Field(min_length=2, max_length=40)]
    holder_type: Literal["person", "enterprise"]
    fields: Annotated[list[LicenseFieldRecord], Field(min_length=1)]
    validity_years: Annotated[int, Field(ge=1, le=100)] | None = None


# The departments' API (`api.py`): requests to issue and to revoke.


class PersonHolderRecord(_Record):
    """A natural person; the ID number is checked, hashed and masked, never stored in clear."""

    kind: Literal["person"]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    id_number: Annotated[str, Field(min_length=15, max_length=18)]


class EnterpriseHolderRecord(_Record):
    """An enterprise by its unified social credit code."""

    kind: Literal["enterprise"]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    credit_code: Annotated[str, Field(min_length=18, max_length=18)]


class IssueRequest(_Record):
    """``POST /api/v1/licenses``: a license of a type within the key's scope."""

    type: Annotated[str, Field(pattern=LICENSE_TYPE_CODE_PATTERN)]
    holder: Annotated[PersonHolderRecord | EnterpriseHolderRecord, Field(discriminator="kind")]
    data: Annotated[dict[str, Annotated[str, Field(max_length=500)]], Field(max_length=60)]
    valid_from: date | None = None
    valid_until: date | None = None


class RevokeRequest(_Record):
    """``POST /api/v1/licenses/<identifier>/revoke``: the reason is required."""

    reason: Annotated[str, Field(min_length=1, max_length=500)]


class _Named(BaseModel):
    code: str
    name: str


class _Issuer(_Named):
    credit_code: str | None


class _HolderOut(BaseModel):
    kind: Literal["person", "enterprise"]
    name: str
    number: str  # a person's ID number masked, an enterprise's credit code


class _Signature(BaseModel):
    key_id: str
    value: str
    signed: dict[str, Any]


class LicenseOut(BaseModel):
    """A licence as the departments' API answers it: its state today and its signed form."""

    identifier: str
    type: _Named
    issuer: _Issuer
    holder: _HolderOut
    data: dict[str, str]
    valid_from: str
    valid_until: str | None
    status: str
    revoked_reason: str | None
    revoked_at: str | None
    source: str
    signature: _Signature
    token: str
    verify_url: str


class LicenseApiError(BaseModel):
    """The licence API's error: a code in ``error``; ``reason`` and ``message`` (Chinese) for
    a refusal, ``problems`` (field and kind) for an invalid body, ``identifier`` for a
    repeated licence."""

    error: str
    reason: str | None = None
    message: str | None = None
    identifier: str | None = None
    problems: list[dict[str, str]] | None = None
