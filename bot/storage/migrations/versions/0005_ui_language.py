"""the bot's language per chat (/settings), separate from the summaries' language

Revision ID: 0005_ui_language
Revises: 0004_groups
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_ui_language"
# The newest revision on this branch's base; the lead re-chains after part A's 0004.
down_revision = "0004_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "" = each user's own Telegram language, so existing chats keep today's behaviour.
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ui_language", sa.String(length=8), nullable=False, server_default="")
        )
        # The private chat's user's Telegram language, for digests sent without an update.
        batch_op.add_column(
            sa.Column("user_language", sa.String(length=8), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("user_language")
        batch_op.drop_column("ui_language")
