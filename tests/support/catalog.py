"""The catalog as the tests read it."""

from __future__ import annotations

import sqlalchemy as sa

from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.extensions import db


def current_versions() -> list[ItemVersion]:
    """Every item's current version, by code."""
    return list(
        db.session.scalars(
            sa.select(ItemVersion)
            .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
            .order_by(ServiceItem.code)
        )
    )
