"""guide authoring: drafts, review routes, item suspension

Revision ID: 0013_guide_drafts
Revises: 0012_department_api
Create Date: 2026-12-03 11:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0013_guide_drafts"
down_revision = "0012_department_api"
branch_labels = None
depends_on = None

ITEM_KINDS = (
    "administrative_license",
    "administrative_confirmation",
    "administrative_payment",
    "administrative_filing",
    "administrative_award",
    "administrative_levy",
    "other_power",
    "public_service",
)


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def upgrade():
    with op.batch_alter_table("service_item") as batch:
        batch.add_column(sa.Column("suspended_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("suspended_until", sa.Date(), nullable=True))
    op.create_table(
        "review_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_kind", _enum(ITEM_KINDS, "itemkind"), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_review_route_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_route")),
        sa.UniqueConstraint("item_kind", name=op.f("uq_review_route_item_kind")),
    )
    op.create_index(op.f("ix_review_route_unit_id"), "review_route", ["unit_id"])
    op.create_table(
        "guide_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum(("change", "create", "suspend", "resume"), "draftkind"), nullable=False),
        sa.Column(
            "status",
            _enum(("editing", "submitted", "returned", "published", "refused"), "draftstatus"),
            nullable=False,
        ),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=True),
        sa.Column("base_version_id", sa.Integer(), nullable=True),
        sa.Column("suspension_reason", sa.Text(), nullable=False),
        sa.Column("suspended_until", sa.Date(), nullable=True),
        sa.Column("reviewer_unit_id", sa.Integer(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_version_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["service_item.id"], name=op.f("fk_guide_draft_item_id_service_item")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_guide_draft_unit_id_unit")),
        sa.ForeignKeyConstraint(["base_version_id"], ["item_version.id"], name=op.f("fk_guide_draft_base_version_id_item_version")),
        sa.ForeignKeyConstraint(["reviewer_unit_id"], ["unit.id"], name=op.f("fk_guide_draft_reviewer_unit_id_unit")),
        sa.ForeignKeyConstraint(["created_by_id"], ["account.id"], name=op.f("fk_guide_draft_created_by_id_account")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["account.id"], name=op.f("fk_guide_draft_decided_by_id_account")),
        sa.ForeignKeyConstraint(["published_version_id"], ["item_version.id"], name=op.f("fk_guide_draft_published_version_id_item_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guide_draft")),
    )
    for column in ("status", "item_id", "unit_id", "reviewer_unit_id", "created_by_id"):
        op.create_index(op.f(f"ix_guide_draft_{column}"), "guide_draft", [column])


def downgrade():
    op.drop_table("guide_draft")
    op.drop_table("review_route")
    with op.batch_alter_table("service_item") as batch:
        batch.drop_column("suspended_until")
        batch.drop_column("suspended_reason")
