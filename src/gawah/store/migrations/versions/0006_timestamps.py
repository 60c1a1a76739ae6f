"""timestamp tokens: RFC 3161 timestamps over signed checkpoints, queued until stamped

Revision ID: 0006_timestamps
Revises: 0005_security
Create Date: 2026-11-21 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_timestamps"
down_revision = "0005_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timestamp_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_imprint", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=40), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=True),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("gen_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("policy", sa.String(length=100), nullable=True),
        sa.Column("serial_number", sa.String(length=60), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stamped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"], ["checkpoints.id"], name=op.f("fk_timestamp_tokens_checkpoint_id_checkpoints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timestamp_tokens")),
        sa.UniqueConstraint("checkpoint_id", "authority", name=op.f("uq_timestamp_tokens_checkpoint_id")),
    )
    with op.batch_alter_table("timestamp_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timestamp_tokens_checkpoint_id"), ["checkpoint_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_timestamp_tokens_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("timestamp_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timestamp_tokens_status"))
        batch_op.drop_index(batch_op.f("ix_timestamp_tokens_checkpoint_id"))
    op.drop_table("timestamp_tokens")
