"""verification: assessments in the three strands, and witness statements with their consent

Revision ID: 0012_assessments
Revises: 0011_intake_lists_match_queue
Create Date: 2026-11-22 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_assessments"
down_revision = "0011_intake_lists_match_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_item_id", sa.Integer(), nullable=False),
        sa.Column("strand", sa.String(length=16), nullable=False),
        sa.Column("finding", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.String(length=8), nullable=True),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("tools", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("assessor", sa.String(length=200), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confidentiality", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_item_id"],
            ["evidence_items.id"],
            name=op.f("fk_assessments_evidence_item_id_evidence_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessments_evidence_item_id"), ["evidence_item_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assessments_strand"), ["strand"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_confidentiality"), ["confidentiality"], unique=False)
    op.create_table(
        "witness_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_item_id", sa.Integer(), nullable=False),
        sa.Column("witness_id", sa.Integer(), nullable=True),
        sa.Column("taken_by", sa.String(length=200), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_place", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("interpreter", sa.Text(), nullable=True),
        sa.Column("interpreter_languages", sa.JSON(), nullable=False),
        sa.Column("consent", sa.JSON(), nullable=False),
        sa.Column("consent_recorded_how", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("confidentiality", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_item_id"],
            ["evidence_items.id"],
            name=op.f("fk_witness_statements_evidence_item_id_evidence_items"),
        ),
        sa.ForeignKeyConstraint(
            ["witness_id"], ["persons.id"], name=op.f("fk_witness_statements_witness_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witness_statements")),
    )
    with op.batch_alter_table("witness_statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_witness_statements_evidence_item_id"), ["evidence_item_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_witness_statements_witness_id"), ["witness_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_witness_statements_confidentiality"), ["confidentiality"], unique=False
        )


def downgrade() -> None:
    op.drop_table("witness_statements")
    op.drop_table("assessments")
