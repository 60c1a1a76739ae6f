"""persons and the missing: sealed family submissions, the matching queue, received person lists

Revision ID: 0011_intake_lists_match_queue
Revises: 0010_act_units
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_intake_lists_match_queue"
down_revision = "0010_act_units"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_submissions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_submissions")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_submissions_case_id")),
    )
    op.create_table(
        "person_match_queue",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_match_queue_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_match_queue")),
    )
    with op.batch_alter_table("person_match_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_match_queue_queued_at"), ["queued_at"], unique=False)
    op.create_table(
        "person_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sent_by", sa.String(length=300), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confidentiality", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_person_lists_name")),
    )
    with op.batch_alter_table("person_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_lists_confidentiality"), ["confidentiality"], unique=False)
    op.create_table(
        "person_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=120), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("listed_on", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["person_lists.id"],
            name=op.f("fk_person_list_entries_list_id_person_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_list_entries_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_list_entries")),
        sa.UniqueConstraint("list_id", "entry_id", name="uq_person_list_entries_id"),
    )
    with op.batch_alter_table("person_list_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_list_entries_list_id"), ["list_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_list_entries_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_table("person_list_entries")
    op.drop_table("person_lists")
    op.drop_table("person_match_queue")
    op.drop_table("case_submissions")
