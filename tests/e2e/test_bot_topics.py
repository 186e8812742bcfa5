"""Forum topics end to end: answers, progress and errors go to the topic the request came from;
/subscribe in a topic sends the digest there; a deleted or closed topic pauses the digest and
the chat is told once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.storage.digests import DigestStore
from tests.telegram.harness import running_bot
from testsupport.botapi import FakeBotAPI

FORUM = -1001234500001
ADMIN = 11
MEMBER = 12


def _thread(call) -> int | None:  # type: ignore[no-untyped-def]
    raw = call.params.get("message_thread_id")
    return int(raw) if raw not in (None, "") else None


async def test_fake_topics_refuse_deleted_and_closed_topics() -> None:
    """The fake itself: topics carry message_thread_id, gone topics answer Telegram's errors."""
    with FakeBotAPI() as tg:
        tg.forum(FORUM, title="Newsroom")
        topic = tg.create_topic(FORUM, "Politics")
        message = tg.make_message(FORUM, "hi", user_id=MEMBER, thread_id=topic)
        assert message["message_thread_id"] == topic and message["is_topic_message"] is True
        assert message["chat"]["is_forum"] is True
        ok = tg.handle(
            tg.token,
            "sendMessage",
            {"chat_id": FORUM, "text": "x", "message_thread_id": str(topic)},
            {},
        )
        assert ok[0] == 200 and ok[1]["result"]["message_thread_id"] == topic
        tg.close_topic(FORUM, topic)
        closed = tg.handle(
            tg.token,
            "sendMessage",
            {"chat_id": FORUM, "text": "x", "message_thread_id": str(topic)},
            {},
        )
        assert closed[1]["description"] == "Bad Request: TOPIC_CLOSED"
        tg.delete_topic(FORUM, topic)
        gone = tg.handle(
            tg.token,
            "sendChatAction",
            {"chat_id": FORUM, "action": "typing", "message_thread_id": str(topic)},
            {},
        )
        assert gone[1]["description"] == "Bad Request: message thread not found"
        created = tg.handle(tg.token, "createForumTopic", {"chat_id": FORUM, "name": "Sport"}, {})
        assert created[1]["result"]["message_thread_id"] > topic


