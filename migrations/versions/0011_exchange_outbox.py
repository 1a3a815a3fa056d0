"""exchange: the record log's sequence, the exchange's state, the outbox's indexes

Revision ID: 0011_exchange_outbox
Revises: 0010_monitoring_summary
Create Date: 2026-12-03 10:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0011_exchange_outbox"
down_revision = "0010_monitoring_summary"
branch_labels = None
depends_on = None

UNSEQUENCED = sa.text("sequence IS NULL")
UNDELIVERED = sa.text("delivered_at IS NULL AND sequence IS NOT NULL")


def upgrade():
    with op.batch_alter_table("process_record") as batch:
        batch.add_column(sa.Column("sequence", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_process_record_sequence"), ["sequence"])
    op.create_table(
        "exchange_state",
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_exchange_state")),
    )
    # Every record written so far has committed: the log takes them in the order of their ids.
    op.execute("UPDATE process_record SET sequence = id")
    state = sa.table(
        "exchange_state",
        sa.column("role", sa.String),
        sa.column("last_sequence", sa.BigInteger),
        sa.column("last_error", sa.Text),
        sa.column("failures", sa.Integer),
    )
    last = op.get_bind().scalar(sa.text("SELECT coalesce(max(id), 0) FROM process_record"))
    op.bulk_insert(
        state,
        [
            {"role": role, "last_sequence": last if role == "sequencer" else 0,
             "last_error": "", "failures": 0}
            for role in ("sequencer", "delivery")
        ],
    )
    op.create_index(
        "ix_process_record_unsequenced",
        "process_record",
        ["id"],
        postgresql_where=UNSEQUENCED,
        sqlite_where=UNSEQUENCED,
    )
    op.create_index(
        "ix_process_record_undelivered",
        "process_record",
        ["sequence"],
        postgresql_where=UNDELIVERED,
        sqlite_where=UNDELIVERED,
    )


def downgrade():
    op.drop_index("ix_process_record_undelivered", table_name="process_record")
    op.drop_index("ix_process_record_unsequenced", table_name="process_record")
    op.drop_table("exchange_state")
    with op.batch_alter_table("process_record") as batch:
        batch.drop_constraint(batch.f("uq_process_record_sequence"), type_="unique")
        batch.drop_column("sequence")
