"""reference registry: yearly town figures, one-stop entries, record history

Revision ID: 0014_reference_registry
Revises: 0013_guide_drafts
Create Date: 2026-12-03 10:27:49.575892

The towns' population and enterprise counts move from `unit` to `unit_figure`, one row per
town and year; the figures a deployment already had become the current year's.
"""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = "0014_reference_registry"
down_revision = "0013_guide_drafts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "one_stop_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column(
            "target",
            sa.Enum(
                "group", "theme", "unit", "link", name="entrytarget", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_stop_entry")),
        sa.UniqueConstraint("code", name=op.f("uq_one_stop_entry_code")),
    )
    op.create_table(
        "reference_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "unit",
                "location",
                "figure",
                "theme",
                "license_type",
                "entry",
                name="recordkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_change")),
    )
    with op.batch_alter_table("reference_change", schema=None) as batch_op:
        batch_op.create_index("ix_reference_change_record", ["kind", "key"], unique=False)

    op.create_table(
        "unit_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("enterprise_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_unit_figure_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_figure")),
        sa.UniqueConstraint("unit_id", "year", name=op.f("uq_unit_figure_unit_id")),
    )
    with op.batch_alter_table("unit_figure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_figure_unit_id"), ["unit_id"], unique=False)

    this_year = datetime.now(timezone(timedelta(hours=8))).year
    op.execute(
        sa.text(
            "INSERT INTO unit_figure (unit_id, year, population, enterprise_count) "
            "SELECT id, :year, population, COALESCE(enterprise_count, 0) FROM unit "
            "WHERE population IS NOT NULL"
        ).bindparams(year=this_year)
    )
    # ALTER TABLE ... DROP COLUMN in place (SQLite has it since 3.35): a batch copy of `unit`
    # would drop the table every other table's foreign keys point at.
    with op.batch_alter_table("unit", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("population")
        batch_op.drop_column("enterprise_count")


def downgrade():
    with op.batch_alter_table("unit", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("enterprise_count", sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column("population", sa.INTEGER(), nullable=True))
    latest = (
        "(SELECT {column} FROM unit_figure WHERE unit_figure.unit_id = unit.id "
        "ORDER BY year DESC LIMIT 1)"
    )
    op.execute(
        "UPDATE unit SET population = "
        + latest.format(column="population")
        + ", enterprise_count = "
        + latest.format(column="enterprise_count")
    )

    with op.batch_alter_table("unit_figure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_figure_unit_id"))

    op.drop_table("unit_figure")
    with op.batch_alter_table("reference_change", schema=None) as batch_op:
        batch_op.drop_index("ix_reference_change_record")

    op.drop_table("reference_change")
    op.drop_table("one_stop_entry")
