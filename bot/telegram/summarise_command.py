"""Summaries in chats: links, pasted text and forwards in private chats, /summarize (/tldr),
mentions and auto mode in groups, and channel posts."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Document as TelegramDocument
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.errors import BotError, ChatMovedError, DeliveryUnknownError, FetchError, TooLargeError
from bot.ingest.text import document_from_text
from bot.models import Document, Result, SummaryOptions, TokenAllowance
from bot.storage.chats import ChatSettings
from bot.storage.topics import TopicSettings
from bot.telegram.access import check_quota, is_allowed, quota_allowance
from bot.telegram.buttons import EXPIRED
from bot.telegram.common import (
    GENERIC_ERROR,
    Context,
    chats_of,
    error_line,
    guarded,
    reply_text,
    services_of,
    topic_of,
)
from bot.telegram.messages import (
    body_text,
    command_args,
    forward_heading,
    links_in,
    mentions_bot,
    origin_html,
    origin_kind,
    pdf_attachment,
)
from bot.telegram.policy import cap_links
from bot.telegram.progress import Progress
from bot.telegram.question_command import remember_summary
from bot.telegram.render import escape, format_summary, split_html
from bot.telegram.send import delete_message, edit_html, send_html

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 280  # shorter pasted text without a link is chit-chat, not an article
MIN_FORWARD_CHARS = 80
HINT = (
    "Send me a link to a news article (or a PDF), paste the article's text, or forward a post, "
    "and I'll reply with a summary of who said what. /help lists everything I can do."
)
SUMMARIZE_USAGE = (
    "Use <code>/summarize LINK</code> or <code>/summarize TEXT</code>, or reply "
    "<code>/summarize</code> to a message with a link or a PDF."
)


def options_for(chat: ChatSettings) -> SummaryOptions:
    """The chat's summary settings as pipeline options."""
    length = chat.summary_length if chat.summary_length in ("short", "medium", "long") else "medium"
    return SummaryOptions(length=length, language=chat.summary_language)  # type: ignore[arg-type]


async def summarise_in_chat(
    update: Update,
    context: Context,
    *,
    links: list[str],
    text: str = "",
    source_message: Message | None = None,
    quiet: bool = False,
    document: Document | None = None,
) -> None:
    """Summarise each link (or the text, or a ready `document`), replying in order.

    `quiet` (auto mode: nobody asked) drops failures from the chat; they are only logged.
    """
    services = services_of(context)
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    user = update.effective_user
    user_id = user.id if user is not None and chat.type != ChatType.CHANNEL else None
    settings = await chats_of(context).get(chat.id)
    options = options_for(settings)
    origin_from = source_message or message
    origin = origin_html(origin_from)
    heading = forward_heading(origin_from)
    kind = origin_kind(origin_from)
    limit = max(1, services.settings.max_links_per_message)
    taken, skipped = cap_links(links, limit)
    sources: list[str | Document] = list(taken)
    if document is not None:
        sources, skipped = [document], []
    elif not sources:
        sources = [document_from_text(text, "message")]
    label = f"{len(sources)} links" if len(sources) > 1 else ""

    inflight = context.bot_data.inflight
    with inflight.entered():
        async with Progress(
            context.bot,
            chat.id,
            reply_to=message.message_id,
            services=services,
            label=label,
            # Asked when the status is due: by then the burst this request came in may be
            # waiting for its answers, which need the flood budget more than a status does.
            allow_status=lambda: inflight.allows_status(inflight.count),
        ) as progress:
            request = SummaryRequest(sources, options, kind, origin, user_id, quiet, heading)
            await _summarise_all(update, context, progress, request)
    if skipped:
        await reply_text(
            update,
            context,
            f"<i>Only the first {limit} links were summarised; {len(skipped)} more skipped.</i>",
        )


@dataclass(frozen=True, slots=True)
class SummaryRequest:
    """What one message asked for: its sources and how to answer."""

    sources: list[str | Document]
    options: SummaryOptions
    kind: str  # origin recorded with the article: message | forward | auto | …
    origin: str  # HTML naming where a forwarded post came from, or ""
    user_id: int | None
    quiet: bool  # auto mode: failures are not reported in the chat
    heading: str = ""  # HTML title of an untitled forwarded post: "Post from ‹channel› · ‹date›"


