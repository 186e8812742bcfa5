"""What a person meets first (issue 19), end to end against the fake Bot API: /start, /help and
the command menu, the LLM-outage fallback with Retry, /clean as one reply, /usage, and settings
buttons that never edit a message into itself. The assertions are about structure, not wording."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot.ingest.text import document_from_text
from tests.telegram.harness import running_bot
from testsupport.botapi import utf16_len
from testsupport.corpora import SPUN_EXAMPLE
from testsupport.pages import ARTICLE_PARAGRAPHS, article_html

USER = 4242
GROUP = -3001


def buttons_of(message: dict) -> list[dict]:
    """Every inline button under a message."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


def not_modified(h) -> list:  # type: ignore[no-untyped-def]
    return [c for c in h.tg.errors() if "not modified" in c.description]


async def test_start_is_short_with_a_group_link_and_a_digest_button(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "/start", first_name="Ann")
        start = await h.tg.wait_for("sendMessage", chat_id=USER)
        text = start.result["text"]
        assert utf16_len(text) < 400
        assert "link" in text and "/help" in text
        buttons = buttons_of(start.result)
        group = [b for b in buttons if b.get("url")]
        assert [b["url"] for b in group] == [f"https://t.me/{h.tg.username}?startgroup=true"]
        digest = next(b for b in buttons if b.get("callback_data"))
        h.tg.push_callback(USER, USER, start.result["message_id"], digest["callback_data"])
        await h.tg.wait_for("answerCallbackQuery")
        explained = await h.tg.wait_for_text(USER, "/subscribe")
        assert explained["message_id"] != start.result["message_id"]
        # No "typing…" for an instant answer.
        assert not h.tg.calls_to("sendChatAction", chat_id=USER)
        assert h.tg.errors() == []


async def test_help_lists_every_registered_command_in_groups(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "/help")
        shown = (await h.tg.wait_for("sendMessage", chat_id=USER)).result["text"]
        registered = [c["command"] for c in h.tg.commands]
        assert len(registered) >= 11
        for command in registered:
            assert re.search(rf"^/{command}\b", shown, re.MULTILINE), command
        for group in ("Summaries", "Groups & channels", "Daily digest", "Privacy"):
            assert group in shown
        # One command a line, each with a 3–6 word description; the menu uses the same words.
        lines = [line for line in shown.splitlines() if line.startswith("/")]
        for line in lines:
            _, description = line.split(" — ")
            assert 3 <= len(description.split()) <= 6, line
        for command in h.tg.commands:
            words = command["description"].split(" ", 1)[1]
            assert any(line.endswith(f" — {words}") for line in lines), command
        for missing_before in ("/feeds remove", ".opml", "/auto on|off"):
            assert missing_before in shown
        assert "/stats" not in shown  # only the bot's admins see it
        assert h.tg.errors() == []


async def test_admins_see_stats_in_help(tmp_path: Path) -> None:
    async with running_bot(tmp_path, admin_user_ids=[USER]) as h:
        h.tg.push_message(USER, "/help")
        shown = await h.tg.wait_for_text(USER, "Privacy")
        assert "/stats" in shown["text"]


