"""Per-topic settings of forum supergroups: a topic's own auto mode overrides the chat's."""

from __future__ import annotations

from bot.storage.db import Database
from bot.storage.schema import TopicSetting


class TopicSettings:
    """Read and write `topic_settings`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def set_auto(self, chat_id: int, thread_id: int, on: bool) -> None:
        """Turn auto mode on or off for one topic."""
        insert = self.db.insert
        async with self.db.session() as session:
            await session.execute(
                insert(TopicSetting)
                .values(chat_id=chat_id, thread_id=thread_id, auto_mode=on)
                .on_conflict_do_update(
                    index_elements=["chat_id", "thread_id"], set_={"auto_mode": on}
                )
            )
            await session.commit()

    async def auto(self, chat_id: int, thread_id: int | None, chat_default: bool) -> bool:
        """Whether auto mode is on in the topic: its own setting, else the chat's."""
        if thread_id is None:
            return chat_default
        async with self.db.session() as session:
            row = await session.get(TopicSetting, (chat_id, thread_id))
        return chat_default if row is None else row.auto_mode
