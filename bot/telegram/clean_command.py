"""/clean: one reply with the repaired text, the fixes counted and the most telling shown; an
[All fixes] button sends the full list as a file."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n import N_, _
from bot.ingest.text import document_from_text
from bot.models import Document, Result
from bot.telegram.buttons import EXPIRED
from bot.telegram.common import Context, guarded, reply_text, services_of
from bot.telegram.messages import body_text, command_args, links_in
from bot.telegram.progress import Progress
from bot.telegram.render import (
    MAX_CAPTION,
    fixes_list,
    format_clean,
    format_fixes,
    split_html,
    summary_title,
    title_html,
    utf16_len,
)
from bot.telegram.send import send_file

USAGE = N_(
    "Use <code>/clean LINK</code> or <code>/clean TEXT</code>, or reply <code>/clean</code> to a "
    "message with a link or text."
)
ALL_FIXES_LABEL = N_("📋 All fixes")
ALL_FIXES_SENT = N_("The full list is on its way.")


def file_stem(result: Result) -> str:
    """A safe file name stem from the title."""
    return re.sub(r"[^A-Za-z0-9]+", "-", summary_title(result)).strip("-")[:50] or "article"


def cleaned_file(result: Result) -> bytes:
    """The cleaned text with its title and source, as a UTF-8 text file."""
    doc = result.document
    head = [summary_title(result), doc.url] if doc.url else [summary_title(result)]
    return "\n".join([*head, "", doc.text, ""]).encode("utf-8")


def fixes_keyboard(key: str) -> InlineKeyboardMarkup:
    """The [All fixes] button."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_(ALL_FIXES_LABEL), callback_data=f"fixes|{key}")]]
    )


def _caption(result: Result) -> str:
    """The reply's head as a file caption (at most 1,024 units: fewer examples if need be)."""
    for examples in (5, 3, 1, 0):
        caption = f"{title_html(result)}\n\n{format_fixes(result, examples=examples)}"
        if utf16_len(caption) <= MAX_CAPTION:
            return caption
    return split_html(caption, MAX_CAPTION)[0]


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
        await reply_text(update, context, _(USAGE))
        return
    # Never hand user text to the pipeline as a "source" string: that could name a local file.
    source: str | Document = links[0] if links else document_from_text(text, "message")
    async with Progress(
        context.bot, chat.id, reply_to=message.message_id, services=services
    ) as progress:
        result = await services.pipeline.clean(source, progress=progress.update)
        repairs = result.clean.repairs if result.clean else ()
        markup = fixes_keyboard(context.bot_data.buttons.put(result)) if repairs else None
        html = format_clean(result)
        if len(split_html(html)) == 1:
            await progress.finish(html, reply_markup=markup)
            return
        # Too long for one message: the same reply, with the cleaned text as a file.
        await send_file(
            context.bot,
            chat.id,
            f"{file_stem(result)}-cleaned.txt",
            cleaned_file(result),
            caption_html=_caption(result),
            reply_to=message.message_id,
            services=services,
            reply_markup=markup,
        )
        await progress.discard()


@guarded()
async def on_all_fixes_button(update: Update, context: Context) -> None:
    """[All fixes]: every repair of that /clean, in text order, as a file."""
    query = update.callback_query
    if query is None or not query.data or query.message is None:
        return
    result = context.bot_data.buttons.get(query.data.partition("|")[2])
    if not isinstance(result, Result):
        await query.answer(_(EXPIRED))
        return
    await query.answer(_(ALL_FIXES_SENT))
    shown = query.message
    await send_file(
        context.bot,
        shown.chat.id,
        f"{file_stem(result)}-fixes.txt",
        fixes_list(result).encode("utf-8"),
        reply_to=shown.message_id,
        services=services_of(context),
    )
