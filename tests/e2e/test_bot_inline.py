"""Inline mode end to end: a placeholder at once for an article not yet cached (summarised in
the background), the summary from the cache on the next query, and one clear result for a query
with no link or with 50 links."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.telegram.harness import running_bot

USER = 77


async def _answer(h, query: str) -> dict:  # type: ignore[no-untyped-def]
    inline = h.tg.push_inline_query(USER, query)
    await h.tg.wait_for("answerInlineQuery", inline_query_id=inline["id"])
    return h.tg.inline_answers[inline["id"]]


async def test_inline_placeholder_then_the_cached_summary(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        url = h.pages.url("/slow?seconds=1")
        first = await _answer(h, url)
        assert first["cache_time"] == 0 and first["is_personal"]
        [pending] = first["results"]
        assert pending["title"].startswith("Summarising")
        assert first["at"] < 1.0  # answered before the page even arrived
        for _ in range(100):
            await asyncio.sleep(0.05)
            if not h.app.bot_data.inline_jobs.running:
                break
        second = await _answer(h, f"  {url}  ")
        [result] = second["results"]
        assert result["title"] == "City council approves new river bridge"
        content = result["input_message_content"]
        assert "Mayor Ana Ruiz" in content["message_text"]
        assert content["parse_mode"] == "HTML"
        assert second["cache_time"] > 0
        assert len([r for r in h.llm.requests]) == 1  # summarised once
        assert h.tg.errors() == []


async def test_inline_finds_articles_summarised_in_chats(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        url = h.pages.url("/article")
        h.tg.push_message(USER, url)
        await h.tg.wait_for("sendMessage", chat_id=USER)
        answer = await _answer(h, url)
        [result] = answer["results"]
        assert "Mayor Ana Ruiz" in result["input_message_content"]["message_text"]


async def test_inline_bad_queries_get_one_clear_result(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        empty = await _answer(h, "")
        assert [r["title"] for r in empty["results"]] == ["Paste a link to a news article"]
        words = await _answer(h, "what is going on")
        assert [r["title"] for r in words["results"]] == ["Paste a link to a news article"]
        many = " ".join(f"https://example.org/{i}" for i in range(50))
        fifty = await _answer(h, many)
        [result] = fifty["results"]
        assert result["title"] == "One link at a time"
        assert "found 50" in result["input_message_content"]["message_text"]
        failing = await _answer(h, h.pages.url("/status/404"))
        assert failing["results"][0]["title"].startswith("Summarising")
        for _ in range(100):
            await asyncio.sleep(0.05)
            if not h.app.bot_data.inline_jobs.running:
                break
        failed = await _answer(h, h.pages.url("/status/404"))
        assert failed["results"][0]["title"] == "Could not summarise this link"
        assert h.tg.errors() == []
