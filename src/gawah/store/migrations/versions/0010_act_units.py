"""act_units: a unit named as perpetrator of an act; command relation kinds up to 40 characters
(failed_to_prevent_or_punish)

Revision ID: 0010_act_units
Revises: 0009_sealed_text_totp_step
Create Date: 2026-11-21 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_act_units"
down_revision = "0009_sealed_text_totp_step"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "act_units",
        sa.Column("act_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["act_id"], ["acts.id"], name=op.f("fk_act_units_act_id_acts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_act_units_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_act_units_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("act_id", "unit_id", name=op.f("pk_act_units")),
    )
    with op.batch_alter_table("act_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_act_units_unit_id"), ["unit_id"], unique=False)
    with op.batch_alter_table("command_relations", schema=None) as batch_op:
        batch_op.alter_column(
            "relation", existing_type=sa.String(length=24), type_=sa.String(length=40), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("command_relations", schema=None) as batch_op:
        batch_op.alter_column(
            "relation", existing_type=sa.String(length=40), type_=sa.String(length=24), existing_nullable=False
        )
    with op.batch_alter_table("act_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_act_units_unit_id"))
    op.drop_table("act_units")
