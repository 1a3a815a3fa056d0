"""web_session: the ID token kept only encrypted, for RP-initiated logout's id_token_hint

The clear `id_token` column is dropped with what it held: a session signed in before this
revision signs out without the hint (the platform then asks the person to confirm). Old nodes
still running during a rolling restart write that column at sign-in, so restart every node
right after this migration.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_token_cipher", sa.Text(), nullable=True))
        batch_op.drop_column("id_token")


def downgrade():
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_token", sa.Text(), nullable=True))
        batch_op.drop_column("id_token_cipher")
