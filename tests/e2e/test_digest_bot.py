"""Digests end to end: the real Application and scheduler against the fake Bot API, a locally
served feed, the fake LLM and an injected clock (no real minutes are waited)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import FakeClock
from bot.digests.scheduler import DigestScheduler
from bot.services import build_services
from bot.telegram.app import build_application
from tests.telegram.harness import make_settings
from testsupport.botapi import FakeBotAPI
from testsupport.openai_server import FakeOpenAI, RecordedRequest
from testsupport.pages import PageServer

USER = 5151
GROUP = -777


def echo_summary(request: RecordedRequest) -> str:
    # A summary that differs per article (identical replies would look like one story).
    body = request.messages[-1]["content"] if request.messages else ""
    words = " ".join(body.split()[-60:])
    return f"- Reported: {words}\n- Second point."


@asynccontextmanager
async def digest_bot(
    tmp_path: Path, clock: FakeClock, *, chats: tuple[int, ...] = (), **overrides: Any
) -> AsyncIterator[Any]:
    with FakeBotAPI() as tg, FakeOpenAI(reply=echo_summary) as llm, PageServer() as pages:
        for chat in chats:
            tg.chat(chat)  # known to Telegram before the bot starts (and catches up)
        settings = make_settings(tmp_path, tg, llm, **overrides)
        services = await build_services(settings)
        services.clock = clock
        services.pipeline.clock = clock
        app = build_application(services)
        try:
            async with app:
                assert app.post_init is not None
                await app.post_init(app)
                await app.start()
                assert app.updater is not None
                await app.updater.start_polling(poll_interval=0.0, timeout=1)
                try:
                    yield tg, llm, pages, services, app
                finally:
                    await app.updater.stop()
                    await app.stop()
            assert app.post_shutdown is not None
            await app.post_shutdown(app)
        finally:
            await services.pipeline.aclose()
            await services.db.close()


def _digest_texts(tg: FakeBotAPI, chat_id: int) -> list[str]:
    return [m["text"] for m in tg.sent(chat_id) if "Your news digest" in m.get("text", "")]


async def test_subscribe_feed_digest_at_its_minute_then_digest_and_unsubscribe(
    tmp_path: Path,
) -> None:
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    clock = FakeClock(start)
    async with digest_bot(tmp_path, clock) as (tg, llm, pages, services, app):
        scheduler: DigestScheduler = app.bot_data.digest_scheduler
        assert services.health.scheduler_running is True
        due_local = (start + timedelta(hours=1)).astimezone(UTC)
        hhmm = f"{due_local:%H:%M}"

        tg.push_message(USER, f"/subscribe {hhmm} utc")
        confirm = await tg.wait_for_text(USER, "Daily digest at")
        assert hhmm in confirm["text"] and "Next one:" in confirm["text"]

        tg.push_message(USER, "/subscribe 25:00 Europe/Madrid")
        await tg.wait_for_text(USER, "not a valid time of day")
        tg.push_message(USER, "/subscribe 07:30 Mars/Base")
        await tg.wait_for_text(USER, "not a time zone I know")

        tg.push_message(USER, f"/feeds add {pages.url('/article')}")
        await tg.wait_for_text(USER, "not an RSS or Atom feed")
        tg.push_message(USER, f"/feeds add {pages.url('/feed.rss')}")
        await tg.wait_for_text(USER, "Following")
        tg.push_message(USER, "/feeds")
        await tg.wait_for_text(USER, "Feeds (1)")

        # A link summarised in the chat goes into the digest too.
        tg.push_message(USER, pages.url("/article"))
        await tg.wait_for_text(USER, "City council approves new river bridge")
        llm_before = len(llm.completions)

        clock.set(start + timedelta(minutes=59))
        assert (await scheduler.tick()).sent == 0
        clock.set(start + timedelta(hours=1))
        report = await scheduler.tick()
        assert report.sent == 1
        digest = "\n".join(_digest_texts(tg, USER))
        assert "City council approves new river bridge" in digest
        assert digest.count("Story ") >= 3  # feed items (titled "Story N") fetched and summarised
        # One LLM call per unique feed article; the bridge article came from the cache.
        feed_calls = len(llm.completions) - llm_before
        assert 3 <= feed_calls <= 5
        clock.advance(60)
        assert (await scheduler.tick()).sent == 0

        # /digest now: nothing new since the digest; the schedule is untouched.
        tg.push_message(USER, "/digest")
        await tg.wait_for_text(USER, "Nothing new since the last digest")

        # An empty scheduled digest is skipped, unless the chat asked for a note.
        clock.set(start + timedelta(days=1, hours=1))
        assert (await scheduler.tick()).empty == 1
        tg.push_message(USER, "/digest note on")
        await tg.wait_for_text(USER, "nothing new” note")
        clock.set(start + timedelta(days=2, hours=1))
        assert (await scheduler.tick()).sent == 1
        assert "Nothing new since the last digest" in _digest_texts(tg, USER)[-1]

        tg.push_message(USER, "/unsubscribe")
        await tg.wait_for_text(USER, "Unsubscribed")
        clock.set(start + timedelta(days=3, hours=1))
        assert (await scheduler.tick()).sent == 0
        assert len(_digest_texts(tg, USER)) == 2
        assert tg.errors() == []


async def test_group_members_cannot_subscribe_but_admins_can(tmp_path: Path) -> None:
    clock = FakeClock(datetime.now(UTC))
    async with digest_bot(tmp_path, clock) as (tg, _llm, _pages, _services, _app):
        tg.chat(GROUP, "group", title="Readers")
        tg.push_message(GROUP, "/subscribe 08:00", user_id=11)
        await tg.wait_for_text(GROUP, "Only the group's admins")
        tg.set_member(GROUP, 12, "administrator")
        tg.push_message(GROUP, "/subscribe 08:00 Europe/Madrid", user_id=12)
        await tg.wait_for_text(GROUP, "Daily digest at")


async def test_channel_subscribed_from_private_chat_by_its_admin(tmp_path: Path) -> None:
    clock = FakeClock(datetime.now(UTC))
    channel = -1001234
    async with digest_bot(tmp_path, clock) as (tg, _llm, _pages, services, _app):
        tg.chat(channel, "channel", title="News channel")
        tg.push_message(USER, f"/subscribe {channel} 07:30 Europe/Madrid")
        await tg.wait_for_text(USER, "Only an admin of")
        tg.set_member(channel, USER, "administrator")
        tg.push_message(USER, f"/subscribe {channel} 07:30 Europe/Madrid")
        reply = await tg.wait_for_text(USER, "Daily digest for News channel")
        assert "Europe/Madrid" in reply["text"]
        from bot.storage.digests import DigestStore

        sub = await DigestStore(services.db).subscription(channel)
        assert sub is not None and sub.local_time == "07:30" and sub.timezone == "Europe/Madrid"


async def test_blocked_chat_pauses_and_migrated_group_gets_its_digest(tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    clock = FakeClock(start)
    old_group, new_group = -4001, -1004001
    async with digest_bot(tmp_path, clock) as (tg, _llm, pages, services, app):
        from bot.storage.digests import DigestStore

        scheduler: DigestScheduler = app.bot_data.digest_scheduler
        store = DigestStore(services.db)
        hhmm = f"{start + timedelta(hours=2):%H:%M}"
        tg.chat(old_group, "group", title="Old group")
        tg.set_member(old_group, 21, "administrator")
        for chat, user in ((USER, USER), (old_group, 21)):
            tg.push_message(chat, f"/subscribe {hhmm} UTC", user_id=user)
            await tg.wait_for_text(chat, "Daily digest at")
            tg.push_message(chat, f"/summarize {pages.url('/article')}", user_id=user)
            await tg.wait_for_text(chat, "City council approves")
        tg.block(USER)
        tg.migrate(old_group, new_group)
        clock.set(start + timedelta(hours=2))
        report = await scheduler.tick()
        assert report.failed == 1 and report.sent == 1
        assert _digest_texts(tg, new_group) and not _digest_texts(tg, USER)
        paused = await store.subscription(USER)
        assert paused is not None and not paused.active
        moved = await store.subscription(new_group)
        assert moved is not None and moved.active and await store.subscription(old_group) is None


async def test_on_start_a_digest_missed_within_the_grace_window_is_sent(tmp_path: Path) -> None:
    from bot.storage.db import Database
    from bot.storage.digests import DigestStore
    from tests.digests.helpers import seed_article

    now = datetime.now(UTC)
    due = (now - timedelta(hours=2)).replace(second=0, microsecond=0)
    # The bot was down over the digest time: the database already holds the subscription.
    db = await Database.open(f"sqlite:///{tmp_path / 'bot.db'}")
    await DigestStore(db).subscribe(USER, f"{due:%H:%M}", "UTC", now=due - timedelta(hours=1))
    await seed_article(db, USER, due - timedelta(minutes=30), key="missed", title="While we slept")
    await db.close()
    async with digest_bot(tmp_path, FakeClock(now), chats=(USER,)) as (tg, *_):
        digest = await tg.wait_for_text(USER, "Your news digest")  # no command, no manual tick
        assert "While we slept" in digest["text"]
