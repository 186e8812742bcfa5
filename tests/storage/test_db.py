from __future__ import annotations

from sqlalchemy import inspect

from bot.storage.db import Database, async_url, sync_url

TABLES = {
    "chats",
    "summaries",
    "chat_articles",
    "usage",
    "subscriptions",
    "feeds",
    "feed_items",
    "deliveries",
}


def test_urls_pick_drivers() -> None:
    assert async_url("sqlite:///data/bot.db") == "sqlite+aiosqlite:///data/bot.db"
    assert sync_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert async_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_sqlite_migrates_on_open(tmp_path) -> None:
    db = await Database.open(f"sqlite:///{tmp_path / 'sub' / 'bot.db'}")
    try:
        assert TABLES <= await _tables(db)
    finally:
        await db.close()


async def test_postgres_migrates_on_open(pg_database_url: str) -> None:
    db = await Database.open(pg_database_url)
    try:
        assert TABLES <= await _tables(db)
    finally:
        await db.close()