@dataclass(slots=True)
class RetryRequest:
    """What a fallback summary's 🔄 Retry button re-runs through the LLM."""

    source: str | Document
    options: SummaryOptions
    kind: str
    origin: str
    heading: str
    running: bool = False  # a second press while the first is at work does nothing


RETRY_LABEL = "🔄 Retry"
RETRY_STARTED = "Asking the AI again…"
RETRY_STILL_DOWN = "The AI summary is still unavailable. Try again in a few minutes."
RETRY_RUNNING = "Already retrying…"
RETRY_DONE = "Done: here is the AI summary."
RETRY_ANSWER_WITHIN = 5.0  # seconds; Telegram shows a spinner on the button until answered


def retry_keyboard(key: str) -> InlineKeyboardMarkup:
    """The Retry button under a fallback summary."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(RETRY_LABEL, callback_data=f"retry|{key}")]])


def summary_reply(
    context: Context, result: Result, source: str | Document, request: SummaryRequest
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The summary's HTML, and a Retry button when it is the offline fallback."""
    html = format_summary(result, origin=request.origin, heading=request.heading)
    if not result.is_fallback:
        return html, None
    key = context.bot_data.buttons.put(
        RetryRequest(source, request.options, request.kind, request.origin, request.heading)
    )
    return html, retry_keyboard(key)


async def _summarise_all(
    update: Update, context: Context, progress: Progress, request: SummaryRequest
) -> None:
    services = services_of(context)
    sources, options, kind = request.sources, request.options, request.kind
    user_id, quiet = request.user_id, request.quiet
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None
    several = len(sources) > 1
    # One allowance for the whole message: its links run concurrently, and each LLM call
    # reserves its worst case from it, so five links cannot each spend the whole quota.
    allowance: TokenAllowance | None = None
    quota_error: BotError | None = None
    try:
        allowance = await quota_allowance(services, user_id)
    except BotError as exc:
        quota_error = exc
    results: dict[int, Result] = {}  # by source index: the article behind each answer

    async def one(
        index: int, source: str | Document
    ) -> tuple[str, InlineKeyboardMarkup | None] | None:
        try:
            if quota_error is not None:
                raise quota_error
            result = await services.pipeline.summarise(
                source,
                options,
                chat_id=chat.id,
                user_id=user_id,
                origin=kind,
                progress=progress.update,
                allowance=allowance,
            )
        except BotError as exc:
            log.info("summary failed: %s (%s)", type(exc).__name__, exc.detail or "")
            if quiet:
                return None
            return error_line(exc, source if several and isinstance(source, str) else ""), None
        except Exception:
            # A bug for one link must not lose the others; it is logged with the update id.
            log.exception("summary crashed for update %s", update.update_id)
            if quiet:
                return None
            name = source if several and isinstance(source, str) else ""
            return error_line(BotError(GENERIC_ERROR), name), None
        results[index] = result
        return summary_reply(context, result, source, request)

    tasks = [asyncio.create_task(one(i, source)) for i, source in enumerate(sources)]
    answered = False
    target = chat.id  # the supergroup's id once the group migrated while we worked

    async def deliver(html: str, markup: object | None = None) -> list[Message]:
        nonlocal target
        try:
            if not answered and target == chat.id:
                return await progress.finish(html, reply_markup=markup)
            reply_to = message.message_id if target == chat.id else None
            return await send_html(
                context.bot,
                target,
                html,
                reply_to=reply_to,
                services=services,
                reply_markup=markup,
            )
        except ChatMovedError as moved:
            # The group's data already moved (call_chat did that); the answer follows it.
            target = moved.new_chat_id
            return await send_html(
                context.bot, target, html, services=services, reply_markup=markup
            )
        except DeliveryUnknownError as exc:
            log.warning("answer may not have arrived (%s); not sent twice", exc.detail)
            return []

    try:
        for index, task in enumerate(tasks):
            reply = await task
            if reply is None:
                continue
            html, markup = reply
            sent = await deliver(html, markup)
            answered = True
            if index in results:  # replies to the summary can ask about the article
                await remember_summary(services, target, sent, results[index])
        if not answered:
            await progress.discard()
    finally:
        for task in tasks:
            task.cancel()


