"""groups: digests into forum topics, auto mode per topic, and the article behind each summary

Revision ID: 0004_groups
Revises: 0003_digest_filters
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_groups"
down_revision = "0003_digest_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "article_sources",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False, server_default=""),
        sa.Column("title", sa.Text(), nullable=False, server_default=""),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
    )
    op.create_index("ix_article_sources_url", "article_sources", ["url"])
    op.create_table(
        "summary_messages",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "message_id"),
    )

    op.create_table(
        "topic_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("auto_mode", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "thread_id"),
    )


def downgrade() -> None:
    op.drop_table("topic_settings")
    op.drop_table("summary_messages")
    op.drop_index("ix_article_sources_url", table_name="article_sources")
    op.drop_table("article_sources")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("thread_id")
