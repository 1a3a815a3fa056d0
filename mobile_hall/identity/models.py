"""Accounts, enterprises, staff roles and the server-side sessions that cookies point to."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.freshness import (
    account_scope,
    credit_scope,
    enterprise_scope,
    person_scope,
    watch,
)
from ..database import enum_column
from ..extensions import Model
from ..organisations.models import Unit
from .constants import OrgRole, StaffRoleKind, UserType


class Enterprise(Model):
    """An enterprise known by its unified social credit code, created on first sight."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Deferred: loaded with every signed-in request's session, and read by no page.
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), deferred=True)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), deferred=True)


class Account(UserMixin, Model):
    """A platform account, keyed by (issuer, subject) and refreshed at every sign-in.

    The identity number is kept only encrypted, with a keyed hash for look-ups and a masked copy
    for display. The account comes with every signed-in request's session: what no page reads
    (the cipher is decrypted only for recommendations) is deferred, loaded when asked for.
    """

    __tablename__ = "account"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(300), deferred=True)
    subject: Mapped[str] = mapped_column(sa.String(255), deferred=True)
    user_type: Mapped[UserType] = mapped_column(enum_column(UserType))
    name: Mapped[str] = mapped_column(sa.String(100))
    id_number_cipher: Mapped[str] = mapped_column(sa.Text, deferred=True)
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(sa.String(18))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    real_name_level: Mapped[int]
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    org_role: Mapped[OrgRole | None] = mapped_column(enum_column(OrgRole))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), deferred=True)
    last_sign_in_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), deferred=True)

    enterprise: Mapped[Enterprise | None] = relationship(lazy="joined")

    @property
    def is_legal_person(self) -> bool:
        """Whether the account acts for an enterprise."""
        return self.user_type == UserType.LEGAL_PERSON


class StaffRole(Model):
    """A role the district office gave a natural person in a unit.

    Bound to the person's identity number (by keyed hash), not to a platform account, so the
    office can appoint staff before their first sign-in.
    """

    __tablename__ = "staff_role"
    __table_args__ = (sa.UniqueConstraint("id_number_hash", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(sa.String(18))
    person_name: Mapped[str] = mapped_column(sa.String(100))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    role: Mapped[StaffRoleKind] = mapped_column(enum_column(StaffRoleKind))
    granted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    granted_by: Mapped[str] = mapped_column(sa.String(120))

    unit: Mapped[Unit] = relationship(lazy="joined")


class WebSession(Model):
    """The server side of a browser session; the cookie holds a random token whose hash is `id`.

    Deleting the row signs the browser out, whatever cookie it still presents. It is read on
    every signed-in request: what only sign-out and back-channel logout need is deferred.
    Rows past their limits are deleted when next presented, or by `flask sessions purge`.
    """

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(sa.JSON)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"), index=True)
    is_staff: Mapped[bool] = mapped_column(default=False)
    # The platform's session id (`sid`), for back-channel logout.
    provider_session_id: Mapped[str | None] = mapped_column(
        sa.String(255), index=True, deferred=True
    )
    # The platform's ID token, encrypted (`protection.encrypt_id_token`): sent back at
    # sign-out as RP-initiated logout's `id_token_hint`, and never stored in clear.
    id_token_cipher: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), deferred=True)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)

    account: Mapped[Account | None] = relationship(lazy="joined")


class SeenLogoutToken(Model):
    """The `jti` of every back-channel logout token accepted, so none is replayed."""

    __tablename__ = "seen_logout_token"

    jti: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(300))
    seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)


# A person's pages show their account (and staff entries); an enterprise's page its record.
watch(Account, scopes=lambda row: (account_scope(row.id), enterprise_scope(row.enterprise_id)))
watch(Enterprise, scopes=lambda row: (enterprise_scope(row.id), credit_scope(row.credit_code)))
watch(StaffRole, scopes=lambda row: (person_scope(row.id_number_hash),))


class OwnScopes(NamedTuple):
    """The change-token scopes of what belongs to an account (None where it has none)."""

    account: str | None
    person: str | None
    enterprise: str | None
    credit: str | None


def own_scopes(account: Account) -> OwnScopes:
    """What the account does, holds by ID number, and holds through its enterprise."""
    enterprise = account.enterprise
    return OwnScopes(
        account=account_scope(account.id),
        person=person_scope(account.id_number_hash),
        enterprise=enterprise_scope(account.enterprise_id),
        credit=credit_scope(enterprise.credit_code if enterprise else None),
    )
