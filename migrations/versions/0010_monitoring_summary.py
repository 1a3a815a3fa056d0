"""monitoring: the daily counts behind the figures, backfilled from the applications

Revision ID: 0010_monitoring_summary
Revises: 0009_monitoring
Create Date: 2026-12-03 10:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0010_monitoring_summary"
down_revision = "0009_monitoring"
branch_labels = None
depends_on = None

CHANNELS = ("mobile", "web", "counter", "department_system")
COUNTERS = ("submitted", "completed", "completed_online", "completed_visited", "completed_revisited")


def upgrade():
    op.create_table(
        "monitoring_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("whole_month", sa.Boolean(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel", sa.Enum(*CHANNELS, name="channel", native_enum=False, length=40),
            nullable=False,
        ),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS],
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_monitoring_daily_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["service_item.id"], name=op.f("fk_monitoring_daily_item_id_service_item")
        ),
        sa.PrimaryKeyConstraint(
            "day", "whole_month", "unit_id", "item_id", "channel", name=op.f("pk_monitoring_daily")
        ),
    )
    op.create_index("ix_monitoring_daily_unit_day", "monitoring_daily", ["unit_id", "day"])
    # The counts of the history already recorded, as the process records would have kept them.
    # Only a database with history needs them: a new one (every install from now on) then never
    # runs the app's code of today against the schema of this revision.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM application LIMIT 1")).first() is not None:
        from mobile_hall.monitoring.summary import rebuild

        rebuild(bind)


def downgrade():
    op.drop_index("ix_monitoring_daily_unit_day", table_name="monitoring_daily")
    op.drop_table("monitoring_daily")