def _wants_text(message: Message, text: str) -> bool:
    minimum = MIN_FORWARD_CHARS if message.forward_origin is not None else MIN_TEXT_CHARS
    return len(text.strip()) >= minimum


def _will_summarise(update: Update) -> bool:
    """Whether a private message is an article to summarise (worth a "typing…"), not chat."""
    message = update.effective_message
    return message is not None and bool(
        links_in(message) or _wants_text(message, body_text(message))
    )


def _command_will_work(update: Update) -> bool:
    """Whether /summarize has something to work on (else it answers its usage at once)."""
    message = update.effective_message
    if message is None:
        return False
    replied = message.reply_to_message
    return bool(
        links_in(message)
        or command_args(message)
        or (replied is not None and (pdf_attachment(replied) or body_text(replied).strip()))
    )


@guarded(typing=_will_summarise)
async def on_private_message(update: Update, context: Context) -> None:
    """Private chat: links, long text or a forward → summary; anything else → a hint."""
    message = update.effective_message
    if message is None:
        return
    links = links_in(message)
    text = body_text(message)
    if links or _wants_text(message, text):
        await summarise_in_chat(update, context, links=links, text=text)
    else:
        await reply_text(update, context, escape(HINT))


FILES_HINT = (
    "I read PDF articles and OPML feed lists (an <code>.opml</code> export from your feed "
    "reader) from files. To summarise an article, send me its link or paste its text."
)


@guarded()
async def on_other_file(update: Update, context: Context) -> None:
    """Private chat: any other file → which files are read and what to send instead."""
    await reply_text(update, context, FILES_HINT)


async def pdf_from_telegram(context: Context, attachment: TelegramDocument) -> Document:
    """Download a PDF sent to Telegram (up to PDF_MAX_BYTES) and read its text."""
    cap = services_of(context).settings.pdf_max_bytes
    too_large = TooLargeError(
        f"That PDF is larger than {cap / (1024 * 1024):g} MB, more than the bot processes; "
        "send the part that matters, or paste its text."
    )
    if attachment.file_size and attachment.file_size > cap:
        raise too_large  # refused before anything is downloaded
    try:
        file = await context.bot.get_file(attachment.file_id)
        data = bytes(await file.download_as_bytearray())
    except BadRequest as exc:
        # The Bot API hands bots files up to 20 MB; it says "file is too big" for larger ones.
        if "too big" in exc.message.lower():
            raise too_large from exc
        raise FetchError(
            "Telegram did not hand over that file; send it again or send a link to it.",
            detail=repr(exc),
        ) from exc
    except TelegramError as exc:
        raise FetchError(
            "Telegram did not hand over that file; send it again or send a link to it.",
            detail=repr(exc),
        ) from exc
    if len(data) > cap:
        raise too_large
    name = attachment.file_name or "document.pdf"
    return await services_of(context).pipeline.pdf_document(data, name)


