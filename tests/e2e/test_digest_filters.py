"""/filters and the OPML round trip, end to end through the real Application and the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.storage.digests import DigestStore
from bot.storage.filters import DigestFilters
from tests.telegram.harness import running_bot

USER = 7171
OTHER = 7272
NOT_A_PROBLEM = "Something went wrong on my side"


async def test_filters_commands_and_bad_input_each_get_one_clear_reply(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        repo = DigestFilters(h.services.db)

        async def say(text: str, needle: str) -> str:
            before = len(h.tg.sent(USER))
            h.tg.push_message(USER, text)
            reply = await h.tg.wait_for_text(USER, needle)
            await h.tg.wait_for("sendMessage", count=before + 1, chat_id=USER)
            assert len(h.tg.sent(USER)) == before + 1  # one reply, no more
            return reply["text"]

        assert "No digest filters" in await say("/filters", "No digest filters")
        reply = await say('/filters include AI "Climate Change" 🚀', "The digest now shows only")
        assert "ai, climate change, 🚀" in reply
        await say("/filters exclude (a|b)* שלום", "matched as plain text")
        listing = await say("/filters", "Digest filters (5 of 50 terms)")
        assert "must mention one of: ai, climate change, 🚀" in listing
        assert "dropped if they mention: (a|b)*, שלום" in listing
        stored = [(t.kind, t.term) for t in await repo.terms(USER)]

        # Bad input: one clear message each, and the stored terms stay as they were.
        await say("/filters include " + "x" * 10_000, "at most 60 characters")
        many = " ".join(f"w{i}" for i in range(1000))
        await say(f"/filters exclude {many}", "at most 50 filter terms")
        await say('/filters include ""', "empty phrase")
        await say('/filters include "open', "unclosed quote")
        await say("/filters include", "at least one word")
        await say("/filters frobnicate", "Usage: /filters")
        await say("/filters https://nowhere.example/feed include x", "does not follow")
        assert [(t.kind, t.term) for t in await repo.terms(USER)] == stored

        assert "Removed 5 filter terms" in await say("/filters clear", "Removed")
        assert await repo.terms(USER) == []
        await say("/filters clear", "no filters to clear")
        assert all(NOT_A_PROBLEM not in m.get("text", "") for m in h.tg.sent(USER))


async def test_feed_filters_and_group_admins(tmp_path: Path) -> None:
    group = -5151
    async with running_bot(tmp_path) as h:
        store = DigestStore(h.services.db)
        now = datetime.now(UTC)
        await store.add_feed(USER, "https://river.example/feed.xml", "River", now=now)
        h.tg.push_message(USER, "/filters https://river.example/feed.xml exclude sport")
        await h.tg.wait_for_text(USER, "shows no items from River that mention: sport")
        (term,) = await DigestFilters(h.services.db).terms(USER)
        (feed,) = await store.feeds(USER)
        assert term.feed_id == feed.id and term.term == "sport"
        # Unfollowing the feed drops its filters with it.
        h.tg.push_message(USER, "/feeds remove https://river.example/feed.xml")
        await h.tg.wait_for_text(USER, "Removed")
        assert await DigestFilters(h.services.db).terms(USER) == []

        h.tg.chat(group, "supergroup", title="Readers")
        h.tg.push_message(group, "/filters include ai", user_id=OTHER)
        await h.tg.wait_for_text(group, "Only the group's admins can change its digest filters")
        assert await DigestFilters(h.services.db).terms(group) == []


async def test_exported_opml_restores_the_feeds_exactly(tmp_path: Path) -> None:
    feeds = [
        ("https://river.example/feed.xml", "River Gazette"),
        ("https://city.example/atom?lang=en&page=1", 'City Hall <official> & "more"'),
        ("http://plain.example/rss", ""),
        ("https://xn--bcher-kva.example/feed", "Bücher — שלום 🚀"),
    ]
    async with running_bot(tmp_path) as h:
        store = DigestStore(h.services.db)
        # A chat without feeds: one clear message, no empty file.
        h.tg.push_message(USER, "/feeds export")
        await h.tg.wait_for_text(USER, "No feeds to export yet")
        assert h.tg.calls_to("sendDocument") == []

        await store.add_feeds(USER, feeds, now=datetime.now(UTC))
        h.tg.push_message(USER, "/feeds export")
        call = await h.tg.wait_for("sendDocument", chat_id=USER)
        exported = call.files["document"]

        h.tg.push_document(OTHER, exported, "feeds.opml", mime_type="text/x-opml")
        await h.tg.wait_for_text(OTHER, "Imported 4 feeds")
        restored = [(f.url, f.title) for f in await store.feeds(OTHER)]
        # Exactly as they were, untitled feeds included (not titled by their URL).
        assert restored == [(url, title) for url, title in feeds]
        assert h.tg.errors() == []
