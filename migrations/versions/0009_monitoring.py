"""monitoring: targets, self-check sheets and notices; indexes for the counts

Revision ID: 0009_monitoring
Revises: 0008_audit
Create Date: 2026-12-03 07:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0009_monitoring"
down_revision = "0008_audit"
branch_labels = None
depends_on = None

UNIT_KINDS = ("district", "department", "town")
FIGURES = (
    "full_online_rate",
    "online_apply_rate",
    "online_complete_rate",
    "max_one_visit_rate",
    "zero_visit_rate",
    "mobile_rate",
    "enterprise_page_rate",
    "citizen_page_rate",
)
MEASURES = ("praise", "criticism", "rectification", "accountability")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def upgrade():
    op.create_table(
        "monitoring_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_kind", _enum(UNIT_KINDS, "unitkind"), nullable=False),
        sa.Column("figure", _enum(FIGURES, "figure"), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("strict", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_target")),
        sa.UniqueConstraint(
            "year", "unit_kind", "figure", name=op.f("uq_monitoring_target_year")
        ),
    )
    op.create_table(
        "self_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_self_check_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_check")),
        sa.UniqueConstraint("unit_id", "quarter", name=op.f("uq_self_check_unit_id")),
    )
    op.create_index(op.f("ix_self_check_unit_id"), "self_check", ["unit_id"])
    op.create_index(op.f("ix_self_check_quarter"), "self_check", ["quarter"])
    op.create_table(
        "monitoring_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("measure", _enum(MEASURES, "measure"), nullable=False),
        sa.Column("proposed", _enum(MEASURES, "measure"), nullable=False),
        sa.Column("missed", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_monitoring_notice_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_notice")),
        sa.UniqueConstraint("unit_id", "quarter", name=op.f("uq_monitoring_notice_unit_id")),
    )
    op.create_index(op.f("ix_monitoring_notice_unit_id"), "monitoring_notice", ["unit_id"])
    op.create_index(op.f("ix_monitoring_notice_quarter"), "monitoring_notice", ["quarter"])
    op.create_index(op.f("ix_monitoring_notice_sent_at"), "monitoring_notice", ["sent_at"])
    op.create_index(
        "ix_application_submitted_counts", "application", ["submitted_at", "unit_id", "channel"]
    )
    op.create_index(
        "ix_application_completed_counts",
        "application",
        ["completed_at", "status", "unit_id", "item_id", "channel", "delivery", "id"],
    )
    op.create_index(
        "ix_process_record_application_stage", "process_record", ["application_id", "stage"]
    )


def downgrade():
    op.drop_index("ix_process_record_application_stage", table_name="process_record")
    op.drop_index("ix_application_completed_counts", table_name="application")
    op.drop_index("ix_application_submitted_counts", table_name="application")
    op.drop_table("monitoring_notice")
    op.drop_table("self_check")
    op.drop_table("monitoring_target")