@guarded(typing=True)
async def on_pdf_document(update: Update, context: Context) -> None:
    """Private chat: a PDF sent as a file → its summary, like a link to it."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    document = await pdf_from_telegram(context, message.document)
    await summarise_in_chat(update, context, links=[], document=document)


@guarded(typing=_command_will_work)
async def on_summarise_command(update: Update, context: Context) -> None:
    """/summarize or /tldr with a link or text, or as a reply to a message (its PDF, links or
    text)."""
    message = update.effective_message
    if message is None:
        return
    links = links_in(message)
    text = command_args(message)
    if links or text:
        await summarise_in_chat(update, context, links=links, text=text)
        return
    replied = message.reply_to_message
    attachment = pdf_attachment(replied)
    if replied is not None and attachment is not None:
        # The PDF is what the message carries; a caption only describes it.
        document = await pdf_from_telegram(context, attachment)
        await summarise_in_chat(
            update, context, links=[], document=document, source_message=replied
        )
        return
    if replied is not None:
        links = links_in(replied)
        text = body_text(replied)
        if links or text.strip():
            await summarise_in_chat(update, context, links=links, text=text, source_message=replied)
            return
    await reply_text(update, context, SUMMARIZE_USAGE)


@guarded(check_access=False)
async def on_group_message(update: Update, context: Context) -> None:
    """Groups: a mention or a reply to the bot acts like a private message; with auto mode on,
    every link posted is summarised. Otherwise the bot stays quiet."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    services = services_of(context)
    user = update.effective_user
    if not is_allowed(services, user_id=user.id if user else None, chat_id=chat.id):
        return  # no replies to strangers in groups
    if mentions_bot(message, context.bot.username):
        links = links_in(message)
        text = body_text(message).replace(f"@{context.bot.username}", "").strip()
        replied = message.reply_to_message
        own_reply = (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.username == context.bot.username
        )
        if not links and replied is not None and not own_reply:
            links = links_in(replied)
            if links or _wants_text(replied, body_text(replied)):
                await summarise_in_chat(
                    update, context, links=links, text=body_text(replied), source_message=replied
                )
                return
        if links or _wants_text(message, text):
            await summarise_in_chat(update, context, links=links, text=text)
        else:
            await reply_text(update, context, escape(HINT))
        return
    if (message.from_user is not None and message.from_user.is_bot) or message.via_bot:
        return  # never auto-summarise other bots' posts: two such bots would loop forever
    settings = await chats_of(context).get(chat.id)
    # In a forum topic, the topic's own /auto setting wins over the chat's.
    topics = TopicSettings(services.db)
    if await topics.auto(chat.id, topic_of(update), settings.auto_mode):
        links = links_in(message)
        if links:
            await summarise_in_chat(update, context, links=links, quiet=True)


@guarded(check_access=False)
async def on_channel_post(update: Update, context: Context) -> None:
    """Channels: `/auto on|off` switches auto mode; with it on, posts with links get a summary."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    services = services_of(context)
    if not is_allowed(services, user_id=None, chat_id=chat.id):
        return
    text = (message.text or "").strip()
    if text.startswith("/"):
        return  # commands in channels are routed to the command handlers
    settings = await chats_of(context).get(chat.id)
    if settings.auto_mode:
        links = links_in(message)
        if links:
            await summarise_in_chat(update, context, links=links, quiet=True)


@guarded()
async def on_retry_button(update: Update, context: Context) -> None:
    """🔄 Retry under a fallback summary: ask the LLM again and edit the summary in place."""
    query = update.callback_query
    if query is None or not query.data or query.message is None:
        return
    request = context.bot_data.buttons.get(query.data.partition("|")[2])
    if not isinstance(request, RetryRequest):
        await query.answer(EXPIRED)
        return
    if request.running:
        await query.answer(RETRY_RUNNING)
        return
    request.running = True
    try:
        task = asyncio.create_task(_retry(update, context, request))
        done, _ = await asyncio.wait({task}, timeout=RETRY_ANSWER_WITHIN)
        if done:
            await query.answer(task.result())
            return
        await query.answer(RETRY_STARTED)
        await task
    finally:
        request.running = False


async def _retry(update: Update, context: Context, request: RetryRequest) -> str:
    """Re-run the summary; edit the message when the LLM answered. Returns the button's answer."""
    services = services_of(context)
    query = update.callback_query
    assert query is not None and query.message is not None
    shown = query.message
    user_id = query.from_user.id if shown.chat.type != ChatType.CHANNEL else None
    await check_quota(services, user_id)
    result = await services.pipeline.summarise(
        request.source,
        request.options,
        chat_id=shown.chat.id,
        user_id=user_id,
        origin=request.kind,
        record_article=False,  # the same article as before, not another one
    )
    if result.is_fallback:
        return RETRY_STILL_DOWN
    html = format_summary(result, origin=request.origin, heading=request.heading)
    if len(split_html(html)) == 1 and await edit_html(
        context.bot, shown.chat.id, shown.message_id, html, services=services
    ):
        return RETRY_DONE
    # Too long to edit into one message: the AI summary comes as new messages instead.
    replied = shown.reply_to_message if isinstance(shown, Message) else None
    await send_html(
        context.bot,
        shown.chat.id,
        html,
        reply_to=replied.message_id if replied is not None else None,
        services=services,
    )
    await delete_message(context.bot, shown.chat.id, shown.message_id, services=services)
    return RETRY_DONE
