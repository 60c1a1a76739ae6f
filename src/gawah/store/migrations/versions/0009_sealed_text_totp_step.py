"""document and incident titles, file names, custody and last-seen places as TEXT (sealed values
are longer); the last accepted TOTP time step per user (a code is accepted once)

Revision ID: 0009_sealed_text_totp_step
Revises: 0008_sealed_columns
Create Date: 2026-11-21 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_sealed_text_totp_step"
down_revision = "0008_sealed_columns"
branch_labels = None
depends_on = None

# (table, column, its former length, nullable)
WIDENED = [
    ("documents", "title", 1000, False),
    ("incidents", "title", 500, False),
    ("evidence_items", "original_filename", 1000, False),
    ("custody_events", "place", 300, True),
    ("cases", "last_seen_place", 300, True),
]


def upgrade() -> None:
    for table, column, length, nullable in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.Text(), existing_type=sa.String(length), existing_nullable=nullable
            )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_last_step")
    for table, column, length, nullable in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.String(length), existing_type=sa.Text(), existing_nullable=nullable
            )
