"""audit_event: where from, a hash chain, append-only

Each record gains the client's address and user agent and the hash chaining it to the record
before; the records already kept are chained here, in id order. `audit_chain_head` says where
the chain ends (appending locks it). Updating or deleting an audit record is then refused by a
trigger, whoever the database user is (the owner included).

On PostgreSQL, `flask db upgrade -x app_role=NAME` also gives the application's own role only
INSERT and SELECT on the records (docs/deploy.md): the trigger stops mistakes, the missing
privilege stops a role that could drop the trigger.

Revision ID: 0008_audit
Revises: 0007
Create Date: 2026-12-03 08:30:00

"""
import sqlalchemy as sa
from alembic import context, op

from mobile_hall.audit.chain import content_hash

revision = "0008_audit"
down_revision = "0007"
branch_labels = None
depends_on = None

REFUSE_CHANGE_FUNCTION = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
POSTGRESQL_TRIGGERS = (
    "CREATE TRIGGER audit_event_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: {verb} refused'); END"
    for verb in ("UPDATE", "DELETE")
)


def _chain_existing_records() -> None:
    events = sa.table(
        "audit_event",
        sa.column("id", sa.Integer),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("target", sa.String),
        sa.column("details", sa.JSON),
        sa.column("previous_hash", sa.String),
        sa.column("hash", sa.String),
    )
    connection = op.get_bind()
    previous, last_id = "", 0
    for row in connection.execute(sa.select(events).order_by(events.c.id)).mappings().all():
        digest = content_hash(
            occurred_at=row["occurred_at"],
            actor=row["actor"],
            action=row["action"],
            target=row["target"] or "",
            details=row["details"] or {},
            client_address="",
            user_agent="",
            previous_hash=previous,
        )
        connection.execute(
            events.update()
            .where(events.c.id == row["id"])
            .values(previous_hash=previous, hash=digest)
        )
        previous, last_id = digest, row["id"]
    heads = sa.table(
        "audit_chain_head",
        sa.column("id", sa.Integer),
        sa.column("last_event_id", sa.Integer),
        sa.column("last_hash", sa.String),
    )
    op.bulk_insert(heads, [{"id": 1, "last_event_id": last_id, "last_hash": previous}])


def upgrade():
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        for name, length in (
            ("client_address", 45),
            ("user_agent", 300),
            ("previous_hash", 64),
            ("hash", 64),
        ):
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        batch_op.create_index(batch_op.f("ix_audit_event_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_target"), ["target"], unique=False)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        for name in ("client_address", "user_agent", "previous_hash", "hash"):
            batch_op.alter_column(name, server_default=None)
    _chain_existing_records()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_CHANGE_FUNCTION)
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)
        app_role = context.get_x_argument(as_dictionary=True).get("app_role")
        if app_role:
            role = op.get_bind().dialect.identifier_preparer.quote(app_role)
            op.execute(f"REVOKE ALL ON audit_event FROM {role}")
            op.execute(f"GRANT SELECT, INSERT ON audit_event TO {role}")
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_no_update_or_delete ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER audit_event_no_delete")
        op.execute("DROP TRIGGER audit_event_no_update")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_target"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor"))
        for name in ("hash", "previous_hash", "user_agent", "client_address"):
            batch_op.drop_column(name)
    op.drop_table("audit_chain_head")
