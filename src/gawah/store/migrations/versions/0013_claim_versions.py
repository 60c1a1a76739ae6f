"""registry: a version counter on claims, so that concurrent links, unlinks and edits are refused

Revision ID: 0013_claim_versions
Revises: 0012_assessments
Create Date: 2026-11-22 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_claim_versions"
down_revision = "0012_assessments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Claims kept before this revision start at version 1, as new ones do.
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("version")
