"""Private chats end to end: links, text, forwards, commands, errors (real PTB, fake Bot API)."""

from __future__ import annotations

from pathlib import Path

from tests.telegram.harness import running_bot

USER = 4242


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
        assert h.tg.commands and {c["command"] for c in h.tg.commands} >= {"summarize", "tldr"}
