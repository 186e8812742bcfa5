"""/clean: the repaired article text and the list of repairs (as a file when long)."""

from __future__ import annotations

import re

from telegram import Update

from bot.ingest.text import document_from_text
from bot.models import Document, Result
from bot.telegram.common import Context, guarded, reply_text, services_of
from bot.telegram.messages import body_text, command_args, links_in
from bot.telegram.progress import Progress
from bot.telegram.render import escape, format_repairs, utf16_len
from bot.telegram.send import send_file

INLINE_LIMIT = 3000  # longer cleaned texts go out as a .txt file
USAGE = (
    "Use <code>/clean LINK</code> or <code>/clean TEXT</code>, or reply <code>/clean</code> to a "
    "message with a link or text."
)


def cleaned_file(result: Result) -> bytes:
    """The cleaned text plus every repair, as a UTF-8 text file."""
    doc = result.document
    lines = [doc.title, doc.url, "", doc.text, "", "--- repairs ---"]
    for repair in result.clean.repairs if result.clean else ():
        lines.append(f"{repair.kind}\t{repair.before!r} -> {repair.after!r}\t@{repair.start}")
    return "\n".join(lines).encode("utf-8")


def file_name(result: Result) -> str:
    """A safe file name from the title."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", result.document.title).strip("-")[:50] or "article"
    return f"{stem}-cleaned.txt"


@guarded()
async def on_clean(update: Update, context: Context) -> None:
    """/clean LINK|TEXT, or as a reply."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    services = services_of(context)
    links = links_in(message)
    text = command_args(message)
    if not links and not text and message.reply_to_message is not None:
        links = links_in(message.reply_to_message)
        text = body_text(message.reply_to_message)
    if not links and not text.strip():
        await reply_text(update, context, USAGE)
        return
    # Never hand user text to the pipeline as a "source" string: that could name a local file.
    source: str | Document = links[0] if links else document_from_text(text, "message")
    async with Progress(
        context.bot, chat.id, reply_to=message.message_id, services=services
    ) as progress:
        result = await services.pipeline.clean(source, progress=progress.update)
        doc = result.document
        title = escape(doc.title or "Cleaned text")
        repairs = format_repairs(result)
        if utf16_len(doc.text) <= INLINE_LIMIT:
            await progress.finish(f"<b>{title}</b>\n\n{escape(doc.text)}\n\n{repairs}")
            return
        await progress.discard()
    count = len(result.clean.repairs) if result.clean else 0
    await send_file(
        context.bot,
        chat.id,
        file_name(result),
        cleaned_file(result),
        caption_html=f"<b>{title}</b>\n{count} repairs; the cleaned text and the list are in the file.",
        reply_to=message.message_id,
        services=services,
    )
