"""Private chats end to end: links, text, forwards, commands, errors (real PTB, fake Bot API)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.telegram.harness import running_bot
from testsupport.pages import ARTICLE_PARAGRAPHS, article_html

USER = 4242
PASTED = " ".join(ARTICLE_PARAGRAPHS)


async def test_link_in_private_chat_gets_a_summary_reply(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        url = h.pages.url("/article")
        sent = h.tg.push_message(USER, f"please summarise {url}")
        reply = await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        assert reply["reply_to_message"]["message_id"] == sent["message_id"]
        text = reply["text"]
        assert text.startswith("City council approves new river bridge")
        assert "Critics <warned> about costs & delays." in text
        links = [e for e in reply["entities"] if e["type"] == "text_link"]
        assert links[0]["url"] == url
        assert h.tg.calls_to("sendChatAction", chat_id=USER)
        assert h.tg.errors() == []
        assert {c["command"] for c in h.tg.commands} >= {
            "summarize",
            "tldr",
            "settings",
            "subscribe",
        }


async def test_several_links_each_get_their_own_reply_in_order(tmp_path: Path) -> None:
    async with running_bot(tmp_path, max_links_per_message=2) as h:
        first = h.pages.url("/article")
        second = h.pages.url("/text")
        third = h.pages.url("/status/404")
        text = f"a {first} and b: see here, c {third}"
        offset = text.index("see here")
        entities = [
            {"type": "url", "offset": 2, "length": len(first)},
            {"type": "text_link", "offset": offset, "length": 8, "url": second},
            {"type": "url", "offset": text.index(third), "length": len(third)},
        ]
        h.tg.push_message(USER, text, entities=entities)
        await h.tg.wait_for_text(USER, "Only the first 2 links")
        replies = [m for m in h.tg.sent(USER) if "reply_to_message" in m]
        summaries = [m for m in replies if "Mayor Ana Ruiz" in m["text"]]
        assert len(summaries) == 2
        urls = [
            next(e["url"] for e in m["entities"] if e["type"] == "text_link") for m in summaries
        ]
        assert urls == [first, second]
        assert not h.pages.requests_to("/status/404")
        assert h.tg.errors() == []


async def test_pasted_text_is_summarised_and_chit_chat_gets_a_hint(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "hi there!")
        hint = await h.tg.wait_for_text(USER, "Send me a link")
        assert "reply_to_message" in hint
        assert h.llm.completions == []
        h.tg.push_message(USER, PASTED)
        await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        assert len(h.llm.completions) == 1
        assert ARTICLE_PARAGRAPHS[0][:40] in h.llm.completions[0].text


async def test_forwards_name_their_origin(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        url = h.pages.url("/article")
        h.tg.push_message(
            USER,
            f"Big news {url}",
            forward_origin=h.tg.origin_channel(-1001234, "River <News>", 77, username="rivernews"),
        )
        reply = await h.tg.wait_for_text(USER, "Forwarded from River <News>")
        assert any(e.get("url") == "https://t.me/rivernews/77" for e in reply["entities"])
        # Untitled forwarded text is headed by where it came from, not "Article".
        h.tg.push_message(USER, PASTED, forward_origin=h.tg.origin_user(99, "Ann", "ann"))
        ann = await h.tg.wait_for_text(USER, "Message from Ann · ")
        assert ann["text"].startswith("Message from Ann · ") and "Forwarded" not in ann["text"]
        h.tg.push_message(USER, PASTED[:200], forward_origin=h.tg.origin_hidden("Secret Sam"))
        await h.tg.wait_for_text(USER, "Message from Secret Sam · ")
        post = h.tg.origin_channel(-1001234, "River News", 78, username="rivernews")
        h.tg.push_message(USER, PASTED, forward_origin=post)
        headed = await h.tg.wait_for_text(USER, "Post from River News · ")
        assert any(e.get("url") == "https://t.me/rivernews/78" for e in headed["entities"])
        private = h.tg.origin_channel(-100999, "Closed channel", 5)
        h.tg.push_message(USER, f"x {url}", forward_origin=private)
        reply = await h.tg.wait_for_text(USER, "Forwarded from Closed channel")
        assert not any("t.me" in e.get("url", "") for e in reply["entities"])
        assert h.tg.errors() == []


async def test_summarize_command_with_argument_reply_and_usage(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        url = h.pages.url("/article")
        h.tg.push_message(USER, f"/summarize {url}")
        await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        original = h.tg.push_message(USER, f"look {h.pages.url('/text')}")
        await h.tg.wait_for("sendMessage", chat_id=USER, count=2)
        h.tg.push_message(USER, "/tldr", reply_to=original["message_id"])
        await h.tg.wait_for("sendMessage", chat_id=USER, count=3)
        h.tg.push_message(USER, "/summarize")
        await h.tg.wait_for_text(USER, "/summarize LINK")


async def test_errors_get_short_specific_messages(tmp_path: Path) -> None:
    async with running_bot(tmp_path, llm_fallback_offline=False) as h:
        h.tg.push_message(USER, h.pages.url("/status/404"))
        await h.tg.wait_for_text(USER, "HTTP 404")
        h.tg.push_message(USER, h.pages.url("/paywall"))
        await h.tg.wait_for_text(USER, "paywall")
        h.tg.push_message(USER, h.pages.url("/big?bytes=7000000"))
        await h.tg.wait_for_text(USER, "larger than")
        h.llm.fail_next(500)
        h.tg.push_message(USER, h.pages.url("/article"))
        down = await h.tg.wait_for_text(USER, "LLM")
        assert down["text"].startswith("⚠️") and len(down["text"]) < 200
        for message in h.tg.sent(USER):
            assert "Traceback" not in message["text"] and h.tg.token not in message["text"]
            assert "sk-test" not in message["text"]
        assert h.tg.errors() == []


async def test_private_address_is_refused_without_fetching(tmp_path: Path) -> None:
    async with running_bot(tmp_path, fetch_allow_private=False) as h:
        h.tg.push_message(USER, h.pages.url("/article"))
        await h.tg.wait_for_text(USER, "network address")
        assert not h.pages.requests_to("/article")


async def test_long_summary_is_split_into_valid_messages(tmp_path: Path) -> None:
    # Astral emoji count twice in UTF-16: ~4,000 characters of summary are ~7,000 units.
    bullets = "\n".join(f"- **Speaker {i}** said 📣📣📣 “{'🚀' * 40}” & <more>." for i in range(60))
    async with running_bot(tmp_path, llm_reply=bullets) as h:
        h.tg.push_message(USER, h.pages.url("/article"))
        await h.tg.wait_for_text(USER, "City council approves")
        await asyncio.sleep(0.3)
        parts = [m for m in h.tg.sent(USER) if "Speaker" in m["text"]]
        assert len(parts) >= 2
        assert all(len(m["text"].encode("utf-16-le")) // 2 <= 4096 for m in parts)
        assert sum(len(m["text"].encode("utf-16-le")) // 2 for m in parts) > 4096
        joined = "\n".join(m["text"] for m in parts)
        spoken = [i for i in range(60) if f"Speaker {i} said" in joined]
        assert spoken == list(range(len(spoken))) and len(spoken) > 20
        assert h.tg.errors() == []


async def test_quota_and_access_control(tmp_path: Path) -> None:
    async with running_bot(
        tmp_path, daily_token_quota=1600, allowed_user_ids=[USER], admin_user_ids=[7]
    ) as h:
        h.tg.push_message(555, "hello")
        await h.tg.wait_for_text(555, "This bot is private")
        h.tg.push_message(USER, h.pages.url("/article"))
        await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        # The quota is checked before every LLM call against what is left of it: a second,
        # different article does not fit in what the first one left.
        other = h.pages.add_route(
            "/other", article_html(paragraphs=[f"{p} Again." for p in ARTICLE_PARAGRAPHS])
        )
        h.tg.push_message(USER, other)
        await h.tg.wait_for_text(USER, "quota")
        assert len(h.llm.completions) == 1
        h.tg.push_message(USER, "/usage")
        usage = await h.tg.wait_for_text(USER, "📊")
        assert "1 article today" in usage["text"] and "Your daily AI allowance" in usage["text"]
        h.tg.push_message(USER, "/stats")
        await h.tg.wait_for_text(USER, "only for the bot's admins")
        h.tg.push_message(7, "/stats")
        stats = await h.tg.wait_for_text(7, "Bot statistics")
        assert "private 2" in stats["text"]  # USER and the admin; the stranger is not stored


async def test_without_an_llm_readers_hear_nothing_about_keys(tmp_path: Path) -> None:
    async with running_bot(tmp_path, with_llm=False) as h:
        h.tg.push_message(USER, "/start")
        start = await h.tg.wait_for_text(USER, "Hi User4242")
        assert "OPENAI" not in start["text"] and "offline" not in start["text"]
        h.tg.push_message(USER, "/help")
        shown = await h.tg.wait_for_text(USER, "Summaries")
        assert "key sentences" in shown["text"] and "OPENAI" not in shown["text"]
        h.tg.push_message(USER, "/nosuch")
        await h.tg.wait_for_text(USER, "I don't know that command")
        h.tg.push_message(USER, h.pages.url("/article"))
        reply = await h.tg.wait_for_text(USER, "City council approves")
        # The operator chose offline: no footer, and no operator facts.
        assert "OPENAI" not in reply["text"] and "offline" not in reply["text"]
        assert "unavailable" not in reply["text"]
        assert "inline_keyboard" not in reply.get("reply_markup", {})


async def test_clean_inline_and_as_file(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "/clean i said \u201cno\u201dand left . Then he came")
        short = await h.tg.wait_for_text(USER, "✏️")
        # Casing is repaired only in texts that show casing damage, so the lone "i" stays; the
        # glued closing quote and the space before the full stop are fixed.
        assert "2 fixes" in short["text"] and "Then he came" in short["text"]
        paragraphs = [f"{p} Paragraph {i} adds more detail." for i, p in
                      enumerate(ARTICLE_PARAGRAPHS * 12)]  # fmt: skip
        long_page = h.pages.add_route("/long", article_html(paragraphs=paragraphs))
        h.tg.push_message(USER, f"/clean {long_page}")
        call = await h.tg.wait_for("sendDocument", chat_id=USER)
        assert call.files["document"].decode("utf-8").count("\n") > 5
        assert "✏️" in call.result["caption"]
        assert call.result["reply_to_message"]["text"].startswith("/clean")
        assert h.tg.errors() == []


async def test_blocked_user_is_recorded_and_retry_after_is_waited_out(tmp_path: Path) -> None:
    from bot.storage.chats import ChatRepository

    async with running_bot(tmp_path) as h:
        h.tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        h.tg.push_message(USER, "hello")
        await h.tg.wait_for_text(USER, "Send me a link")
        assert h.services.metrics.telegram_retry_after._value.get() == 1
        h.tg.block(USER)
        h.tg.push_message(USER, "hello again")
        await h.tg.wait_for("sendMessage", chat_id=USER, ok=False, count=2)
        repo = ChatRepository(h.services.db)
        for _ in range(100):
            if await repo.is_blocked(USER):
                break
            await asyncio.sleep(0.02)
        assert await repo.is_blocked(USER)
        from bot.errors import ChatGoneError
        from bot.telegram.send import send_html

        before = len(h.tg.calls)
        try:
            await send_html(h.app.bot, USER, "x", services=h.services)
        except ChatGoneError:
            pass
        else:
            raise AssertionError("send to a blocked chat should raise ChatGoneError")
        assert len(h.tg.calls) == before  # skipped without asking Telegram


async def test_slow_summary_shows_one_status_message_then_the_answer(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.llm.delay_next(3.6)
        sent = h.tg.push_message(USER, h.pages.url("/article"))
        status = await h.tg.wait_for_text(USER, "⏳")
        assert "Summarising" in status["text"]
        assert status["reply_to_message"]["message_id"] == sent["message_id"]
        answer = await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        # A new message (Telegram notifies of those, not of edits), then the status goes.
        assert answer["message_id"] != status["message_id"]
        assert answer["reply_to_message"]["message_id"] == sent["message_id"]
        await h.tg.wait_for("deleteMessage", chat_id=USER, message_id=status["message_id"])
        assert h.tg.message(USER, status["message_id"]) is None
        assert len(h.tg.sent(USER)) == 2
        assert len(h.tg.calls_to("editMessageText", chat_id=USER)) <= 1


async def test_private_settings_keyboard_changes_length_and_language(tmp_path: Path) -> None:
    from bot.storage.chats import ChatRepository

    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "/settings")
        shown = await h.tg.wait_for_text(USER, "Settings")
        assert "Auto mode" not in shown["text"]
        buttons = [b for row in shown["reply_markup"]["inline_keyboard"] for b in row]
        german = next(b for b in buttons if b["text"].endswith("Deutsch"))
        h.tg.push_callback(USER, USER, shown["message_id"], german["callback_data"])
        await h.tg.wait_for("editMessageText", chat_id=USER)
        assert (await ChatRepository(h.services.db).get(USER)).summary_language == "de"
        h.tg.push_message(USER, h.pages.url("/article"))
        await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        assert "'de'" in h.llm.completions[-1].text  # the prompt asks for ISO code 'de'
        original = next(b for b in buttons if b["text"].endswith("As in the article"))
        h.tg.push_callback(USER, USER, shown["message_id"], original["callback_data"])
        await h.tg.wait_for("editMessageText", chat_id=USER, count=2)
        h.tg.push_message(USER, h.pages.url("/text"))
        await h.tg.wait_for("sendMessage", chat_id=USER, count=3)
        assert "'de'" not in h.llm.completions[-1].text  # the article's language again
