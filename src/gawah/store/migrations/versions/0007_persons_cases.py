"""persons and the missing: case status history, case intake (family code), proposed person matches

Revision ID: 0007_persons_cases
Revises: 0006_timestamps
Create Date: 2026-11-21 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_persons_cases"
down_revision = "0006_timestamps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("previous_status", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_status_changes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_changes")),
    )
    with op.batch_alter_table("case_status_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_status_changes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_intakes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reporter_relationship", sa.String(length=80), nullable=True),
        sa.Column("code_hash", sa.String(length=200), nullable=True),
        sa.Column("address_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_intakes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_intakes")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_intakes_case_id")),
    )
    with op.batch_alter_table("case_intakes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_intakes_address_key"), ["address_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_intakes_created_at"), ["created_at"], unique=False)

    op.create_table(
        "person_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("person_id < other_id", name=op.f("ck_person_matches_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_matches_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["persons.id"], name=op.f("fk_person_matches_other_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_matches")),
        sa.UniqueConstraint("person_id", "other_id", name="uq_person_matches_pair"),
    )
    with op.batch_alter_table("person_matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_matches_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_matches_other_id"), ["other_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_matches_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_matches_status"))
        batch_op.drop_index(batch_op.f("ix_person_matches_other_id"))
        batch_op.drop_index(batch_op.f("ix_person_matches_person_id"))
    op.drop_table("person_matches")
    with op.batch_alter_table("case_intakes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_intakes_created_at"))
        batch_op.drop_index(batch_op.f("ix_case_intakes_address_key"))
    op.drop_table("case_intakes")
    with op.batch_alter_table("case_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status_changes_case_id"))
    op.drop_table("case_status_changes")
