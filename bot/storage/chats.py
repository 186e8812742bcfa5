"""Chat settings repository: per-chat options, blocked chats, group→supergroup moves, usage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update

from bot.clock import Clock, SystemClock
from bot.models import LENGTHS
from bot.storage.db import Database
from bot.storage.schema import (
    Chat,
    ChatArticle,
    Delivery,
    Feed,
    GroupMessage,
    RecapOptIn,
    Subscription,
    Usage,
)

# Tables whose rows belong to a chat and must follow it when a group becomes a supergroup.
CHAT_KEYED = (ChatArticle, Usage, Feed, Delivery, GroupMessage, RecapOptIn)
EDITABLE = frozenset({"summary_length", "summary_language", "auto_mode", "timezone", "title"})


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """A chat's settings as the handlers use them."""

    id: int
    type: str = "private"
    title: str = ""
    username: str = ""
    summary_length: str = "medium"
    summary_language: str = ""
    auto_mode: bool = False
    blocked_at: datetime | None = None

    @property
    def blocked(self) -> bool:
        """True once Telegram said the bot may not write here (blocked or removed)."""
        return self.blocked_at is not None


@dataclass(frozen=True, slots=True)
class UsageStats:
    """Articles and tokens in some window."""

    requests: int = 0
    articles: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: int = 0

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


def _settings(row: Chat) -> ChatSettings:
    return ChatSettings(
        id=row.id,
        type=row.type,
        title=row.title,
        username=row.username,
        summary_length=row.summary_length,
        summary_language=row.summary_language,
        auto_mode=row.auto_mode,
        blocked_at=row.blocked_at,
    )


