"""Electronic license types (证照目录); licenses themselves come with the license library."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..organisations.models import Unit


class LicenseType(db.Model):
    """A type of license the district issues or accepts in place of paper."""

    __tablename__ = "license_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    issuing_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    holder_type: Mapped[str] = mapped_column(sa.String(20))
    # [{"name": ..., "label": ...}]: the data a license of this type carries.
    fields: Mapped[list[dict]] = mapped_column(sa.JSON)
    validity_years: Mapped[int | None]

    issuing_unit: Mapped[Unit] = relationship()
