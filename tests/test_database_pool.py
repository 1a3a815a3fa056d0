"""A pooled connection the server dropped (a restart, a failover, an idle timeout) is found by
SQLAlchemy's `pool_pre_ping` (config.py) and replaced before a request uses it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.extensions import db


def _backend() -> int:
    return db.session.execute(sa.select(sa.func.pg_backend_pid())).scalar_one()


def test_a_connection_the_server_dropped_is_replaced_unseen(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    # An app of its own (no test transaction around it) with the configured engine options
    # and a pool of one: the dropped connection is the one the next request would get.
    single = create_app(
        TestingConfig(),
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={
            **TestingConfig.SQLALCHEMY_ENGINE_OPTIONS,
            "pool_size": 1,
            "max_overflow": 0,
        },
    )
    with single.app_context():
        dropped = _backend()
        db.session.remove()  # the connection goes back to the pool
        with sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool).connect() as admin:
            admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
            admin.commit()
    try:
        with single.app_context():
            assert _backend() != dropped  # no error reached the caller
        assert single.test_client().get("/units/QJ-MB").status_code == 200
    finally:
        with single.app_context():
            db.engine.dispose()
