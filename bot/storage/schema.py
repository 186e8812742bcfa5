"""The database schema (SQLAlchemy 2 declarative). Migrations in `migrations/` must match it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and read back aware, on every database.

    SQLite keeps no zone and compares as text, so every stored instant must be UTC; it also hands
    back naive values. This one type does both conversions, instead of each repository.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware values are converted to UTC; naive ones are taken to be UTC already."""
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Always an aware UTC datetime (or None)."""
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Chat(Base):
    """A Telegram chat (private, group, supergroup or channel) and its settings."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Telegram chat id
    type: Mapped[str] = mapped_column(String(16), default="private")
    title: Mapped[str] = mapped_column(String(256), default="")
    username: Mapped[str] = mapped_column(String(64), default="")
    summary_length: Mapped[str] = mapped_column(String(8), default="medium")
    summary_language: Mapped[str] = mapped_column(String(16), default="")
    auto_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_empty_note: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SummaryRow(Base):
    """A cached summary: one per (content hash, prompt version, model, length, language)."""

    __tablename__ = "summaries"
    __table_args__ = (
        UniqueConstraint(
            "content_hash", "prompt_version", "model", "length", "language", name="uq_summary_key"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    prompt_version: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(128))
    length: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChatArticle(Base):
    """An article summarised in a chat: the material of that chat's next digest."""

    __tablename__ = "chat_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    site: Mapped[str] = mapped_column(String(256), default="")
    summary_id: Mapped[int | None] = mapped_column(ForeignKey("summaries.id"), nullable=True)
    origin: Mapped[str] = mapped_column(String(16), default="message")  # message | feed | forward
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # MinHash of the cleaned text (bot.clean.fingerprint); b"" when unknown or too short.
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    feed_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # per-feed filters


class ArticleText(Base):
    """The cleaned text of an article in some chat's digest material, once per content hash,
    as digest filters read it (bot.storage.articles.filter_text)."""

    __tablename__ = "article_texts"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class DigestFilter(Base):
    """One include/exclude term of a chat's digest filters (feed_id 0 = the whole chat)."""

    __tablename__ = "digest_filters"
    __table_args__ = (
        UniqueConstraint("chat_id", "feed_id", "kind", "term", name="uq_digest_filter"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    feed_id: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(8))  # include | exclude
    term: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Usage(Base):
    """Tokens spent (or saved by the cache) for one summary request."""

    __tablename__ = "usage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(128))
    prompt_version: Mapped[str] = mapped_column(String(64))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Subscription(Base):
    """A chat's daily digest schedule (local wall-clock time in an IANA zone)."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM"
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_reason: Mapped[str] = mapped_column(String(128), default="")
    thread_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # forum topic
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Feed(Base):
    """An RSS/Atom feed a chat follows."""

    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("chat_id", "url", name="uq_feed_chat_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    etag: Mapped[str] = mapped_column(Text, default="")
    last_modified: Mapped[str] = mapped_column(Text, default="")
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeedItem(Base):
    """An item seen in a feed; `digested_at` is set once it went into a digest."""

    __tablename__ = "feed_items"
    __table_args__ = (UniqueConstraint("feed_id", "guid", name="uq_feed_item_guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    guid: Mapped[str] = mapped_column(String(512))
    url: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class Delivery(Base):
    """One digest for one subscription on one local date: claimed before sending, completed after."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "local_date", name="uq_delivery_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    local_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(
        String(16), default="claimed"
    )  # claimed|sent|skipped|failed
    claimed_by: Mapped[str] = mapped_column(String(128), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    messages_sent: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(Text, default="")


class RecapOptIn(Base):
    """A group whose admin turned recaps on (/recap on): only then are its messages stored."""

    __tablename__ = "recap_opt_ins"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    enabled_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GroupMessage(Base):
    """One message of an opted-in group, kept for a bounded time for /recap."""

    __tablename__ = "group_messages"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_group_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    author: Mapped[str] = mapped_column(String(128), default="")
    text: Mapped[str] = mapped_column(Text)
    reply_to: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ArticleSource(Base):
    """An article's cleaned text as read, kept so that questions about its summary can be
    answered (digest filters keep their own tokenised form in `article_texts`)."""

    __tablename__ = "article_sources"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text, default="", index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SummaryMessage(Base):
    """A message the bot sent with a summary, and the article (by content hash) it summarised."""

    __tablename__ = "summary_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TopicSetting(Base):
    """A forum topic's own auto mode, overriding the chat's (/auto on|off sent in the topic)."""

    __tablename__ = "topic_settings"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    auto_mode: Mapped[bool] = mapped_column(Boolean, default=False)
