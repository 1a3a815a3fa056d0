"""department API: the licence API's keys become the API's keys (capabilities, items, name,
last use); stored answers of idempotent requests

Revision ID: 0012_department_api
Revises: 0011_exchange_outbox
Create Date: 2026-12-03 10:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_department_api"
down_revision = "0011_exchange_outbox"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _create_api_key():
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("license_types", sa.JSON(), nullable=False),
        sa.Column("item_codes", sa.JSON(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("last_used_at", _TZ, nullable=True),
        sa.Column("revoked_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_api_key_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )
    op.create_index(op.f("ix_api_key_unit_id"), "api_key", ["unit_id"], unique=False)


def _create_license_api_key():
    op.create_table(
        "license_api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("revoked_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_license_api_key_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_license_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_license_api_key_key_hash")),
    )
    op.create_index(
        op.f("ix_license_api_key_unit_id"), "license_api_key", ["unit_id"], unique=False
    )


def _copy(source: sa.TableClause, target: sa.TableClause, convert) -> None:
    # Read through typed columns, so JSON comes back as lists on SQLite too.
    rows = op.get_bind().execute(sa.select(source).order_by(source.c.id)).mappings()
    converted = [converted for row in rows if (converted := convert(row))]
    if converted:
        op.bulk_insert(target, converted)


_OLD_COLUMNS = (
    ("id", sa.Integer()),
    ("unit_id", sa.Integer()),
    ("key_hash", sa.String()),
    ("prefix", sa.String()),
    ("scopes", sa.JSON()),
    ("created_at", _TZ),
    ("revoked_at", _TZ),
)


def _continue_ids(table: str) -> None:
    """Start PostgreSQL's id sequence after the copied ids."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval('{table}_id_seq', (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"  # noqa: S608 - a fixed table name
        )


def _old_table() -> sa.TableClause:
    return sa.table("license_api_key", *(sa.column(name, kind) for name, kind in _OLD_COLUMNS))


_NEW_COLUMNS = (
    ("id", sa.Integer()),
    ("unit_id", sa.Integer()),
    ("name", sa.String()),
    ("key_hash", sa.String()),
    ("prefix", sa.String()),
    ("capabilities", sa.JSON()),
    ("license_types", sa.JSON()),
    ("item_codes", sa.JSON()),
    ("created_at", _TZ),
    ("created_by", sa.String()),
    ("revoked_at", _TZ),
)


def _new_table() -> sa.TableClause:
    return sa.table("api_key", *(sa.column(name, kind) for name, kind in _NEW_COLUMNS))


def upgrade():
    _create_api_key()
    # Every existing key was a licence API key: it keeps its hash, prefix and types.
    _copy(
        _old_table(),
        _new_table(),
        lambda row: {
            "id": row["id"],
            "unit_id": row["unit_id"],
            "name": "",
            "key_hash": row["key_hash"],
            "prefix": row["prefix"],
            "capabilities": ["licenses"],
            "license_types": row["scopes"],
            "item_codes": [],
            "created_at": row["created_at"],
            "created_by": "",
            "revoked_at": row["revoked_at"],
        },
    )
    _continue_ids("api_key")
    op.drop_index(op.f("ix_license_api_key_unit_id"), table_name="license_api_key")
    op.drop_table("license_api_key")
    op.create_table(
        "api_idempotent_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_key.id"],
            name=op.f("fk_api_idempotent_request_api_key_id_api_key"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotent_request")),
        sa.UniqueConstraint(
            "api_key_id",
            "idempotency_key",
            name=op.f("uq_api_idempotent_request_api_key_id"),
        ),
    )


def downgrade():
    op.drop_table("api_idempotent_request")
    _create_license_api_key()
    # Only licence keys go back; the others had no table before.
    _copy(
        _new_table(),
        _old_table(),
        lambda row: (
            {
                "id": row["id"],
                "unit_id": row["unit_id"],
                "key_hash": row["key_hash"],
                "prefix": row["prefix"],
                "scopes": row["license_types"],
                "created_at": row["created_at"],
                "revoked_at": row["revoked_at"],
            }
            if "licenses" in row["capabilities"]
            else None
        ),
    )
    _continue_ids("license_api_key")
    op.drop_index(op.f("ix_api_key_unit_id"), table_name="api_key")
    op.drop_table("api_key")