class ChatRepository:
    """Reads and writes chat rows; every method opens its own short transaction."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def _insert(self, values: dict[str, Any]) -> Any:
        insert = self.db.insert
        return insert(Chat).values(**values).on_conflict_do_nothing(index_elements=[Chat.id])

    async def get(self, chat_id: int) -> ChatSettings:
        """The chat's settings, or the defaults when the bot has not stored it yet."""
        async with self.db.read() as session:
            row = await session.get(Chat, chat_id)
            return _settings(row) if row is not None else ChatSettings(id=chat_id)

    async def ensure(
        self, chat_id: int, *, type: str = "private", title: str = "", username: str = ""
    ) -> ChatSettings:
        """Create the chat row if missing (keeping existing settings) and refresh its names."""
        async with self.db.session() as session:
            values = {
                "id": chat_id,
                "type": type,
                "title": title[:256],
                "username": (username or "")[:64],
                "created_at": self.clock.now(),
            }
            await session.execute(self._insert(values))
            row = await session.get(Chat, chat_id, populate_existing=True)
            assert row is not None
            if (row.type, row.title, row.username) != (type, title[:256], (username or "")[:64]):
                row.type, row.title, row.username = type, title[:256], (username or "")[:64]
            return _settings(row)

    async def update(self, chat_id: int, **fields: Any) -> ChatSettings:
        """Change settings (summary_length, summary_language, auto_mode, timezone, title)."""
        unknown = set(fields) - EDITABLE
        if unknown:
            raise ValueError(f"not a chat setting: {', '.join(sorted(unknown))}")
        if "summary_length" in fields and fields["summary_length"] not in LENGTHS:
            raise ValueError(f"summary_length must be one of {', '.join(LENGTHS)}")
        async with self.db.session() as session:
            await session.execute(self._insert({"id": chat_id, "created_at": self.clock.now()}))
            row = await session.get(Chat, chat_id, populate_existing=True)
            assert row is not None
            for key, value in fields.items():
                setattr(row, key, value)
            return _settings(row)

    async def mark_blocked(self, chat_id: int) -> None:
        """Record that Telegram refused a send (user blocked the bot, bot removed from chat)."""
        async with self.db.session() as session:
            await session.execute(self._insert({"id": chat_id, "created_at": self.clock.now()}))
            await session.execute(
                update(Chat).where(Chat.id == chat_id).values(blocked_at=self.clock.now())
            )

    async def clear_blocked(self, chat_id: int) -> None:
        """The chat wrote to the bot again (unblocked / re-added): sending is allowed again."""
        async with self.db.session() as session:
            await session.execute(
                update(Chat)
                .where(Chat.id == chat_id, Chat.blocked_at.is_not(None))
                .values(blocked_at=None)
            )

    async def is_blocked(self, chat_id: int) -> bool:
        """True when sends to this chat are known to fail with Forbidden."""
        async with self.db.read() as session:
            value = await session.scalar(select(Chat.blocked_at).where(Chat.id == chat_id))
            return value is not None

    async def migrate(self, old_id: int, new_id: int) -> None:
        """Move a group's settings, history and subscriptions to its new supergroup id."""
        if old_id == new_id:
            return
        async with self.db.session() as session:
            old = await session.get(Chat, old_id)
            new = await session.get(Chat, new_id)
            if old is not None and new is not None and new.created_at < old.created_at:
                # The supergroup row is the group's own, moved earlier; this old row was
                # re-created by a late update from the old id and holds only defaults.
                await session.delete(old)
                await session.flush()
            elif old is not None:
                # The group's settings win over a supergroup row that an early update created
                # before the migration was noticed.
                if new is not None:
                    await session.delete(new)
                    await session.flush()
                await session.execute(
                    update(Chat)
                    .where(Chat.id == old_id)
                    .values(id=new_id, type="supergroup", blocked_at=None)
                )
            new_sub = await session.scalar(
                select(Subscription.id).where(Subscription.chat_id == new_id)
            )
            old_sub = await session.scalar(
                select(Subscription.id).where(Subscription.chat_id == old_id)
            )
            if old_sub is not None and new_sub is not None:
                # One schedule per chat: the group's own (older) subscription wins.
                await session.execute(delete(Subscription).where(Subscription.id == new_sub))
            await session.execute(
                update(Subscription).where(Subscription.chat_id == old_id).values(chat_id=new_id)
            )
            for table in CHAT_KEYED:
                if table is Feed:
                    # (chat_id, url) is unique: keep the supergroup's copy of a feed followed twice.
                    existing = select(Feed.url).where(Feed.chat_id == new_id)
                    await session.execute(
                        update(Feed)
                        .where(Feed.chat_id == old_id, Feed.url.not_in(existing))
                        .values(chat_id=new_id)
                    )
                    continue
                if table is RecapOptIn:
                    # chat_id is the key: the supergroup keeps its own opt-in if it has one.
                    if await session.get(RecapOptIn, new_id) is not None:
                        continue
                await session.execute(
                    update(table).where(table.chat_id == old_id).values(chat_id=new_id)
                )

    async def usage_for_chat(self, chat_id: int, since: datetime | None = None) -> UsageStats:
        """Summaries requested in this chat and the tokens they cost (optionally since a time)."""
        conditions = [Usage.chat_id == chat_id]
        article_conditions = [ChatArticle.chat_id == chat_id]
        if since is not None:
            conditions.append(Usage.created_at >= since)
            article_conditions.append(ChatArticle.created_at >= since)
        return await self._usage(conditions, article_conditions)

    async def usage_total(self, since: datetime | None = None) -> UsageStats:
        """Usage across all chats (for /stats)."""
        conditions: list[Any] = []
        article_conditions: list[Any] = []
        if since is not None:
            conditions.append(Usage.created_at >= since)
            article_conditions.append(ChatArticle.created_at >= since)
        return await self._usage(conditions, article_conditions)

    async def _usage(self, conditions: list[Any], article_conditions: list[Any]) -> UsageStats:
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(
                        func.count(Usage.id),
                        func.coalesce(func.sum(Usage.prompt_tokens), 0),
                        func.coalesce(func.sum(Usage.completion_tokens), 0),
                        func.coalesce(func.sum(case((Usage.cached.is_(True), 1), else_=0)), 0),
                    ).where(*conditions)
                )
            ).one()
            articles = await session.scalar(
                select(func.count(ChatArticle.id)).where(*article_conditions)
            )
        return UsageStats(
            requests=int(row[0]),
            articles=int(articles or 0),
            prompt_tokens=int(row[1]),
            completion_tokens=int(row[2]),
            cached=int(row[3]),
        )

    async def user_tokens_since(self, user_id: int, since: datetime) -> int:
        """LLM tokens this user spent since `since` (cache hits cost nothing)."""
        async with self.db.read() as session:
            value = await session.scalar(
                select(
                    func.coalesce(func.sum(Usage.prompt_tokens + Usage.completion_tokens), 0)
                ).where(
                    Usage.user_id == user_id, Usage.created_at >= since, Usage.cached.is_(False)
                )
            )
            return int(value or 0)

    async def chat_counts(self) -> dict[str, int]:
        """How many chats of each type the bot knows, plus how many blocked it (for /stats)."""
        async with self.db.read() as session:
            rows = (
                await session.execute(select(Chat.type, func.count()).group_by(Chat.type))
            ).all()
            blocked = await session.scalar(
                select(func.count()).select_from(Chat).where(Chat.blocked_at.is_not(None))
            )
        counts = {str(kind): int(n) for kind, n in rows}
        counts["blocked"] = int(blocked or 0)
        return counts
