"""The licenses of the library (their types are the catalog's), their uses and the hall's
signing keys (the departments' API keys are the `api` package's)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import LicenseType
from ..common.freshness import (
    LICENSES,
    account_scope,
    credit_scope,
    person_scope,
    watch,
)
from ..database import enum_column
from ..extensions import Model
from ..organisations.models import Unit
from .constants import HolderKind, LicenseSource, LicenseState, LicenseStatus

if TYPE_CHECKING:
    from ..applications.models import Application
    from ..identity.models import Account


class License(Model):
    """An electronic license (电子证照), signed by the hall when it entered the library.

    A person holder is known by the keyed hash of their ID number and a masked copy, never the
    number in clear; an enterprise by its credit code (public). "Expired" is read from the dates.
    """

    __tablename__ = "license"
    __table_args__ = (sa.UniqueConstraint("license_type_id", "issuing_unit_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(sa.String(128), unique=True)
    license_type_id: Mapped[int] = mapped_column(sa.ForeignKey("license_type.id"), index=True)
    issuing_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    serial: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    holder_kind: Mapped[HolderKind] = mapped_column(enum_column(HolderKind))
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    holder_id_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    holder_id_masked: Mapped[str | None] = mapped_column(sa.String(18))
    holder_credit_code: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    # {field name: text}, the fields of the license type.
    data: Mapped[dict] = mapped_column(sa.JSON)
    # SHA-256 of type, holder and data: the same license entered twice is found by it.
    content_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]  # None: no end (长期有效)
    status: Mapped[LicenseStatus] = mapped_column(enum_column(LicenseStatus))
    revoked_reason: Mapped[str] = mapped_column(sa.Text, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    source: Mapped[LicenseSource] = mapped_column(enum_column(LicenseSource))
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # base64url signature over `issuance.signed_form(license)`, made with key `key_id`.
    signature: Mapped[str] = mapped_column(sa.String(200))
    key_id: Mapped[str] = mapped_column(sa.String(80))

    license_type: Mapped[LicenseType] = relationship(lazy="joined")
    issuing_unit: Mapped[Unit] = relationship(lazy="joined")
    application: Mapped[Application | None] = relationship()
    uses: Mapped[list[LicenseUse]] = relationship(
        back_populates="license", order_by="LicenseUse.used_at.desc()"
    )

    def state_on(self, day: date) -> LicenseState:
        """Valid, expired (after ``valid_until``) or revoked, on ``day``."""
        if self.status is LicenseStatus.REVOKED:
            return LicenseState.REVOKED
        if self.valid_until is not None and self.valid_until < day:
            return LicenseState.EXPIRED
        return LicenseState.VALID

    def expires_before(self, day: date | None) -> bool:
        """Whether the license ends before ``day`` (e.g. an application's due date)."""
        return day is not None and self.valid_until is not None and self.valid_until < day

    @property
    def holder_number(self) -> str:
        """What identifies the holder on a page: the masked ID number or the credit code."""
        return self.holder_id_masked or self.holder_credit_code or ""


class LicenseUse(Model):
    """A license used, with its holder's consent, in place of a material of an application."""

    __tablename__ = "license_use"
    __table_args__ = (sa.UniqueConstraint("license_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    license_id: Mapped[int] = mapped_column(sa.ForeignKey("license.id"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    used_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    license: Mapped[License] = relationship(back_populates="uses")
    application: Mapped[Application] = relationship(lazy="joined")
    account: Mapped[Account] = relationship(lazy="joined")


class LicenseCounter(Model):
    """The last serial used per license type and issuing unit."""

    __tablename__ = "license_counter"

    license_type_id: Mapped[int] = mapped_column(sa.ForeignKey("license_type.id"), primary_key=True)
    issuing_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    value: Mapped[int]


class SigningKey(Model):
    """A public key the hall has signed licenses with; kept for ever, published in the JWKS."""

    __tablename__ = "license_signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(sa.String(80), unique=True)
    algorithm: Mapped[str] = mapped_column(sa.String(20))
    jwk: Mapped[dict] = mapped_column(sa.JSON)
    first_used_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


# A holder's pages show their licences and where they were used.
watch(
    License,
    scopes=lambda row: (
        person_scope(row.holder_id_hash),
        credit_scope(row.holder_credit_code),
        LICENSES,
    ),
)
watch(SigningKey, scopes=lambda _row: (LICENSES,))
watch(LicenseUse, scopes=lambda row: (account_scope(row.account_id),))
