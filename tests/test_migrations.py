"""The Alembic migrations build exactly the schema the models describe, and on SQLite they go
down and up again over a database holding data."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.demo.services import load_demo
from mobile_hall.extensions import db
from tests.support.provider import hall_config


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def _counts() -> dict[str, int]:
    tables = ("service_item", "application", "process_record", "monitoring_daily")
    return {
        table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
        for table in tables
    }


def test_sqlite_migrations_rebuild_tables_that_rows_refer_to(tmp_path, identity_provider):
    # 0013's downgrade rebuilds service_item, which every item version and application refers
    # to: with SQLite's foreign keys enforced during the migration, the DROP of the old table
    # failed as soon as the database held data.
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    migrated = create_app(
        TestingConfig(), SQLALCHEMY_DATABASE_URI=url, **hall_config(identity_provider)
    )
    with migrated.app_context():
        upgrade()
        load_demo()
        before = _counts()
        db.session.remove()
        downgrade(revision="0009_monitoring")
        upgrade()
        assert _counts() == before and before["application"] > 0
        assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()
