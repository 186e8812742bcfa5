from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.models import CacheKey, Summary, content_hash
from bot.storage.cache import SummaryCache, UsageLog
from bot.storage.db import Database

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = CacheKey(
    content_hash=content_hash("Blinken said Russia showed no interest in talks."),
    prompt_version="summarize@1+map@1+reduce@1",
    model="gpt-4o-mini",
    length="medium",
    language="",
)
SUMMARY = Summary(
    text="- **Blinken** said Russia showed “no interest”.",
    model="gpt-4o-mini",
    prompt_version=KEY.prompt_version,
    prompt_tokens=812,
    completion_tokens=95,
    language="",
    length="medium",
)


def test_same_text_from_two_urls_has_the_same_hash() -> None:
    from_site = "Blinken said Russia showed\nno interest in talks.  "
    from_mirror = "  Blinken said Russia showed no interest in talks."
    assert content_hash(from_site) == content_hash(from_mirror) == KEY.content_hash
    assert len(KEY.content_hash) == 64
    # NFKC: the same text with a non-breaking space and a ligature still matches.
    assert content_hash("ﬁre\u00a0crews") == content_hash("fire crews")
    assert content_hash("Blinken said yes.") != content_hash("Blinken said no.")


@given(st.text(), st.sampled_from([" ", "\n", "\t", "  \n "]))
def test_hash_ignores_whitespace_layout(text: str, gap: str) -> None:
    words = text.split()
    assert content_hash(" ".join(words)) == content_hash(gap.join(words) + gap)


async def open_db(url: str) -> Database:
    return await Database.open(url)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await open_db(f"sqlite:///{tmp_path / 'cache.db'}")
    yield db
    await db.close()


async def test_round_trip(db: Database) -> None:
    cache = SummaryCache(db, clock=FakeClock(T0))
    assert await cache.get(KEY) is None
    row_id = await cache.put(KEY, SUMMARY, title="Blinken on talks", url="https://a.example/1")
    hit = await cache.get(KEY)
    assert hit == replace(SUMMARY, cached=True, prompt_tokens=0, completion_tokens=0)
    assert await cache.get_id(KEY) == row_id


@pytest.mark.parametrize("field", ["content_hash", "prompt_version", "model", "length", "language"])
async def test_every_key_part_matters(sqlite_db: Database, field: str) -> None:
    cache = SummaryCache(sqlite_db)
    await cache.put(KEY, SUMMARY)
    other = replace(KEY, **{field: "other"})
    assert await cache.get(other) is None
    other_id = await cache.put(other, replace(SUMMARY, text="- different"))
    assert other_id != await cache.get_id(KEY)
    hit = await cache.get(other)
    assert hit is not None and hit.text == "- different"


async def test_put_is_idempotent_under_races(db: Database) -> None:
    cache = SummaryCache(db)
    ids = await asyncio.gather(
        *(cache.put(KEY, replace(SUMMARY, text=f"- version {i}")) for i in range(5))
    )
    assert len(set(ids)) == 1
    hit = await cache.get(KEY)
    assert hit is not None and hit.text.startswith("- version ")


async def test_usage_totals_and_quota_window(db: Database) -> None:
    log = UsageLog(db)
    hit = replace(SUMMARY, cached=True, prompt_tokens=0, completion_tokens=0)
    await log.record(chat_id=10, user_id=7, content_hash=KEY.content_hash, summary=SUMMARY, at=T0)
    await log.record(
        chat_id=10, user_id=7, content_hash=KEY.content_hash, summary=hit, at=T0 + timedelta(1)
    )
    offline = Summary(text="- x", model="offline", prompt_version="offline-1")
    await log.record(
        chat_id=11, user_id=7, content_hash="h2", summary=offline, at=T0 + timedelta(hours=30)
    )
    later = replace(SUMMARY, prompt_tokens=100, completion_tokens=20)
    await log.record(
        chat_id=11, user_id=8, content_hash="h3", summary=later, at=T0 + timedelta(hours=30)
    )

    totals = await log.chat_totals(10)
    assert (totals.articles, totals.prompt_tokens, totals.completion_tokens, totals.cached) == (
        2,
        812,
        95,
        1,
    )
    assert totals.total_tokens == 907
    assert (await log.chat_totals(999)).articles == 0
    assert await log.user_tokens_since(7, T0) == 907
    assert await log.user_tokens_since(7, T0 + timedelta(hours=1)) == 0
    assert await log.user_tokens_since(8, T0 + timedelta(hours=29)) == 120
    # The same instant in another zone is the same quota window.
    berlin = timezone(timedelta(hours=1))
    assert await log.user_tokens_since(7, (T0 + timedelta(hours=1)).astimezone(berlin)) == 0
    assert await log.user_tokens_since(7, T0.astimezone(berlin)) == 907