async def test_llm_outage_gives_a_marked_fallback_and_retry_brings_the_ai_summary(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as h:
        h.llm.fail_next(500, times=1000)
        url = h.pages.url("/article")
        asked = h.tg.push_message(USER, url)
        fallback = await h.tg.wait_for_text(USER, "unavailable")
        assert fallback["reply_to_message"]["message_id"] == asked["message_id"]
        assert fallback["text"].startswith("City council approves")
        assert "LLM" not in fallback["text"] and "OPENAI" not in fallback["text"]
        italic = [e for e in fallback["entities"] if e["type"] == "italic"]
        assert italic, "the fallback marker is set apart"
        (retry,) = buttons_of(fallback)
        # Still down: Retry answers so and leaves the message as it is.
        h.tg.push_callback(USER, USER, fallback["message_id"], retry["callback_data"])
        await h.tg.wait_for("answerCallbackQuery")
        assert not h.tg.calls_to("editMessageText", chat_id=USER)
        # Back up: Retry edits the fallback into the AI summary and the button goes.
        h.llm.recover()
        before = len(h.llm.completions)
        h.tg.push_callback(USER, USER, fallback["message_id"], retry["callback_data"])
        await h.tg.wait_for("editMessageText", chat_id=USER)
        edited = h.tg.message(USER, fallback["message_id"])
        assert edited is not None and "Mayor Ana Ruiz" in edited["text"]
        assert "unavailable" not in edited["text"] and "reply_markup" not in edited
        assert len(h.llm.completions) == before + 1
        # The fallback was never cached as the LLM's summary, and the retry was no new article.
        from bot.storage.chats import ChatRepository

        usage = await ChatRepository(h.services.db).usage_for_chat(USER)
        assert usage.articles == 1
        h.tg.push_message(USER, url)
        await h.tg.wait_for_text(USER, "Mayor Ana Ruiz", within=10)
        assert len(h.llm.completions) == before + 1  # now from the cache
        assert h.tg.errors() == []


async def test_fallback_can_be_switched_off(tmp_path: Path) -> None:
    async with running_bot(tmp_path, llm_fallback_offline=False) as h:
        h.llm.fail_next(500, times=1000)
        h.tg.push_message(USER, h.pages.url("/article"))
        error = await h.tg.wait_for_text(USER, "⚠️")
        assert "reply_markup" not in error and len(error["text"]) < 200


async def test_clean_is_one_reply_with_counted_fixes_and_an_all_fixes_file(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as h:
        spun = document_from_text(SPUN_EXAMPLE.read_text("utf-8"), "spun")
        html = article_html(title=spun.title, paragraphs=spun.text.split("\n\n"))
        page = h.pages.add_route("/spun", html)
        asked = h.tg.push_message(USER, f"/clean {page}")
        reply = await h.tg.wait_for_text(USER, "✏️")
        await asyncio.sleep(0.3)
        replies = [m for m in h.tg.sent(USER)]
        assert len(replies) == 1, "one reply"
        assert reply["reply_to_message"]["message_id"] == asked["message_id"]
        assert any(e.get("url") == page for e in reply["entities"]), "title linked to the source"
        headline = next(line for line in reply["text"].splitlines() if line.startswith("✏️"))
        total = int(re.search(r"(\d+) fix", headline).group(1))  # type: ignore[union-attr]
        parts = [int(n) for n in re.findall(r"(\d+) [a-z]", headline.split(":", 1)[1])]
        assert sum(parts) == total
        assert "1 fixes" not in headline and "repairs" not in headline
        examples = [line for line in reply["text"].splitlines() if line.startswith("• ")]
        assert 1 <= len(examples) <= 5
        assert not any("[space]" in line for line in examples), "invisible fixes not listed"
        (all_fixes,) = buttons_of(reply)
        h.tg.push_callback(USER, USER, reply["message_id"], all_fixes["callback_data"])
        listing = await h.tg.wait_for("sendDocument", chat_id=USER)
        lines = listing.files["document"].decode("utf-8").splitlines()
        assert sum(1 for line in lines if "\t" in line) == total
        assert h.tg.errors() == []


async def test_usage_is_one_line_in_a_persons_words(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "/usage")
        empty = await h.tg.wait_for_text(USER, "📊")
        assert "0 articles today" in empty["text"]
        h.tg.push_message(USER, h.pages.url("/article"))
        await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        h.tg.push_message(USER, "/usage")
        usage = await h.tg.wait_for("sendMessage", chat_id=USER, count=3)
        text = usage.result["text"]
        assert text.count("\n") == 0
        assert "1 article today" in text and "1 this month" in text and "tokens" in text
    async with running_bot(tmp_path / "offline", with_llm=False) as h:
        h.tg.push_message(USER, "/usage")
        offline = await h.tg.wait_for_text(USER, "📊")
        assert "token" not in offline["text"]


async def test_settings_close_and_repress_never_edit_a_message_into_itself(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "/settings")
        shown = await h.tg.wait_for_text(USER, "Settings")
        assert "as in the article" in shown["text"] and "Original" not in shown["text"]
        buttons = {b["text"]: b["callback_data"] for b in buttons_of(shown)}
        current = next(data for label, data in buttons.items() if label.startswith("✓ medium"))
        h.tg.push_callback(USER, USER, shown["message_id"], current)
        answer = await h.tg.wait_for("answerCallbackQuery")
        assert "medium" in answer.params.get("text", "")
        await asyncio.sleep(0.3)
        assert not h.tg.calls_to("editMessageText", chat_id=USER)
        close = next(data for label, data in buttons.items() if "Close" in label)
        h.tg.push_callback(USER, USER, shown["message_id"], close)
        await h.tg.wait_for("deleteMessage", chat_id=USER, message_id=shown["message_id"])
        assert not not_modified(h) and h.tg.errors() == []


async def test_hints_come_without_typing_and_articles_with_it(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, "hi")
        await h.tg.wait_for_text(USER, "Send me a link")
        assert not h.tg.calls_to("sendChatAction", chat_id=USER)
        h.tg.push_message(USER, h.pages.url("/article"))
        await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        assert h.tg.calls_to("sendChatAction", chat_id=USER)


async def test_pasted_text_without_a_title_is_named_by_its_first_words(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        lead = "The mayor said on Monday that the bridge would open next year."
        h.tg.push_message(USER, lead + "\n\n" + " ".join(ARTICLE_PARAGRAPHS))
        reply = await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        first_line = reply["text"].splitlines()[0]
        assert first_line.startswith("The mayor said on Monday")
        assert first_line != "Article"
        assert "The mayor said on Monday" in h.llm.completions[-1].text  # the lead is text
