"""Capture what a person sees in a first session, as the fake Bot API received it.

    .venv/bin/python docs/capture_first_contact.py > /tmp/after.md

Runs the real bot (python-telegram-bot, fake Bot API, fake LLM, local page server) through /start,
/help, a summary (with the LLM, without one, and during an LLM outage), /clean of the spun example
and /usage, and prints every message the bot sent or edited, as Telegram would show its text, with
its buttons. docs/first-contact.md shows this output before and after issue 19. It runs on older
checkouts too (put the checkout first on PYTHONPATH), which is how the "before" was made.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))

from bot.ingest.text import document_from_text
from tests.telegram.harness import running_bot
from testsupport.botapi import EDIT_METHODS, SEND_METHODS, parse_html
from testsupport.corpora import SPUN_EXAMPLE
from testsupport.pages import article_html

USER = 4242
OTHER = [
    "Councillor Tom Brandt said on Wednesday that the bridge would cost far more than planned.",
    '"The estimate leaves out the new access roads," Brandt told reporters outside the town hall.',
    "Mayor Anna Keller rejected the claim and said the budget had been checked by the regional "
    "auditors, who found no gap.",
    "The council will publish the full cost plan next month, a spokesperson said.",
]
QUIET = 1.5  # seconds without a call to the fake: the bot has finished answering


async def settle(h, since: int, within: float = 20.0, quiet: float = QUIET) -> None:  # type: ignore[no-untyped-def]
    """Wait until the bot made at least one call after `since` and then fell quiet."""
    deadline = time.monotonic() + within
    seen, last_change = len(h.tg.calls), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if len(h.tg.calls) != seen:
            seen, last_change = len(h.tg.calls), time.monotonic()
        elif seen > since and time.monotonic() - last_change > quiet:
            return


def shown(h, since: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The messages sent, edited or deleted since call number `since`, as readable blocks."""
    out = []
    for call in h.tg.calls[since:]:
        if not call.ok:
            out.append(f"[{call.method} refused: {call.description}]")
            continue
        if call.method == "deleteMessage":
            out.append(f"[deleteMessage #{call.params.get('message_id')}]")
            continue
        if call.method not in SEND_METHODS | EDIT_METHODS:
            continue
        message = call.result if isinstance(call.result, dict) else {}
        # The text as sent: the fake's stored message may have been edited since.
        raw = call.params.get("text") or call.params.get("caption") or ""
        html = call.params.get("parse_mode", "").upper() == "HTML"
        text = (parse_html(raw)[0] if html else raw).strip()
        head = f"[{call.method} #{message.get('message_id')}"
        if "reply_to_message" in message:
            head += f", reply to #{message['reply_to_message']['message_id']}"
        document = message.get("document")
        if document:
            head += f", file {document.get('file_name')} ({document.get('file_size')} bytes)"
        block = [head + f", {len(text.encode('utf-16-le')) // 2} characters]", text]
        markup = json.loads(call.params.get("reply_markup") or "{}")
        rows = markup.get("inline_keyboard", [])
        if rows:
            block.append(" ".join(f"[{b['text']}]" for row in rows for b in row))
        out.append("\n".join(block))
    return out


async def step(h, title: str, push, quiet: float = QUIET) -> None:  # type: ignore[no-untyped-def]
    """Run one user action and print what came back."""
    since = len(h.tg.calls)
    push()
    await settle(h, since, quiet=quiet)
    print(f"### {title}\n\n```text")
    print("\n\n".join(shown(h, since)) or "(nothing)")
    print("```\n")


async def main() -> None:
    spun = document_from_text(SPUN_EXAMPLE.read_text("utf-8"), "spun")
    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(Path(tmp) / "llm") as h:
            article = h.pages.url("/article")
            page = h.pages.add_route(
                "/spun", article_html(title=spun.title, paragraphs=spun.text.split("\n\n"))
            )
            await step(h, "/start", lambda: h.tg.push_message(USER, "/start", first_name="Ann"))
            await step(h, "/help", lambda: h.tg.push_message(USER, "/help"))
            await step(h, "A link (with an LLM)", lambda: h.tg.push_message(USER, article))
            await step(h, "/clean of the spun example", lambda: h.tg.push_message(USER, f"/clean {page}"))  # fmt: skip
            await step(h, "/usage", lambda: h.tg.push_message(USER, "/usage"))

            # Another article (the same text would come from the cache).
            other = h.pages.add_route(
                "/other", article_html(title="Bridge costs questioned", paragraphs=OTHER)
            )

            def outage() -> None:
                h.llm.fail_next(500, times=1000)
                h.tg.push_message(USER, other)

            await step(h, "A link while the LLM is down", outage)
            if hasattr(h.llm, "recover"):  # the Retry button exists only after issue 19

                def retry() -> None:
                    h.llm.recover()
                    shown = [m for m in h.tg.sent(USER) if "reply_markup" in m][-1]
                    (button,) = shown["reply_markup"]["inline_keyboard"][0]
                    h.tg.push_callback(USER, USER, shown["message_id"], button["callback_data"])

                await step(h, "🔄 Retry once the LLM is back", retry)

            if hasattr(h.llm, "recover"):
                h.llm.recover()
            else:  # older checkouts: the LLM comes back for the remaining steps all the same
                h.llm._state.failures.clear()

            def forward() -> None:
                origin = h.tg.origin_channel(-1001234, "River News", 78, username="rivernews")
                h.tg.push_message(USER, " ".join(OTHER[::-1]), forward_origin=origin)

            await step(h, "A forwarded channel post (text only)", forward)
            slow = h.pages.add_route(
                "/slow", article_html(title="Ferry service resumes", paragraphs=OTHER[1:])
            )

            def slow_summary() -> None:
                h.llm.delay_next(4.0)
                h.tg.push_message(USER, slow)

            await step(h, "A slow summary (status message first)", slow_summary, quiet=6.0)
        async with running_bot(Path(tmp) / "offline", with_llm=False) as h:
            article = h.pages.url("/article")
            await step(h, "A link (no LLM configured)", lambda: h.tg.push_message(USER, article))
            await step(h, "/usage (no LLM configured)", lambda: h.tg.push_message(USER, "/usage"))


if __name__ == "__main__":
    asyncio.run(main())
