"""Articles behind summaries: kept texts, which message showed which, by URL, newest summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.models import CacheKey, Summary
from bot.storage.article_texts import ArticleTexts
from bot.storage.cache import SummaryCache
from bot.storage.db import Database

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CHAT = -1001234567890
HASH = "f" * 64


async def test_a_summary_message_leads_to_its_article(db: Database) -> None:
    texts = ArticleTexts(db, FakeClock(T0))
    assert await texts.for_message(CHAT, 5) is None
    await texts.put(HASH, url="https://example.org/a", title="Bridge", text="The text.")
    await texts.put(HASH, url="https://example.org/other", title="Again", text="The text.")
    await texts.remember_messages(CHAT, [5, 6], HASH)
    await texts.remember_messages(CHAT, [5], HASH)  # remembered once
    article = await texts.for_message(CHAT, 6)
    assert article is not None and article.text == "The text."
    assert article.url == "https://example.org/a"  # the first URL stays
    assert await texts.for_message(CHAT + 1, 6) is None
    assert (await texts.for_url("https://example.org/a")) == article
    assert await texts.for_url("https://example.org/nothing") is None
    assert await texts.purge(T0 + timedelta(seconds=1)) == 2
    assert await texts.for_message(CHAT, 6) is None
    assert await texts.by_hash(HASH) == article  # the text itself is the summary cache's peer


async def test_the_newest_summary_prefers_the_current_model_and_medium(db: Database) -> None:
    texts = ArticleTexts(db, FakeClock(T0))
    cache = SummaryCache(db, clock=FakeClock(T0))
    assert await texts.newest_summary(HASH) is None

    async def put(model: str, length: str, text: str) -> None:
        key = CacheKey(HASH, "summarize@1", model, length, "")
        await cache.put(key, Summary(text, model, "summarize@1", length=length), url="u")

    await put("old-model", "medium", "old")
    await put("new-model", "short", "short one")
    await put("new-model", "medium", "the one")
    found = await texts.newest_summary(HASH, prompt_version="summarize@1", model="new-model")
    assert found is not None and found.text == "the one" and found.cached
    other = await texts.newest_summary(HASH, prompt_version="x", model="y")
    assert other is not None  # any summary beats none
    # A summary row whose URL is the one asked about leads to the article too.
    await texts.put(HASH, url="https://example.org/first", title="", text="t")
    assert (await texts.for_url("u")) is not None
