"""Stored group messages: nothing without opt-in, re-deliveries once, forget, purge, migrate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.models import ChatMessage
from bot.storage.chats import ChatRepository
from bot.storage.db import Database
from bot.storage.group_messages import GroupMessages

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GROUP = -1001234567890


def message(i: int, user: int = 1, minutes: int = 0, reply_to: int | None = None) -> ChatMessage:
    return ChatMessage(
        i,
        f"user{user}",
        f"message number {i}",
        T0 + timedelta(minutes=minutes or i),
        user_id=user,
        reply_to=reply_to,
    )


async def test_nothing_is_stored_until_the_group_opts_in(db: Database) -> None:
    store = GroupMessages(db, FakeClock(T0))
    assert not await store.record(GROUP, message(1))
    assert await store.since(GROUP, T0 - timedelta(days=1)) == ([], 0)
    assert await store.enable(GROUP, 7)
    assert not await store.enable(GROUP, 7)
    assert await store.record(GROUP, message(2))
    assert not await store.record(GROUP, message(2))  # a re-delivered update is stored once
    messages, more = await store.since(GROUP, T0 - timedelta(days=1))
    assert [m.message_id for m in messages] == [2] and more == 0
    assert messages[0].at == T0 + timedelta(minutes=2)


async def test_since_returns_the_newest_within_the_limit_and_counts_the_rest(db: Database) -> None:
    store = GroupMessages(db, FakeClock(T0))
    await store.enable(GROUP, None)
    for i in range(1, 11):
        await store.record(GROUP, message(i, user=i % 3))
    messages, more = await store.since(GROUP, T0, limit=4)
    assert [m.message_id for m in messages] == [7, 8, 9, 10]
    assert more == 6
    assert await store.last_message_at(GROUP, 2) == T0 + timedelta(minutes=8)


async def test_forget_off_and_purge_delete(db: Database) -> None:
    store = GroupMessages(db, FakeClock(T0))
    await store.enable(GROUP, None)
    for i in range(1, 7):
        await store.record(GROUP, message(i, user=1 if i <= 3 else 2))
    assert await store.forget(GROUP, 1) == 3
    assert await store.purge(T0 + timedelta(minutes=5)) == 1  # message 4 is older
    assert [m.message_id for m in (await store.since(GROUP, T0))[0]] == [5, 6]
    assert await store.disable(GROUP) == 2
    assert not await store.is_enabled(GROUP)
    assert not await store.record(GROUP, message(9))


async def test_a_group_that_becomes_a_supergroup_keeps_its_recap_state(db: Database) -> None:
    store = GroupMessages(db, FakeClock(T0))
    old, new = -4242, -1004242
    await store.enable(old, None)
    await store.record(old, message(1))
    await ChatRepository(db, FakeClock(T0)).migrate(old, new)
    assert await store.is_enabled(new)
    assert [m.message_id for m in (await store.since(new, T0 - timedelta(hours=1)))[0]] == [1]
