"""PDFs in the bot end to end: links to PDFs and PDF files sent to it (real PTB, fake Bot API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.telegram.harness import running_bot
from testsupport.pages import ARTICLE_PARAGRAPHS, ARTICLE_TITLE
from testsupport.pdfs import article_pdf, encrypted, scanned_pdf

USER = 4343


def _pdf_attachment(size: int, name: str = "release.pdf") -> dict[str, Any]:
    return {
        "document": {
            "file_id": "BQACAgIAAxkBAAIBc2ZfakePdf",
            "file_unique_id": "AgADfakePdf",
            "file_name": name,
            "mime_type": "application/pdf",
            "file_size": size,
        }
    }


async def test_pdf_link_gets_a_summary_of_the_pdf_text(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        url = h.pages.add_route(
            "/releases/bridge.pdf", article_pdf(), content_type="application/pdf"
        )
        sent = h.tg.push_message(USER, f"the council's release: {url}")
        reply = await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        assert reply["reply_to_message"]["message_id"] == sent["message_id"]
        assert reply["text"].startswith(ARTICLE_TITLE)
        links = [e for e in reply["entities"] if e["type"] == "text_link"]
        assert links[0]["url"] == url
        (prompt,) = h.llm.completions
        assert ARTICLE_PARAGRAPHS[2] in prompt.text  # one paragraph again, across a line break
        assert "Page 1 of 2" not in prompt.text and "Press Office" not in prompt.text
        assert h.tg.errors() == []


async def test_unreadable_pdf_links_get_what_to_do(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        locked = encrypted(article_pdf(), user_password="s3cret")
        h.tg.push_message(
            USER, h.pages.add_route("/locked.pdf", locked, content_type="application/pdf")
        )
        reply = await h.tg.wait_for_text(USER, "password")
        assert reply["text"].startswith("⚠️") and "unprotected copy" in reply["text"]
        scan = h.pages.add_route("/scan.pdf", scanned_pdf(), content_type="application/pdf")
        h.tg.push_message(USER, scan)
        await h.tg.wait_for_text(USER, "no text layer")
        assert h.llm.completions == []
        assert h.tg.errors() == []


async def test_pdf_file_over_the_size_cap_is_refused_before_downloading(tmp_path: Path) -> None:
    async with running_bot(tmp_path, pdf_max_bytes=1024 * 1024) as h:
        h.tg.push_message(USER, caption="summarise this", extra=_pdf_attachment(3 * 1024 * 1024))
        reply = await h.tg.wait_for_text(USER, "larger than 1 MB")
        assert "reply_to_message" in reply
        assert h.tg.calls_to("getFile") == []
        assert h.llm.completions == []


async def test_pdf_file_sent_in_a_private_chat_is_downloaded_and_summarised(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as h:
        sent = h.tg.push_document(USER, article_pdf(), "bridge.pdf", mime_type="application/pdf")
        reply = await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        assert reply["reply_to_message"]["message_id"] == sent["message_id"]
        assert reply["text"].startswith(ARTICLE_TITLE)
        assert len(h.tg.calls_to("getFile")) == 1
        assert len(h.tg.downloads()) == 1  # fetched once from /file/bot<token>/<path>
        (prompt,) = h.llm.completions
        assert ARTICLE_PARAGRAPHS[2] in prompt.text
        assert h.tg.errors() == []


async def test_pdf_file_over_the_page_cap_but_under_the_pdf_cap_is_summarised(
    tmp_path: Path,
) -> None:
    data = article_pdf()
    async with running_bot(tmp_path, fetch_max_bytes=len(data) // 2) as h:
        h.tg.push_document(USER, data, "bridge.pdf", mime_type="application/pdf")
        reply = await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        assert reply["text"].startswith(ARTICLE_TITLE)
        assert h.tg.errors() == []


async def test_pdf_link_over_the_page_cap_but_under_the_pdf_cap_is_summarised(
    tmp_path: Path,
) -> None:
    data = article_pdf()
    async with running_bot(tmp_path, fetch_max_bytes=len(data) // 2) as h:
        url = h.pages.add_route("/big/bridge.pdf", data, content_type="application/pdf")
        h.tg.push_message(USER, url)
        reply = await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        assert reply["text"].startswith(ARTICLE_TITLE)
        assert len(h.llm.completions) == 1


async def test_pdf_file_telegram_does_not_hand_over_gets_a_clear_line(tmp_path: Path) -> None:
    # The file id is unknown to the Bot API: getFile fails, and the user hears why.
    async with running_bot(tmp_path) as h:
        h.tg.push_message(USER, extra=_pdf_attachment(40_000))
        await h.tg.wait_for_text(USER, "Telegram did not hand over that file")
        assert len(h.tg.calls_to("getFile")) == 1
        assert h.llm.completions == []


async def test_pdf_file_in_a_group_is_left_alone(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        group = -100777
        where = {"chat_type": "supergroup", "chat_title": "Desk", "user_id": USER}
        h.tg.push_message(group, extra=_pdf_attachment(40_000), **where)
        # Updates of one chat are handled in order: once this is answered, the PDF was seen.
        h.tg.push_message(group, f"@{h.app.bot.username} hi", **where)
        await h.tg.wait_for_text(group, "Send me a link")
        assert h.tg.calls_to("getFile") == []
        assert len(h.tg.sent(group)) == 1


# --- /summarize as a reply to a PDF ------------------------------------------------------------


def _posted_pdf(h: Any, chat_id: int, data: bytes, **where: Any) -> dict[str, Any]:
    """A PDF posted in a chat that the bot never received (privacy mode, or before it joined)."""
    document = h.tg.add_file(data, "bridge.pdf", "application/pdf")
    return h.tg.make_message(
        chat_id, caption="from the council", extra={"document": document}, **where
    )


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_summarize_replying_to_a_pdf_in_a_group(tmp_path: Path, chat_type: str) -> None:
    async with running_bot(tmp_path) as h:
        group = -100778 if chat_type == "supergroup" else -778
        where = {"chat_type": chat_type, "chat_title": "Desk", "user_id": USER}
        posted = _posted_pdf(h, group, article_pdf(), **where)
        command = h.tg.push_message(group, "/summarize", reply_to=posted, **where)
        reply = await h.tg.wait_for_text(group, "Mayor Ana Ruiz")
        assert reply["reply_to_message"]["message_id"] == command["message_id"]
        assert reply["text"].startswith(ARTICLE_TITLE)
        assert len(h.tg.downloads()) == 1
        (prompt,) = h.llm.completions
        assert ARTICLE_PARAGRAPHS[2] in prompt.text
        assert "from the council" not in prompt.text  # the PDF, not its caption
        assert h.tg.errors() == []


@pytest.mark.parametrize("command", ["/summarise", "/tldr"])
async def test_summarize_aliases_replying_to_a_pdf_in_private(tmp_path: Path, command: str) -> None:
    async with running_bot(tmp_path) as h:
        # A PDF sent without a .pdf MIME type but with a .pdf name counts too.
        document = h.tg.add_file(article_pdf(), "bridge.PDF")
        posted = h.tg.make_message(USER, extra={"document": document})
        h.tg.push_message(USER, command, reply_to=posted)
        reply = await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        assert reply["text"].startswith(ARTICLE_TITLE)
        assert h.tg.errors() == []


async def test_summarize_replying_to_a_pdf_over_the_cap_is_refused_unread(tmp_path: Path) -> None:
    async with running_bot(tmp_path, pdf_max_bytes=1024 * 1024) as h:
        group = -100779
        where = {"chat_type": "supergroup", "chat_title": "Desk", "user_id": USER}
        posted = h.tg.make_message(group, extra=_pdf_attachment(3 * 1024 * 1024), **where)
        h.tg.push_message(group, "/tldr", reply_to=posted, **where)
        await h.tg.wait_for_text(group, "That PDF is larger than 1 MB")
        assert h.tg.calls_to("getFile") == []
        assert h.llm.completions == []


async def test_summarize_replying_to_an_unreadable_pdf_says_what_to_do(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        posted = _posted_pdf(h, USER, scanned_pdf())
        h.tg.push_message(USER, "/summarize", reply_to=posted)
        await h.tg.wait_for_text(USER, "no text layer")
        assert h.llm.completions == []
