"""digest filters, article texts and text fingerprints

Revision ID: 0003_digest_filters
Revises: 0002_recaps
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_digest_filters"
down_revision = "0002_recaps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_filters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "feed_id", "kind", "term", name="uq_digest_filter"),
    )
    with op.batch_alter_table("digest_filters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_filters_chat_id"), ["chat_id"], unique=False)

    op.create_table(
        "article_texts",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
    )
    with op.batch_alter_table("article_texts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_texts_created_at"), ["created_at"], unique=False
        )

    # Existing rows get an empty fingerprint: they are compared the old way (summary shingles).
    with op.batch_alter_table("chat_articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fingerprint", sa.LargeBinary(), nullable=False, server_default=sa.text("''"))
        )
        batch_op.add_column(sa.Column("feed_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("feed_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fingerprint", sa.LargeBinary(), nullable=False, server_default=sa.text("''"))
        )


def downgrade() -> None:
    with op.batch_alter_table("feed_items", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
    with op.batch_alter_table("chat_articles", schema=None) as batch_op:
        batch_op.drop_column("feed_id")
        batch_op.drop_column("fingerprint")
    with op.batch_alter_table("article_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_texts_created_at"))
    op.drop_table("article_texts")
    with op.batch_alter_table("digest_filters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_filters_chat_id"))
    op.drop_table("digest_filters")
