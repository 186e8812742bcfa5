"""Chat settings repository: defaults, updates, blocked chats, supergroup moves, usage sums."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.storage.chats import ChatRepository
from bot.storage.db import Database
from bot.storage.schema import ChatArticle, Delivery, Feed, Subscription, Usage
from testsupport.corpora import requires_postgres

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def test_defaults_update_and_ensure_keeps_settings(db: Database) -> None:
    repo = ChatRepository(db, FakeClock(NOW))
    assert (await repo.get(5)).summary_length == "medium"
    await repo.ensure(-5, type="group", title="G")
    await repo.update(-5, summary_length="short", auto_mode=True, summary_language="de")
    again = await repo.ensure(-5, type="group", title="G renamed")
    assert (again.summary_length, again.auto_mode, again.summary_language, again.title) == (
        "short",
        True,
        "de",
        "G renamed",
    )
    with pytest.raises(ValueError):
        await repo.update(-5, summary_length="huge")
    with pytest.raises(ValueError):
        await repo.update(-5, id=3)


async def test_blocked_mark_and_clear(db: Database) -> None:
    repo = ChatRepository(db, FakeClock(NOW))
    assert not await repo.is_blocked(9)
    await repo.mark_blocked(9)
    assert await repo.is_blocked(9)
    assert (await repo.get(9)).blocked_at is not None
    await repo.clear_blocked(9)
    assert not await repo.is_blocked(9)


async def _migrate_moves_everything(db: Database) -> None:
    clock = FakeClock(NOW)
    repo = ChatRepository(db, clock)
    old, new = -42, -10042
    await repo.ensure(old, type="group", title="Team")
    await repo.update(old, auto_mode=True, summary_length="long")
    await repo.ensure(new, type="supergroup", title="Team")  # created by an early update
    async with db.session() as session:
        session.add(ChatArticle(chat_id=old, content_hash="h", created_at=NOW))
        session.add(
            Usage(chat_id=old, content_hash="h", model="m", prompt_version="1", created_at=NOW)
        )
        session.add(Feed(chat_id=old, url="https://a/feed", created_at=NOW))
        session.add(Feed(chat_id=old, url="https://b/feed", created_at=NOW))
        session.add(Feed(chat_id=new, url="https://b/feed", created_at=NOW))
        sub = Subscription(chat_id=old, local_time="08:00", created_at=NOW)
        session.add(sub)
        await session.flush()
        session.add(
            Delivery(subscription_id=sub.id, chat_id=old, local_date=date(2026, 3, 1), due_at=NOW)
        )
    await repo.migrate(old, new)
    moved = await repo.get(new)
    assert (moved.auto_mode, moved.summary_length, moved.type) == (True, "long", "supergroup")
    assert (await repo.get(old)).auto_mode is False  # the old id is gone (defaults)
    async with db.session() as session:
        for table in (ChatArticle, Usage, Subscription, Delivery):
            ids = set((await session.scalars(select(table.chat_id))).all())
            assert ids == {new}, table
        feeds = (await session.execute(select(Feed.chat_id, Feed.url))).all()
        assert sorted(feeds) == [
            (new, "https://a/feed"),
            (new, "https://b/feed"),
            (old, "https://b/feed"),
        ]
    await repo.migrate(old, new)  # a second notice (both service messages) is harmless
    # A late update from the old id re-creates it with defaults; a third notice must not let
    # that stale row overwrite the moved settings.
    clock.advance(60)
    await repo.ensure(old, type="group", title="Team")
    await repo.migrate(old, new)
    assert (await repo.get(new)).auto_mode is True


async def test_migrate_moves_settings_history_and_subscriptions(db: Database) -> None:
    await _migrate_moves_everything(db)


@requires_postgres
async def test_migrate_on_postgres(pg_database_url: str) -> None:
    database = await Database.open(pg_database_url)
    try:
        await _migrate_moves_everything(database)
    finally:
        await database.close()


async def test_usage_sums_and_user_tokens(db: Database) -> None:
    repo = ChatRepository(db, FakeClock(NOW))
    async with db.session() as session:
        for i, cached in enumerate((False, False, True)):
            session.add(
                Usage(
                    chat_id=1,
                    user_id=1,
                    content_hash=f"h{i}",
                    model="m",
                    prompt_version="1",
                    prompt_tokens=100,
                    completion_tokens=10,
                    cached=cached,
                    created_at=NOW - timedelta(days=i),
                )
            )
        session.add(ChatArticle(chat_id=1, content_hash="h0", created_at=NOW))
    total = await repo.usage_for_chat(1)
    assert (total.requests, total.articles, total.tokens, total.cached) == (3, 1, 330, 1)
    today = await repo.usage_for_chat(1, NOW - timedelta(hours=1))
    assert (today.requests, today.tokens) == (1, 110)
    assert await repo.user_tokens_since(1, NOW - timedelta(days=5)) == 220  # cache hits are free
    assert (await repo.usage_total()).requests == 3
