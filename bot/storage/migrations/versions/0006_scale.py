"""scale-out ledger: updates received by webhook, and the sends each job made

Revision ID: 0006_scale
Revises: 0005_ui_language
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_scale"
down_revision = "0005_ui_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per Telegram update_id (the primary key turns Telegram's re-deliveries away);
    # written and read by bot/scale/queue.py with plain SQL on procrastinate's connection pool.
    op.create_table(
        "scale_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_scale_updates_state", "scale_updates", ["state"])
    # The result of the n-th send of an update's job: a retried job replays it instead of sending.
    op.create_table(
        "scale_sends",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("scale_sends")
    op.drop_index("ix_scale_updates_state", table_name="scale_updates")
    op.drop_table("scale_updates")
