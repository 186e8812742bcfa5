"""Stored group messages for /recap: only for groups that opted in, and only for a bounded time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from bot.clock import Clock, SystemClock
from bot.models import ChatMessage
from bot.storage.db import Database
from bot.storage.schema import GroupMessage, RecapOptIn

AUTHOR_MAX = 128


class GroupMessages:
    """Opt-in state and the messages of opted-in groups."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    async def enable(self, chat_id: int, user_id: int | None) -> bool:
        """Turn recaps on; False when they already were."""
        async with self.db.session() as session:
            if await session.get(RecapOptIn, chat_id) is not None:
                return False
            session.add(
                RecapOptIn(chat_id=chat_id, enabled_by=user_id, enabled_at=self.clock.now())
            )
            await session.commit()
        return True

    async def disable(self, chat_id: int) -> int:
        """Turn recaps off and delete every stored message of the chat; how many were deleted."""
        async with self.db.session() as session:
            await session.execute(delete(RecapOptIn).where(RecapOptIn.chat_id == chat_id))
            result = await session.execute(
                delete(GroupMessage).where(GroupMessage.chat_id == chat_id)
            )
            await session.commit()
        return int(result.rowcount or 0)

    async def is_enabled(self, chat_id: int) -> bool:
        """Whether the chat opted in."""
        async with self.db.session() as session:
            return await session.get(RecapOptIn, chat_id) is not None

    async def record(self, chat_id: int, message: ChatMessage) -> bool:
        """Store a message if the chat opted in (the check and the write are one transaction)."""
        async with self.db.session() as session:
            if await session.get(RecapOptIn, chat_id) is None:
                return False
            exists = await session.scalar(
                select(GroupMessage.id).where(
                    GroupMessage.chat_id == chat_id, GroupMessage.message_id == message.message_id
                )
            )
            if exists is not None:
                return False  # Telegram re-delivered the update
            session.add(
                GroupMessage(
                    chat_id=chat_id,
                    message_id=message.message_id,
                    thread_id=message.thread_id,
                    user_id=message.user_id,
                    author=message.author[:AUTHOR_MAX],
                    text=message.text,
                    reply_to=message.reply_to,
                    created_at=message.at,
                )
            )
            await session.commit()
        return True

    async def since(
        self, chat_id: int, after: datetime, *, thread_id: int | None = None, limit: int = 500
    ) -> tuple[list[ChatMessage], int]:
        """The newest `limit` messages after `after` (oldest first) and how many more there were."""
        conditions = [GroupMessage.chat_id == chat_id, GroupMessage.created_at > after]
        if thread_id is not None:
            conditions.append(GroupMessage.thread_id == thread_id)
        async with self.db.session() as session:
            total = int(
                await session.scalar(select(func.count(GroupMessage.id)).where(*conditions)) or 0
            )
            rows = (
                await session.scalars(
                    select(GroupMessage)
                    .where(*conditions)
                    .order_by(GroupMessage.created_at.desc(), GroupMessage.message_id.desc())
                    .limit(limit)
                )
            ).all()
        messages = [
            ChatMessage(
                message_id=row.message_id,
                author=row.author,
                text=row.text,
                at=row.created_at,
                user_id=row.user_id,
                reply_to=row.reply_to,
                thread_id=row.thread_id,
            )
            for row in reversed(rows)
        ]
        return messages, max(0, total - len(messages))

    async def last_message_at(self, chat_id: int, user_id: int) -> datetime | None:
        """When `user_id` last wrote in the chat (as far as stored)."""
        async with self.db.session() as session:
            return await session.scalar(
                select(func.max(GroupMessage.created_at)).where(
                    GroupMessage.chat_id == chat_id, GroupMessage.user_id == user_id
                )
            )

    async def forget(self, chat_id: int, user_id: int) -> int:
        """Delete the user's stored messages in the chat; how many."""
        async with self.db.session() as session:
            result = await session.execute(
                delete(GroupMessage).where(
                    GroupMessage.chat_id == chat_id, GroupMessage.user_id == user_id
                )
            )
            await session.commit()
        return int(result.rowcount or 0)

    async def purge(self, older_than: datetime) -> int:
        """Delete messages past the retention time, in every chat; how many."""
        async with self.db.session() as session:
            result = await session.execute(
                delete(GroupMessage).where(GroupMessage.created_at < older_than)
            )
            await session.commit()
        return int(result.rowcount or 0)
