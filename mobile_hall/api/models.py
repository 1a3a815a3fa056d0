"""API keys of units and the stored answers of idempotent requests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..organisations.models import Unit


class ApiKey(Model):
    """A unit's system's key to the API: what it may do (capabilities), which items'
    applications and which licence types it reaches.

    Only the SHA-256 of the key is kept; the key itself is shown once, when it is made.
    """

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60), default="")
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))  # names the key in lists and logs
    capabilities: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    license_types: Mapped[list[str]] = mapped_column(sa.JSON)  # licence type codes
    item_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(sa.String(60), default="")
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    unit: Mapped[Unit] = relationship(lazy="joined")

    def allows(self, capability: str) -> bool:
        """Whether the key was given ``capability``."""
        return capability in self.capabilities


class IdempotentRequest(Model):
    """A POST made with an ``Idempotency-Key``: the body's hash and, once done, the answer a
    retry gets again instead of a second step."""

    __tablename__ = "api_idempotent_request"
    __table_args__ = (sa.UniqueConstraint("api_key_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(sa.ForeignKey("api_key.id"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None]  # None while the first request is in progress
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
