"""Recaps end to end: opt-in by admins, nothing stored before, /recap offline and with the LLM
(each point linked to its message), /forget, /recap off, and the bad inputs."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot.storage.group_messages import GroupMessages
from tests.telegram.harness import running_bot
from testsupport.openai_server import RecordedRequest

GROUP = -1001555000001  # a supergroup: t.me/c/1555000001/<id> links
ADMIN = 11
ALICE = 21
BOB = 22
CAROL = 23

CONVERSATION = [
    (ALICE, "Alice", "The new bridge budget was published this morning and it looks far too high"),
    (BOB, "Bob", "Forty two million euros for a footbridge across the river is a lot of money"),
    (CAROL, "Carol", "The regional government promised to cover a third of the bridge cost"),
    (ALICE, "Alice", "Has anyone read the audit request from councillor Brandt about the budget"),
    (BOB, "Bob", "lol"),
    (CAROL, "Carol", "Separately, the football club will play the final next Sunday at home"),
]


async def _converse(h, *, thread_id: int | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    sent = []
    for index, (user, name, text) in enumerate(CONVERSATION):
        reply_to = sent[0]["message_id"] if index in (1, 2) else None
        sent.append(
            h.tg.push_message(
                GROUP, text, user_id=user, first_name=name, reply_to=reply_to, thread_id=thread_id
            )
        )
    return sent


async def _stored(h) -> int:  # type: ignore[no-untyped-def]
    store = GroupMessages(h.services.db)
    messages, more = await store.since(GROUP, h.services.clock.now().replace(year=2000))
    return len(messages) + more


async def _until_stored(h, count: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        if await _stored(h) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"only {await _stored(h)} of {count} messages stored")


async def test_recap_offline_opt_in_forget_and_off(tmp_path: Path) -> None:
    async with running_bot(tmp_path, with_llm=False) as h:
        h.tg.chat(GROUP, "supergroup", title="Town talk")
        h.tg.set_member(GROUP, ADMIN, "administrator")
        # Not opted in: nothing is stored, /recap says how to turn it on.
        await _converse(h)
        h.tg.push_message(GROUP, "/recap", user_id=ALICE)
        await h.tg.wait_for_text(GROUP, "Recaps are off")
        assert await _stored(h) == 0
        # Only admins switch it on.
        h.tg.push_message(GROUP, "/recap on", user_id=BOB)
        await h.tg.wait_for_text(GROUP, "Only the group's admins")
        h.tg.push_message(GROUP, "/recap on", user_id=ADMIN)
        on = await h.tg.wait_for_text(GROUP, "Recaps are on")
        assert "48 hours" in on["text"]
        sent = await _converse(h)
        await _until_stored(h, len(CONVERSATION))
        # Bad window → one clear message.
        h.tg.push_message(GROUP, "/recap 6 years", user_id=ADMIN)
        await h.tg.wait_for_text(GROUP, "like 30m, 6h or 2d")
        h.tg.push_message(GROUP, "/recap 6h", user_id=ADMIN)
        recap = await h.tg.wait_for_text(GROUP, "messages since")
        text = recap["text"]
        assert "Alice" in text and "Carol" in text
        assert "lol" not in text  # chit-chat is not a point
        links = [e["url"] for e in recap.get("entities", []) if e["type"] == "text_link"]
        assert f"https://t.me/c/1555000001/{sent[0]['message_id']}" in links
        assert all(re.fullmatch(r"https://t\.me/c/1555000001/\d+", u) for u in links)
        # /forget deletes the caller's own messages only.
        h.tg.push_message(GROUP, "/forget", user_id=ALICE)
        await h.tg.wait_for_text(GROUP, "Deleted 2 stored messages")
        assert await _stored(h) == len(CONVERSATION) - 2
        # /recap off deletes everything, and nothing is stored afterwards.
        h.tg.push_message(GROUP, "/recap off", user_id=ADMIN)
        await h.tg.wait_for_text(GROUP, "Recaps are off;")
        h.tg.push_message(GROUP, "one more message after recaps were turned off", user_id=BOB)
        await asyncio.sleep(0.3)
        assert await _stored(h) == 0
        # In a private chat: one clear message.
        h.tg.push_message(ALICE, "/recap")
        await h.tg.wait_for_text(ALICE, "Recaps are for groups")
        assert h.tg.errors() == []


async def test_recap_since_my_last_message_says_what_was_left_out(tmp_path: Path) -> None:
    async with running_bot(tmp_path, with_llm=False, recap_max_messages=3) as h:
        h.tg.chat(GROUP, "supergroup", title="Town talk")
        h.tg.set_member(GROUP, ADMIN, "administrator")
        h.tg.push_message(GROUP, "/recap on", user_id=ADMIN)
        await h.tg.wait_for_text(GROUP, "Recaps are on")
        h.tg.push_message(GROUP, "I am off for lunch now, back in an hour or so", user_id=ADMIN)
        await _until_stored(h, 1)
        await asyncio.sleep(1.1)  # stored times have whole seconds, as Telegram's dates
        await _converse(h)
        await _until_stored(h, 1 + len(CONVERSATION))
        h.tg.push_message(GROUP, "/recap", user_id=ADMIN)
        recap = await h.tg.wait_for_text(GROUP, "left out")
        assert "Recap</b>" not in recap["text"]  # entities, not markup
        assert "3 older messages were left out" in recap["text"]
        assert "lunch" not in recap["text"]  # only what came after the caller's message
        # Someone who never wrote gets everything kept.
        h.tg.push_message(GROUP, "/recap", user_id=999)
        await h.tg.wait_for("sendMessage", chat_id=GROUP, count=3)
        assert h.tg.errors() == []


def _llm_recap(request: RecordedRequest) -> str:
    ids = re.findall(r"^\[#(\d+)\]", request.text, flags=re.M)
    return (
        f"- Alice said the bridge budget is too high; Bob and Carol discussed the cost [#{ids[0]}]\n"
        f"- Carol mentioned the football final on Sunday [#{ids[-1]}]\n"
        "- A bullet citing nothing is dropped\n"
    )


async def test_recap_with_the_llm_links_each_point(tmp_path: Path) -> None:
    async with running_bot(tmp_path, llm_reply=_llm_recap) as h:
        h.tg.chat(GROUP, "supergroup", title="Town talk")
        h.tg.set_member(GROUP, ADMIN, "administrator")
        h.tg.push_message(GROUP, "/recap on", user_id=ADMIN)
        await h.tg.wait_for_text(GROUP, "Recaps are on")
        sent = await _converse(h)
        await _until_stored(h, len(CONVERSATION))
        h.tg.push_message(GROUP, "/recap 2h", user_id=ADMIN)
        recap = await h.tg.wait_for_text(GROUP, "football final")
        assert "citing nothing" not in recap["text"]
        links = [e["url"] for e in recap.get("entities", []) if e["type"] == "text_link"]
        assert links == [
            f"https://t.me/c/1555000001/{sent[0]['message_id']}",
            f"https://t.me/c/1555000001/{sent[-1]['message_id']}",
        ]
        recaps = [r for r in h.llm.requests if "<messages>" in r.text]
        assert len(recaps) == 1  # six messages fit one request
        assert "[#" in recaps[0].text and "Alice" in recaps[0].text
        assert h.tg.errors() == []


async def test_recap_in_a_topic_covers_that_topic_and_answers_there(tmp_path: Path) -> None:
    async with running_bot(tmp_path, with_llm=False) as h:
        h.tg.forum(GROUP, title="Town talk")
        h.tg.set_member(GROUP, ADMIN, "administrator")
        topic = h.tg.create_topic(GROUP, "Bridge")
        other = h.tg.create_topic(GROUP, "Other")
        h.tg.push_message(GROUP, "/recap on", user_id=ADMIN)
        await h.tg.wait_for_text(GROUP, "Recaps are on")
        sent = await _converse(h, thread_id=topic)
        h.tg.push_message(
            GROUP,
            "Completely unrelated chatter about gardening and tomatoes today",
            user_id=BOB,
            thread_id=other,
        )
        await _until_stored(h, len(CONVERSATION) + 1)
        h.tg.push_message(GROUP, "/recap 1h", user_id=ADMIN, thread_id=topic)
        recap = await h.tg.wait_for_text(GROUP, "messages since")
        assert recap["message_thread_id"] == topic
        assert "tomatoes" not in recap["text"]
        links = [e["url"] for e in recap.get("entities", []) if e["type"] == "text_link"]
        assert f"https://t.me/c/1555000001/{topic}/{sent[0]['message_id']}" in links
