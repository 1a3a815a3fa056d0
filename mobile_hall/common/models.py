"""Rows every domain shares: the change tokens behind the page cache."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class ChangeToken(Model):
    """The latest change of one scope of data ("catalog", "account:12", ...).

    A random token rather than a counter: a rolled-back change can never make a later,
    different change look like one a cache has already seen.
    """

    __tablename__ = "change_token"

    scope: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
