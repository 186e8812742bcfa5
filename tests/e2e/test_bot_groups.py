"""Groups and channels end to end: @botname, mentions, admin-only auto mode, privacy note,
channel posts with /auto on, channel settings from a private chat, supergroup migration."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.storage.chats import ChatRepository
from tests.telegram.harness import running_bot
from testsupport.botapi import BOT_USERNAME
from testsupport.corpora import requires_postgres

GROUP = -3001
ADMIN = 11
MEMBER = 12
CHANNEL = -1002002
USER_PRIVATE = 77


async def settled(h, chat_id: int) -> None:  # type: ignore[no-untyped-def]
    """Give the bot a moment to (not) react."""
    await asyncio.sleep(0.5)


async def test_group_commands_mentions_and_silence(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        url = h.pages.url("/article")
        h.tg.chat(GROUP, "group", title="Readers")
        h.tg.push_message(GROUP, f"look {url}", user_id=MEMBER)
        await settled(h, GROUP)
        assert h.tg.sent(GROUP) == []  # auto mode is off: the bot stays quiet
        h.tg.push_message(GROUP, f"/summarize@{BOT_USERNAME} {url}", user_id=MEMBER)
        await h.tg.wait_for_text(GROUP, "Mayor Ana Ruiz")
        h.tg.push_message(GROUP, f"/tldr@some_other_bot {url}", user_id=MEMBER)
        h.tg.push_message(GROUP, f"/tldr {h.pages.url('/text')}", user_id=MEMBER)
        await h.tg.wait_for("sendMessage", chat_id=GROUP, count=2)
        await settled(h, GROUP)
        assert len(h.tg.sent(GROUP)) == 2  # the command for another bot was ignored
        post = h.tg.push_message(GROUP, f"read this {url}", user_id=MEMBER)
        h.tg.push_message(
            GROUP, f"@{BOT_USERNAME} what about this?", user_id=ADMIN, reply_to=post["message_id"]
        )
        await h.tg.wait_for("sendMessage", chat_id=GROUP, count=3)
        bot_message = h.tg.sent(GROUP)[-1]
        h.tg.push_message(
            GROUP, f"and {h.pages.url('/text')}", user_id=MEMBER, reply_to=bot_message
        )
        await h.tg.wait_for("sendMessage", chat_id=GROUP, count=4)
        assert h.tg.errors() == []


async def test_auto_mode_is_admin_only_and_summarises_every_link(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.chat(GROUP, "supergroup", title="Readers")
        h.tg.set_member(GROUP, ADMIN, "administrator")
        h.tg.push_message(GROUP, "/auto on", user_id=MEMBER)
        await h.tg.wait_for_text(GROUP, "Only admins")
        h.tg.push_message(GROUP, "/auto on", user_id=ADMIN)
        on = await h.tg.wait_for_text(GROUP, "Auto mode is on")
        assert "privacy mode is on" in on["text"]  # the bot is not an admin and cannot see all
        assert (await ChatRepository(h.services.db).get(GROUP)).auto_mode
        h.tg.push_message(GROUP, f"news {h.pages.url('/article')}", user_id=MEMBER)
        await h.tg.wait_for_text(GROUP, "Mayor Ana Ruiz")
        h.tg.push_message(GROUP, "just chatting", user_id=MEMBER)
        h.tg.push_message(GROUP, f"broken {h.pages.url('/status/404')}", user_id=MEMBER)
        await settled(h, GROUP)
        # Nobody asked: chatter gets no hint and a failing link no error in auto mode.
        assert not any("Send me a link" in m["text"] for m in h.tg.sent(GROUP))
        assert not any("404" in m["text"] for m in h.tg.sent(GROUP))
        assert h.pages.requests_to("/status/404")


async def test_settings_keyboard_privacy_note_and_admin_checks(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.chat(GROUP, "group", title="Readers")
        h.tg.set_member(GROUP, ADMIN, "creator")
        h.tg.push_message(GROUP, "/settings", user_id=MEMBER)
        seen = await h.tg.wait_for_text(GROUP, "Ask an admin to change these")
        assert "reply_markup" not in seen  # members see the settings, without buttons
        h.tg.push_message(GROUP, "/settings", user_id=ADMIN)
        call = await h.tg.wait_for("sendMessage", predicate=lambda c: "reply_markup" in c.params)
        shown = call.result
        assert "privacy mode is on" in shown["text"]
        buttons = [b for row in shown["reply_markup"]["inline_keyboard"] for b in row]
        auto_on = next(b for b in buttons if b["text"].endswith("Auto on"))
        short = next(b for b in buttons if b["text"].endswith("short"))
        h.tg.push_callback(GROUP, MEMBER, shown["message_id"], auto_on["callback_data"])
        await h.tg.wait_for("answerCallbackQuery", predicate=lambda c: "admins" in c.params["text"])
        repo = ChatRepository(h.services.db)
        assert not (await repo.get(GROUP)).auto_mode
        h.tg.push_callback(GROUP, MEMBER, shown["message_id"], short["callback_data"])
        await h.tg.wait_for(
            "answerCallbackQuery", count=2, predicate=lambda c: "admins" in c.params["text"]
        )
        assert (await repo.get(GROUP)).summary_length == "medium"
        h.tg.push_callback(GROUP, ADMIN, shown["message_id"], auto_on["callback_data"])
        await h.tg.wait_for(
            "answerCallbackQuery", count=1, predicate=lambda c: c.params["text"] == "Saved."
        )
        assert (await repo.get(GROUP)).auto_mode
        await h.tg.wait_for(
            "editMessageText",
            message_id=shown["message_id"],
            predicate=lambda c: "Auto mode: on" in c.result["text"],
        )
        assert h.tg.errors() == []


async def test_no_privacy_note_when_the_bot_can_read_everything(tmp_path: Path) -> None:
    from testsupport.botapi import FakeBotAPI

    with FakeBotAPI(can_read_all_group_messages=True) as tg:
        async with running_bot(tmp_path, tg=tg) as h:
            h.tg.chat(GROUP, "group", title="Readers")
            h.tg.push_message(GROUP, "/settings", user_id=MEMBER)
            shown = await h.tg.wait_for_text(GROUP, "Settings")
            assert "privacy" not in shown["text"]


async def test_channel_auto_mode_and_settings_from_a_private_chat(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.chat(CHANNEL, "channel", title="River News", username="rivernews")
        h.tg.push_channel_post(CHANNEL, f"no auto yet {h.pages.url('/article')}")
        await settled(h, CHANNEL)
        assert h.tg.sent(CHANNEL) == []
        h.tg.push_channel_post(CHANNEL, "/auto on")
        await h.tg.wait_for_text(CHANNEL, "Auto mode is on")
        post = h.tg.push_channel_post(CHANNEL, f"Today: {h.pages.url('/article')}")
        reply = await h.tg.wait_for_text(CHANNEL, "Mayor Ana Ruiz")
        assert reply["reply_to_message"]["message_id"] == post["message_id"]
        # A channel admin changes its settings from a private chat.
        h.tg.set_member(CHANNEL, ADMIN, "administrator")
        h.tg.push_message(MEMBER, "/settings @rivernews")
        await h.tg.wait_for_text(MEMBER, "Only admins of that chat")
        h.tg.push_message(ADMIN, "/settings @rivernews")
        shown = await h.tg.wait_for_text(ADMIN, "Settings for River News")
        buttons = [b for row in shown["reply_markup"]["inline_keyboard"] for b in row]
        long = next(b for b in buttons if b["text"].endswith("long"))
        off = next(b for b in buttons if b["text"].endswith("Auto off"))
        h.tg.push_callback(ADMIN, ADMIN, shown["message_id"], long["callback_data"])
        h.tg.push_callback(ADMIN, ADMIN, shown["message_id"], off["callback_data"])
        await h.tg.wait_for("answerCallbackQuery", count=2)
        settings = await ChatRepository(h.services.db).get(CHANNEL)
        assert (settings.summary_length, settings.auto_mode) == ("long", False)
        assert h.tg.errors() == []


async def test_group_upgrade_keeps_settings(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.chat(GROUP, "group", title="Readers")
        h.tg.set_member(GROUP, ADMIN, "administrator")
        h.tg.push_message(GROUP, "/auto on", user_id=ADMIN)
        await h.tg.wait_for_text(GROUP, "Auto mode is on")
        new_id = -1009003001
        h.tg.migrate(GROUP, new_id)
        h.tg.push_message(GROUP, "", user_id=ADMIN, extra={"migrate_to_chat_id": new_id})
        h.tg.push_message(
            new_id, "", chat_type="supergroup", user_id=ADMIN, extra={"migrate_from_chat_id": GROUP}
        )
        repo = ChatRepository(h.services.db)
        for _ in range(100):
            if (await repo.get(new_id)).auto_mode:
                break
            await asyncio.sleep(0.02)
        assert (await repo.get(new_id)).auto_mode
        h.tg.push_message(new_id, f"news {h.pages.url('/article')}", user_id=MEMBER)
        await h.tg.wait_for_text(new_id, "Mayor Ana Ruiz")
        # A command that arrived in the old group before the upgrade is answered in the new one.
        h.tg.push_message(GROUP, "/help", user_id=MEMBER)
        await h.tg.wait_for_text(new_id, "Summaries")
        assert (await repo.get(new_id)).auto_mode  # the stale old row did not win


async def test_removed_from_group_is_recorded(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.chat(GROUP, "group", title="Readers")
        h.tg.push_my_chat_member(GROUP, "member", old_status="left")
        await h.tg.wait_for_text(GROUP, "Thanks for adding me")
        h.tg.push_my_chat_member(GROUP, "kicked", old_status="member")
        repo = ChatRepository(h.services.db)
        for _ in range(100):
            if await repo.is_blocked(GROUP):
                break
            await asyncio.sleep(0.02)
        assert await repo.is_blocked(GROUP)


async def test_same_link_from_many_chats_is_summarised_once(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.llm.delay_all(0.5)
        from testsupport.pages import article_html

        url = h.pages.add_route("/once", article_html(), delay=0.5)
        for chat in range(500, 510):
            h.tg.push_message(chat, url)
        for chat in range(500, 510):
            await h.tg.wait_for_text(chat, "Mayor Ana Ruiz")
        assert len(h.llm.completions) == 1
        assert len(h.pages.requests_to("/once")) == 1


async def test_slow_article_does_not_block_other_chats_and_order_is_kept(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        slow = h.pages.url("/slow?seconds=1.5")
        h.tg.push_message(600, slow)
        h.tg.push_message(600, "hi")
        h.tg.push_message(601, "hello")
        await h.tg.wait_for_text(601, "Send me a link", within=1.0)
        await h.tg.wait_for_text(600, "Send me a link", within=10)
        texts = [m["text"] for m in h.tg.sent(600)]
        assert "Send me a link" in texts[-1] and "City council" in texts[0]


@requires_postgres
async def test_settings_summaries_and_upgrade_on_postgres(
    tmp_path: Path, pg_database_url: str
) -> None:
    async with running_bot(tmp_path, database_url=pg_database_url) as h:
        h.tg.chat(GROUP, "group", title="Readers")
        h.tg.set_member(GROUP, ADMIN, "administrator")
        h.tg.push_message(GROUP, "/auto on", user_id=ADMIN)
        await h.tg.wait_for_text(GROUP, "Auto mode is on")
        h.tg.push_message(GROUP, f"news {h.pages.url('/article')}", user_id=MEMBER)
        await h.tg.wait_for_text(GROUP, "Mayor Ana Ruiz")
        new_id = -1009003001
        h.tg.migrate(GROUP, new_id)
        h.tg.push_message(GROUP, "", user_id=ADMIN, extra={"migrate_to_chat_id": new_id})
        repo = ChatRepository(h.services.db)
        for _ in range(100):
            if (await repo.get(new_id)).auto_mode:
                break
            await asyncio.sleep(0.02)
        assert (await repo.get(new_id)).auto_mode
        assert (await repo.usage_for_chat(new_id)).articles == 1
        h.tg.push_message(USER_PRIVATE, "/usage")
        await h.tg.wait_for_text(USER_PRIVATE, "📊")
