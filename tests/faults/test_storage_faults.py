"""Storage faults: counts that differ between SQLite and PostgreSQL, a failing database."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.db import Database
from bot.storage.digests import DigestStore

NOW = datetime(2025, 6, 2, 7, 50, tzinfo=UTC)


async def test_insert_skip_duplicates_counts_new_rows_on_every_database(db: Database) -> None:
    """Item 1: PostgreSQL reported rowcount -1 for a skipped insert, so old items came back."""
    store = DigestStore(db)
    assert await store.add_feed(5, "https://a.example/rss", "A", now=NOW) is True
    assert await store.add_feed(5, "https://a.example/rss", "A", now=NOW) is False
    feeds = [(f"https://f{i}.example/rss", "") for i in range(6)]
    assert await store.add_feeds(5, feeds[:2], now=NOW) == 2
    assert await store.add_feeds(5, feeds, now=NOW) == 4
    feed_id = (await store.feeds(5))[0].id
    items = [(f"g{i}", f"https://a.example/{i}", f"T{i}", None) for i in range(3)]
    counts = [len(await store.add_feed_items(feed_id, items, now=NOW)) for _ in range(3)]
    assert counts == [3, 0, 0]