async def test_answers_typing_and_errors_go_to_the_topic_they_came_from(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.forum(FORUM, title="Newsroom")
        politics = h.tg.create_topic(FORUM, "Politics")
        sport = h.tg.create_topic(FORUM, "Sport")
        h.tg.push_message(
            FORUM, f"/summarize {h.pages.url('/article')}", user_id=MEMBER, thread_id=politics
        )
        answer = await h.tg.wait_for("sendMessage", chat_id=FORUM)
        assert _thread(answer) == politics
        assert answer.result["message_thread_id"] == politics
        actions = h.tg.calls_to("sendChatAction", chat_id=FORUM)
        assert actions and all(_thread(c) == politics for c in actions)
        # An error (a page that does not exist) is told in its own topic too.
        h.tg.push_message(
            FORUM, f"/summarize {h.pages.url('/status/404')}", user_id=MEMBER, thread_id=sport
        )
        error = await h.tg.wait_for("sendMessage", chat_id=FORUM, count=2)
        assert _thread(error) == sport and "⚠️" in error.result["text"]
        # The main chat (no topic) stays the main chat.
        h.tg.push_message(FORUM, "/help", user_id=MEMBER)
        main = await h.tg.wait_for("sendMessage", chat_id=FORUM, count=3)
        assert _thread(main) is None
        assert h.tg.errors() == []


async def test_subscribe_in_a_topic_and_the_topic_disappearing(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.forum(FORUM, title="Newsroom")
        h.tg.set_member(FORUM, ADMIN, "administrator")
        digest_topic = h.tg.create_topic(FORUM, "Digest")
        h.tg.push_message(FORUM, "/subscribe 08:00 UTC", user_id=ADMIN, thread_id=digest_topic)
        ok = await h.tg.wait_for_text(FORUM, "in this topic")
        assert ok["message_thread_id"] == digest_topic
        store = DigestStore(h.services.db)
        sub = await store.subscription(FORUM)
        assert sub is not None and sub.thread_id == digest_topic
        # An article read in the chat is the digest's material; a scheduled digest goes to
        # the topic.
        h.tg.push_message(FORUM, f"/summarize {h.pages.url('/article')}", user_id=MEMBER)
        await h.tg.wait_for("sendMessage", chat_id=FORUM, count=2)
        scheduler = h.app.bot_data.digest_scheduler
        assert scheduler is not None
        send = scheduler.send
        await send(FORUM, "<b>Digest</b> one")
        digest = h.tg.calls_to("sendMessage", chat_id=FORUM)[-1]
        assert _thread(digest) == digest_topic and digest.ok

        # The topic is deleted: the send fails as TopicGoneError, the chat is told once in
        # the main chat, and the scheduler pauses the subscription.
        h.tg.delete_topic(FORUM, digest_topic)
        from bot.errors import TopicGoneError

        with pytest.raises(TopicGoneError):
            await send(FORUM, "<b>Digest</b> two")
        note = await h.tg.wait_for_text(FORUM, "deleted or closed")
        assert "message_thread_id" not in note
        await store.pause(sub.id, "topic gone: deleted or closed")
        with pytest.raises(TopicGoneError):
            await send(FORUM, "<b>Digest</b> three")
        await asyncio.sleep(0.2)
        notes = [m for m in h.tg.sent(FORUM) if "deleted or closed" in m.get("text", "")]
        assert len(notes) == 1  # told once


async def test_a_scheduled_digest_into_a_closed_topic_pauses_the_subscription(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.forum(FORUM, title="Newsroom")
        h.tg.set_member(FORUM, ADMIN, "administrator")
        topic = h.tg.create_topic(FORUM, "Digest")
        store = DigestStore(h.services.db)
        now = h.services.clock.now()
        # Subscribed yesterday for a time two minutes ago: today's digest is due now, with an
        # article read before that.
        due = (now - timedelta(minutes=2)).strftime("%H:%M")
        await store.subscribe(FORUM, due, "UTC", now=now - timedelta(days=1), thread_id=topic)
        await store.record_article(
            FORUM,
            content_hash="a" * 64,
            url="https://example.org/a",
            title="Bridge approved",
            site="example.org",
            at=now - timedelta(hours=3),
        )
        h.tg.close_topic(FORUM, topic)
        scheduler = h.app.bot_data.digest_scheduler
        report = await scheduler.tick()
        assert report.failed == 1
        sub = await store.subscription(FORUM)
        assert sub is not None and not sub.active
        assert sub.paused_reason.startswith("topic gone")
        await h.tg.wait_for_text(FORUM, "deleted or closed")
        refused = [c for c in h.tg.errors() if c.method == "sendMessage"]
        assert [c.description for c in refused] == ["Bad Request: TOPIC_CLOSED"]
        assert sub.thread_id == topic  # kept: /subscribe in another topic moves it


async def test_auto_mode_per_topic(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.forum(FORUM, title="Newsroom")
        h.tg.set_member(FORUM, ADMIN, "administrator")
        news = h.tg.create_topic(FORUM, "News")
        chat = h.tg.create_topic(FORUM, "Chat")
        h.tg.push_message(FORUM, "/auto on", user_id=MEMBER, thread_id=news)
        await h.tg.wait_for_text(FORUM, "Only admins")
        h.tg.push_message(FORUM, "/auto on", user_id=ADMIN, thread_id=news)
        on = await h.tg.wait_for_text(FORUM, "on in this topic")
        assert on["message_thread_id"] == news
        url = h.pages.url("/article")
        h.tg.push_message(FORUM, f"off-topic {url}", user_id=MEMBER, thread_id=chat)
        h.tg.push_message(FORUM, f"worth reading {url}", user_id=MEMBER, thread_id=news)
        summary = await h.tg.wait_for_text(FORUM, "Mayor Ana Ruiz")
        assert summary["message_thread_id"] == news
        await asyncio.sleep(0.5)
        summaries = [m for m in h.tg.sent(FORUM) if "Mayor Ana Ruiz" in m.get("text", "")]
        assert len(summaries) == 1  # the Chat topic follows the chat's setting: off
        # Chat-wide on, one topic off.
        h.tg.push_message(FORUM, "/auto on", user_id=ADMIN)
        await h.tg.wait_for_text(FORUM, "Auto mode is on: I'll summarise every link posted here")
        h.tg.push_message(FORUM, "/auto off", user_id=ADMIN, thread_id=chat)
        await h.tg.wait_for_text(FORUM, "off in this topic")
        h.tg.push_message(FORUM, f"again {url}", user_id=MEMBER, thread_id=chat)
        h.tg.push_message(FORUM, "/auto", user_id=MEMBER, thread_id=chat)
        await h.tg.wait_for_text(FORUM, "Auto mode is off in this topic. Use")
        await asyncio.sleep(0.5)
        summaries = [m for m in h.tg.sent(FORUM) if "Mayor Ana Ruiz" in m.get("text", "")]
        assert len(summaries) == 1
        assert h.tg.errors() == []
