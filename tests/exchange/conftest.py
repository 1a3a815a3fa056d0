"""Fixtures of the exchange's tests: a clean delivery state, the log caught up, a pull key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from mobile_hall.api.constants import Capability
from mobile_hall.api.keys import create_api_key
from mobile_hall.api.models import ApiKey
from mobile_hall.applications.models import ProcessRecord
from mobile_hall.extensions import db
from tests.support.exchange import MARKET, catch_up


@pytest.fixture
def caught_up(app_context) -> None:
    """In the test's rolled-back transaction: the log caught up and delivered."""
    catch_up()


@pytest.fixture
def pull_key(app_context) -> dict[str, str]:
    """The Authorization header of a new key of a demo department that may pull the log."""
    _api_key, key = create_api_key(MARKET, actor="test", capabilities=[Capability.EXCHANGE_RECORDS])
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def committed_log(app) -> Iterator[None]:
    """Let the test commit process records and keys for real; afterwards remove the records
    written after it began and its keys, and leave the delivery state clean."""
    with app.app_context():
        catch_up()
        last = db.session.scalar(sa.select(sa.func.max(ProcessRecord.id))) or 0
        keys = db.session.scalar(sa.select(sa.func.max(ApiKey.id))) or 0
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context():
            db.session.execute(sa.delete(ProcessRecord).where(ProcessRecord.id > last))
            db.session.execute(sa.delete(ApiKey).where(ApiKey.id > keys))
            db.session.commit()
            catch_up()
            db.session.remove()
