"""The database queues instead of failing (issue #12): a burst of 1,000 concurrent updates is
served on SQLite and PostgreSQL, a wait past the bound is a clear busy error, sessions never nest
and are never held across network I/O."""

from __future__ import annotations

import ast
import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.errors import StorageBusyError
from bot.metrics import Metrics
from bot.models import CacheKey, Summary
from bot.storage.articles import ChatArticles
from bot.storage.cache import SummaryCache, UsageLog
from bot.storage.chats import ChatRepository
from bot.storage.db import Database, pool_size_for, session_held
from bot.storage.schema import ChatArticle, Usage

BURST = 1_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'burst.db'}"
    return request.getfixturevalue("pg_database_url")


KEYS = [CacheKey(f"hash{n}", "v1", "offline", "medium", "") for n in range(10)]


async def one_update(db: Database, chat_id: int) -> None:
    """What handling one link does to the database, in the order the bot does it."""
    chats = ChatRepository(db)
    current = await chats.get(chat_id)
    if current.title != f"chat {chat_id}":
        await chats.ensure(chat_id, type="private", title=f"chat {chat_id}")
    key = KEYS[chat_id % len(KEYS)]
    summary = Summary(text="- A said B.", model="offline", prompt_version="v1")
    # Ten articles shared by a hundred chats each: concurrent puts of the same key all succeed.
    summary_id = await SummaryCache(db).put(key, summary, title="T", url="https://a.example/")
    now = datetime.now(UTC)
    await UsageLog(db).record(
        chat_id=chat_id, user_id=chat_id, content_hash=key.content_hash, summary=summary, at=now
    )
    await ChatArticles(db).record(
        chat_id=chat_id,
        content_hash=key.content_hash,
        url="https://a.example/",
        title="T",
        site="",
        summary_id=summary_id,
        origin="message",
        at=now,
    )


async def test_a_burst_of_1000_updates_queues_and_every_one_is_stored(database_url: str) -> None:
    metrics = Metrics()
    # The pool the bot would have for its default 256 concurrent updates.
    db = await Database.open(database_url, concurrency=256, metrics=metrics)
    try:
        assert db.pool_size == pool_size_for(256, db.engine.dialect.name)
        results = await asyncio.gather(
            *(one_update(db, 50_000 + i) for i in range(BURST)), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert errors == []
        async with db.read() as session:
            assert await session.scalar(select(func.count()).select_from(ChatArticle)) == BURST
            assert await session.scalar(select(func.count()).select_from(Usage)) == BURST
        waits = metrics.registry.get_sample_value("bot_db_wait_seconds_count", {"kind": "write"})
        # Two write transactions per update (chat row, summary); the two log rows of every
        # update were group-committed in a handful of batches.
        assert waits is not None and 2 * BURST <= waits < 2 * BURST + 100
        assert metrics.registry.get_sample_value("bot_db_busy_total") == 0
        assert metrics.registry.get_sample_value("bot_db_waiting_sessions") == 0
    finally:
        await db.close()


async def test_a_wait_past_the_bound_is_a_clear_busy_error_and_counted(tmp_path: Path) -> None:
    metrics = Metrics()
    db = await Database.open(
        f"sqlite:///{tmp_path / 'b.db'}", pool_size=1, queue_timeout=0.2, metrics=metrics
    )
    try:
        release = asyncio.Event()

        async def hold() -> None:
            async with db.session():
                await release.wait()

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0.05)
        with pytest.raises(StorageBusyError) as caught:
            await ChatRepository(db).get(1)
        assert "busy" in caught.value.user_message
        assert metrics.registry.get_sample_value("bot_db_busy_total") == 1
        release.set()
        await holder
        assert (await ChatRepository(db).get(1)).id == 1  # the slot came back
    finally:
        await db.close()


async def test_sqlite_readers_do_not_wait_for_the_writer(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite:///{tmp_path / 'w.db'}", pool_size=4)
    try:
        release = asyncio.Event()

        async def write() -> None:
            async with db.session():
                await release.wait()

        writer = asyncio.create_task(write())
        await asyncio.sleep(0.05)
        assert (await asyncio.wait_for(ChatRepository(db).get(7), 2)).id == 7
        second = asyncio.create_task(ChatRepository(db).ensure(7))
        await asyncio.sleep(0.1)
        assert not second.done()  # the second writer waits its turn for the one writer
        release.set()
        await writer
        assert (await second).id == 7
    finally:
        await db.close()


async def test_a_session_inside_a_session_is_refused_at_once(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite:///{tmp_path / 'n.db'}")
    try:
        async with db.session():
            assert session_held() == "write"
            with pytest.raises(RuntimeError, match="inside another"):
                await ChatRepository(db).get(1)
        assert session_held() is None
    finally:
        await db.close()


def test_pool_size_follows_the_configured_concurrency() -> None:
    assert pool_size_for(256, "postgresql") == 32
    assert pool_size_for(64, "postgresql") == 8
    assert pool_size_for(8, "postgresql") == 4
    assert pool_size_for(256, "sqlite") == 8
    assert pool_size_for(256, "postgresql", configured=50) == 50


NETWORK_MODULES = ("httpx", "openai", "telegram", "bot.ingest.fetch", "bot.summarise")


def test_storage_never_reaches_the_network_and_only_storage_opens_sessions() -> None:
    """A session opened in bot/storage cannot span a fetch, an LLM or a Bot API call, because
    storage imports none of them; and no other layer opens a session itself."""
    for path in sorted((ROOT / "bot" / "storage").glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(NETWORK_MODULES), f"{path.name} imports {name}"
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.parent.name == "storage" or "migrations" in path.parts:
            continue
        if path.name == "services.py":
            continue  # the start-up write check: one rolled-back DELETE, before any network
        text = path.read_text("utf-8")
        for opener in ("db.session()", "db.read()", ".sessions()"):
            assert opener not in text, f"{path.relative_to(ROOT)} opens a session ({opener})"


async def test_log_rows_are_group_committed_and_a_bad_row_fails_alone(database_url: str) -> None:
    metrics = Metrics()
    db = await Database.open(database_url, metrics=metrics)
    try:
        now = datetime.now(UTC)

        def row(chat_id: int, content_hash: str | None = "h") -> ChatArticle:
            return ChatArticle(chat_id=chat_id, content_hash=content_hash, created_at=now)

        # content_hash is NOT NULL: that one row is refused, its 199 neighbours are stored.
        results = await asyncio.gather(
            *(db.append(row(i, None if i == 7 else "h")) for i in range(200)),
            return_exceptions=True,
        )
        failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
        assert failed == [7]
        async with db.read() as session:
            assert await session.scalar(select(func.count()).select_from(ChatArticle)) == 199
        # 200 rows took far fewer than 200 write transactions (first one, then the batch, then
        # the retries of that batch one by one).
        writes = metrics.registry.get_sample_value("bot_db_wait_seconds_count", {"kind": "write"})
        assert writes is not None and writes <= 2 + 199 + 1
        await asyncio.gather(*(db.append(row(1000 + i)) for i in range(300)))
        later = metrics.registry.get_sample_value("bot_db_wait_seconds_count", {"kind": "write"})
        assert later is not None and later - writes <= 3
    finally:
        await db.close()
