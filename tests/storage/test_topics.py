"""Per-topic auto mode: the topic's own setting, else the chat's."""

from __future__ import annotations

from bot.storage.db import Database
from bot.storage.topics import TopicSettings

CHAT = -1001234567890


async def test_a_topic_overrides_the_chat(db: Database) -> None:
    topics = TopicSettings(db)
    assert await topics.auto(CHAT, 5, chat_default=True)
    assert not await topics.auto(CHAT, None, chat_default=False)
    await topics.set_auto(CHAT, 5, False)
    assert not await topics.auto(CHAT, 5, chat_default=True)
    await topics.set_auto(CHAT, 5, True)
    assert await topics.auto(CHAT, 5, chat_default=False)
    assert not await topics.auto(CHAT, 6, chat_default=False)
    assert not await topics.auto(CHAT - 1, 5, chat_default=False)
