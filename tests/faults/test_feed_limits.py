"""Feed limits and OPML faults, through the real Application and the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.digests.opml import NotOPMLError, parse_opml
from bot.storage.digests import DigestStore, FeedLimitError
from tests.telegram.harness import running_bot

USER = 7171


def _opml(start: int, count: int) -> bytes:
    rows = "".join(
        f'<outline type="rss" text="F{i}" xmlUrl="https://f{i}.example/rss"/>'
        for i in range(start, start + count)
    )
    return f'<?xml version="1.0"?><opml version="2.0"><body>{rows}</body></opml>'.encode()


async def test_opml_imports_never_exceed_the_per_chat_feed_limit(tmp_path: Path) -> None:
    """Item 11: three imports of 200 feeds left 604 feeds in one chat."""
    async with running_bot(tmp_path) as h:
        h.tg.push_document(USER, _opml(0, 150), "a.opml")
        await h.tg.wait_for_text(USER, "Imported 150 feeds")
        h.tg.push_document(USER, _opml(100, 100), "b.opml")  # 50 known, 50 new: 200 in all
        await h.tg.wait_for_text(USER, "Imported 50 feeds")
        h.tg.push_document(USER, _opml(300, 1), "c.opml")
        refused = await h.tg.wait_for_text(USER, "at most 200 feeds")
        assert "follows 200" in refused["text"]
        assert len(await DigestStore(h.services.db).feeds(USER)) == 200


async def test_store_refuses_feeds_over_the_limit_without_storing_any(db) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    store = DigestStore(db)
    now = datetime(2025, 6, 2, tzinfo=UTC)
    await store.add_feeds(1, [(f"https://f{i}.example/", "") for i in range(3)], now=now, limit=4)
    with pytest.raises(FeedLimitError):
        await store.add_feeds(
            1, [(f"https://g{i}.example/", "") for i in range(2)], now=now, limit=4
        )
    assert len(await store.feeds(1)) == 3


def test_broken_opml_is_described_as_broken_not_as_empty() -> None:
    """Smaller: an invalid OPML file was described as 'lists no feed addresses'."""
    truncated = _opml(0, 3)[:-30]
    with pytest.raises(NotOPMLError) as err:
        parse_opml(truncated)
    assert "XML is broken" in err.value.user_message
    assert "lists no" not in err.value.user_message


async def test_a_huge_subscribe_argument_gets_one_short_reply(tmp_path: Path) -> None:
    """Smaller: a 6,000-character argument came back over three messages, the first just '⚠️'."""
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "/subscribe " + "x" * 6000)
        reply = await h.tg.wait_for_text(USER, "Give a time")
        await asyncio.sleep(0.3)  # room for any further parts to arrive
        assert reply["text"].startswith("⚠️ I don't understand “xxx")
        assert len(reply["text"]) < 300
        assert len(h.tg.sent(USER)) == 1
