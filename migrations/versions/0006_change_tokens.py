"""change tokens: what cached pages depend on

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 05:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "change_token",
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_change_token")),
    )


def downgrade():
    op.drop_table("change_token")
