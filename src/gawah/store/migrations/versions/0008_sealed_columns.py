"""confidential columns as TEXT: sealed values (gawah.security.encrypted) are longer than the text

Revision ID: 0008_sealed_columns
Revises: 0007_persons_cases
Create Date: 2026-11-21 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_sealed_columns"
down_revision = "0007_persons_cases"
branch_labels = None
depends_on = None

# (table, column, its former length, nullable)
SEALED = [
    ("users", "totp_secret", 255, True),
    ("persons", "name", 300, False),
    ("persons", "name_native", 300, True),
    ("persons", "father_name", 300, True),
    ("persons", "grandfather_name", 300, True),
    ("cases", "last_seen_by", 300, True),
    ("cases", "reporter_name", 300, True),
    ("cases", "reporter_contact", 300, True),
]


def upgrade() -> None:
    for table in dict.fromkeys(t for t, *_ in SEALED):
        with op.batch_alter_table(table) as batch:
            for name, column, length, nullable in SEALED:
                if name == table:
                    batch.alter_column(
                        column, type_=sa.Text(), existing_type=sa.String(length), existing_nullable=nullable
                    )


def downgrade() -> None:
    for table in dict.fromkeys(t for t, *_ in SEALED):
        with op.batch_alter_table(table) as batch:
            for name, column, length, nullable in SEALED:
                if name == table:
                    batch.alter_column(
                        column, type_=sa.String(length), existing_type=sa.Text(), existing_nullable=nullable
                    )
