"""Helpers that pick demo items by what they are, so tests do not hard-code the data."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mobile_hall.catalog.models import ItemVersion
from mobile_hall.extensions import db
from tests.support.catalog import current_versions


@pytest.fixture
def demo_items(app) -> list[ItemVersion]:
    """Every current demo item version (read-only)."""
    with app.app_context():
        versions = current_versions()
        for version in versions:  # load what the tests read before the session closes
            _ = (version.item.code, version.materials, version.themes, version.units)
        db.session.expunge_all()
        return versions


@pytest.fixture
def pick(demo_items) -> Callable[[Callable[[ItemVersion], bool]], ItemVersion]:
    """The first demo item for which `predicate` holds."""

    def first(predicate: Callable[[ItemVersion], bool]) -> ItemVersion:
        return next(version for version in demo_items if predicate(version))

    return first
