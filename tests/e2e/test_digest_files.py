"""OPML uploads and channels named by @username, end to end: the real Application downloads files
through getFile and the file URL of the fake Bot API, and resolves channels with getChat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.digests.scheduler import DigestScheduler
from bot.storage.digests import DigestStore
from tests.digests.helpers import seed_article
from tests.e2e.test_digest_bot import digest_bot
from tests.telegram.harness import running_bot
from testsupport.botapi import BOT_ID

USER = 6161
CHANNEL = -1009876
OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News">
      <outline type="rss" text="River Gazette" xmlUrl="https://river.example/feed.xml"/>
      <outline type="rss" text="City Hall" xmlUrl="https://city.example/atom"/>
      <outline type="rss" text="Again" xmlUrl="https://river.example/feed.xml"/>
    </outline>
    <outline type="rss" text="Old gopher" xmlUrl="gopher://old.example/feed"/>
  </body>
</opml>
"""
NOT_A_PROBLEM = "Something went wrong on my side"


async def test_uploaded_opml_subscribes_its_feeds_in_a_private_chat(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        # Android clients send unknown types as application/octet-stream: the name decides.
        h.tg.push_document(USER, OPML, "subscriptions.opml", mime_type="application/octet-stream")
        reply = await h.tg.wait_for_text(USER, "Imported")
        assert reply["text"].startswith("📥 Imported 2 feeds")
        assert "1 entry without an http(s) feed URL skipped" in reply["text"]
        feeds = await DigestStore(h.services.db).feeds(USER)
        assert [(f.url, f.title) for f in feeds] == [
            ("https://river.example/feed.xml", "River Gazette"),
            ("https://city.example/atom", "City Hall"),
        ]
        assert [c.params["file_path"] for c in h.tg.downloads()] == ["documents/file_0.opml"]
        h.tg.push_message(USER, "/feeds")
        listing = await h.tg.wait_for_text(USER, "Feeds (2)")
        assert "River Gazette" in listing["text"] and "City Hall" in listing["text"]

        # The same list again, now as an .opml.xml export (FreshRSS names them so).
        h.tg.push_document(USER, OPML, "feeds.opml.xml", mime_type="text/xml")
        again = await h.tg.wait_for_text(USER, "Imported 0 feeds")
        assert "2 already followed" in again["text"]
        assert len(await DigestStore(h.services.db).feeds(USER)) == 2
        assert len(h.tg.downloads()) == 2
        assert h.tg.errors() == []


async def test_oversized_broken_or_other_files_get_a_helpful_reply(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        # Too big for an OPML list: refused from the size Telegram reports, never downloaded.
        h.tg.push_document(USER, b" " * (1024 * 1024 + 1), "huge.opml", mime_type="text/x-opml")
        big = await h.tg.wait_for_text(USER, "larger than 1024 KB")
        assert big["text"].startswith("⚠️")
        assert h.tg.calls_to("getFile") == []

        h.tg.push_document(USER, b"<html><body>Not a list</body></html>", "feeds.opml")
        await h.tg.wait_for_text(USER, "That file is not an OPML feed list")
        only_gopher = OPML.replace(b"https://", b"gopher://")
        h.tg.push_document(USER, only_gopher, "gopher.opml")
        await h.tg.wait_for_text(USER, "lists no http(s) feed addresses")

        # Telegram can refuse a file (over 20 MB, or briefly unavailable): say so, not a crash.
        h.tg.fail_next("getFile", 400, "Bad Request: file is too big")
        h.tg.push_document(USER, OPML, "later.opml")
        await h.tg.wait_for_text(USER, "couldn't download that file from Telegram")

        # A PDF is read as an article (this one is broken); any other file says which are read.
        h.tg.push_document(USER, b"%PDF-1.7 ...", "report.pdf", mime_type="application/pdf")
        await h.tg.wait_for_text(USER, "That PDF is damaged")
        h.tg.push_document(USER, b"PK\x03\x04", "notes.docx")
        hint = await h.tg.wait_for_text(USER, "I read PDF articles and OPML feed lists")
        assert "send me its link" in hint["text"]
        assert all(NOT_A_PROBLEM not in m.get("text", "") for m in h.tg.sent(USER))
        assert await DigestStore(h.services.db).feeds(USER) == []
        assert [c.description for c in h.tg.errors()] == ["Bad Request: file is too big"]


async def test_files_in_groups_are_left_alone_unless_they_are_opml(tmp_path: Path) -> None:
    group = -4242
    async with running_bot(tmp_path) as h:
        h.tg.chat(group, "supergroup", title="Readers")
        h.tg.push_document(group, b"<config/>", "settings.xml", user_id=USER)
        h.tg.push_document(group, OPML, "feeds.opml", user_id=USER)
        # Only the .opml file is answered (the poster is no admin): the .xml is somebody's file.
        await h.tg.wait_for_text(group, "Only the group's admins can change its feeds")
        assert len(h.tg.sent(group)) == 1
        assert h.tg.calls_to("getFile") == []


async def test_channel_subscribed_by_username_from_a_private_chat(tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    clock = FakeClock(start)
    async with digest_bot(tmp_path, clock) as (tg, _llm, pages, services, app):
        scheduler: DigestScheduler = app.bot_data.digest_scheduler
        store = DigestStore(services.db)
        tg.chat(CHANNEL, "channel", title="River News", username="RiverNews")
        hhmm = f"{start + timedelta(hours=1):%H:%M}"

        # The bot is not in the channel yet: it cannot even see who administers it.
        tg.set_member(CHANNEL, BOT_ID, "left")
        tg.set_member(CHANNEL, USER, "creator")
        tg.push_message(USER, f"/subscribe @rivernews {hhmm} UTC")
        await tg.wait_for_text(USER, "I can't post in @rivernews. Make me an admin")
        tg.set_member(CHANNEL, BOT_ID, "administrator")

        tg.push_message(USER + 1, f"/subscribe @rivernews {hhmm} UTC")
        await tg.wait_for_text(USER + 1, "Only an admin of @rivernews")
        tg.push_message(USER, f"/subscribe @rivernews {hhmm} UTC")
        reply = await tg.wait_for_text(USER, "Daily digest for River News")
        assert f"at {hhmm} (UTC)" in reply["text"]
        # /feeds in this private chat would change the user's own feeds, not the channel's.
        assert "posting /feeds add URL in the channel" in reply["text"]
        assert "/unsubscribe @rivernews here" in reply["text"]
        assert tg.calls_to("getChat", chat_id="@rivernews")
        sub = await store.subscription(CHANNEL)
        assert sub is not None and sub.active and sub.local_time == hhmm
        assert await store.subscription(USER) is None

        # And the digest goes to the channel at its time.
        posted = start + timedelta(minutes=5)
        await seed_article(services.db, CHANNEL, posted, key="chan", title="Bridge opens early")
        clock.set(start + timedelta(hours=1))
        assert (await scheduler.tick()).sent == 1
        digest = [m for m in tg.sent(CHANNEL) if "Your news digest" in m["text"]]
        assert len(digest) == 1 and "Bridge opens early" in digest[0]["text"]

        # What the reply says works: the channel's own post adds a feed to the channel.
        tg.push_channel_post(CHANNEL, f"/feeds add {pages.url('/feed.rss')}")
        await tg.wait_for_text(CHANNEL, "Following")
        assert [f.url for f in await store.feeds(CHANNEL)] == [pages.url("/feed.rss")]
        assert await store.feeds(USER) == []

        tg.push_message(USER, "/unsubscribe @RiverNews")
        await tg.wait_for_text(USER, "Unsubscribed")
        assert await store.subscription(CHANNEL) is None
        assert tg.errors() == []


@pytest.mark.parametrize(
    "link", ["https://t.me/rivernews", "t.me/rivernews", "http://t.me/s/RiverNews/"]
)
async def test_channel_subscribed_by_its_t_me_link(tmp_path: Path, link: str) -> None:
    async with running_bot(tmp_path) as h:
        store = DigestStore(h.services.db)
        h.tg.chat(CHANNEL, "channel", title="River News", username="RiverNews")
        h.tg.set_member(CHANNEL, BOT_ID, "administrator")
        h.tg.set_member(CHANNEL, USER, "creator")
        h.tg.push_message(USER, f"/subscribe {link} 07:30 Europe/Madrid")
        reply = await h.tg.wait_for_text(USER, "Daily digest for River News")
        assert "at 07:30 (Europe/Madrid)" in reply["text"]
        named = "@" + link.rstrip("/").rsplit("/", 1)[1]
        assert f"/unsubscribe {named} here" in reply["text"]  # the channel's name, not the link
        sub = await store.subscription(CHANNEL)
        assert sub is not None and sub.active and sub.local_time == "07:30"
        assert await store.subscription(USER) is None
        # The settings of the same channel, named the same way (one parser for both commands).
        h.tg.push_message(USER, f"/settings {link}")
        await h.tg.wait_for_text(USER, "Settings for River News")
        h.tg.push_message(USER, f"/unsubscribe {link}")
        await h.tg.wait_for_text(USER, "Unsubscribed")
        assert await store.subscription(CHANNEL) is None
        assert h.tg.errors() == []


async def test_invite_link_is_not_taken_for_a_channel(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "/subscribe https://t.me/+AbCdEf123 07:30")
        reply = await h.tg.wait_for_text(USER, "invite links can't be looked up")
        assert "use the channel's @username" in reply["text"]
        assert h.tg.calls_to("getChat") == []
        assert await DigestStore(h.services.db).subscription(USER) is None


async def test_unknown_username_gets_a_helpful_reply(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.chat(77, "private", username="alice")  # a person: getChat never resolves users
        for name in ("@nosuchchannel", "@alice"):
            h.tg.push_message(USER, f"/subscribe {name} 07:30 Europe/Madrid")
            reply = await h.tg.wait_for_text(USER, f"I can't find {name}")
            assert "Add me to the channel as an admin first" in reply["text"]
        assert await DigestStore(h.services.db).subscription(USER) is None

        h.tg.chat(-555, "group", title="Club")
        h.tg.push_message(-555, "/subscribe @nosuchchannel", user_id=USER)
        in_group = await h.tg.wait_for_text(-555, "Name a channel only in a private chat")
        assert "e.g. /subscribe @mychannel 07:30 Europe/Madrid" in in_group["text"]
        assert "<code>" not in in_group["text"]
        assert h.tg.calls_to("getChat") and all(
            c.description == "Bad Request: chat not found" for c in h.tg.errors()
        )
