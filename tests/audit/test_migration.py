"""Migration 0008_audit chains the audit records kept before it, and the chain then verifies."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.audit.services import record_event, verify_chain
from mobile_hall.extensions import db, limiter
from tests.support.provider import hall_config

OLD_RECORDS = """
INSERT INTO audit_event (occurred_at, actor, action, target, details) VALUES
('2026-01-05 09:00:00.123456', 'cli:catalog-import', 'catalog.import', '', '{"items": 3}'),
('2026-01-05 10:00:00.000000', 'account:7', 'staff.grant_role', 'staff_role:1', '{"名": "张"}'),
('2026-01-06 11:30:00.000000', 'platform', 'identity.backchannel_logout', '', '{}')
"""


def test_records_kept_before_the_chain_are_chained_in_id_order(app, identity_provider, tmp_path):
    fresh = create_app(
        TestingConfig(),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/before-chain.sqlite3",
        **hall_config(identity_provider),
    )
    try:
        with fresh.app_context():
            upgrade(revision="0007")
            db.session.execute(sa.text(OLD_RECORDS))
            db.session.commit()
            upgrade()
            assert verify_chain().checked == 3 and verify_chain().intact
            record_event("cli:test", "test.after_migration")
            db.session.commit()
            assert verify_chain().checked == 4 and verify_chain().intact
            db.engine.dispose()
    finally:
        limiter.init_app(app)  # one limiter object: back to the session's app
