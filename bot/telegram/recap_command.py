"""/recap on|off, /recap [6h], /forget, and the handler that stores opted-in groups' messages.

Nothing is stored until an admin sends `/recap on`; `/recap off` deletes everything stored for the
group, `/forget` the caller's own messages, and stored texts older than RECAP_RETENTION_HOURS are
purged at each /recap and hourly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Message, Update
from telegram.constants import ChatType

from bot.errors import BotError
from bot.groups.llm import llm_recap
from bot.groups.recap import RecapPoint, message_link, offline_recap, parse_window
from bot.models import ChatMessage
from bot.services import Services
from bot.storage.article_texts import ArticleTexts
from bot.storage.group_messages import GroupMessages
from bot.summarise.prompts import load_prompt
from bot.telegram.common import Context, guarded, reply_text, services_of, topic_of
from bot.telegram.messages import command_args
from bot.telegram.progress import Progress
from bot.telegram.render import escape, link
from bot.telegram.settings_command import may_manage

log = logging.getLogger(__name__)

PURGE_EVERY = 3600.0  # seconds between retention purges
# Which bot message showed which article is kept this long (questions about older summaries get
# the "no article" answer); the article texts stay, like the summary cache.
SUMMARY_LINKS_KEPT = timedelta(days=30)

# User-facing texts, in one place for the translation catalogues.
NOT_IN_PRIVATE = "Recaps are for groups: add me to a group and send /recap there."
NOT_OPTED_IN = (
    "Recaps are off in this group, so no messages are stored. An admin can turn them on with "
    "<code>/recap on</code>."
)
ADMINS_ONLY = "Only the group's admins can turn recaps on or off."
RECAP_USAGE = (
    "Use <code>/recap</code> (since your last message), <code>/recap 6h</code> (the last six "
    "hours), or, for admins, <code>/recap on</code> / <code>/recap off</code>."
)
NOTHING_TO_RECAP = "Nothing to recap: no stored messages in that time."
NOTHING_SINCE_YOU = (
    "Nothing new since your last message. <code>/recap 6h</code> recaps the last six hours."
)
FORGET_PRIVATE = "Send /forget in the group whose stored messages of yours should be deleted."
LLM_FAILED_NOTE = "The LLM recap failed, so this is the offline (extractive) recap."


def stored_note(hours: float) -> str:
    """What /recap on stores, said when it is turned on and in /help."""
    return (
        "While recaps are on I store the text of each message in this group (with its author's "
        f"name and id, time, topic and reply) for {hours:g} hours, then delete it. "
        "<code>/recap off</code> deletes all of it; <code>/forget</code> deletes yours."
    )


def recap_on_text(hours: float) -> str:
    """Reply to /recap on."""
    return "✅ Recaps are on. " + stored_note(hours)


def recap_already_on(hours: float) -> str:
    """Reply to /recap on when it already was."""
    return "Recaps were already on. " + stored_note(hours)


def recap_off_text(deleted: int) -> str:
    """Reply to /recap off."""
    return f"Recaps are off; {deleted} stored messages were deleted. Nothing is stored any more."


def forgot_text(deleted: int) -> str:
    """Reply to /forget."""
    return f"🗑 Deleted {deleted} stored messages of yours in this group."


def left_out_text(count: int) -> str:
    """The line saying how many older messages the recap did not cover."""
    return f"{count} older messages were left out (at most the newest are recapped)."


def store_of(services: Services) -> GroupMessages:
    """The group-message store on the injected database and clock."""
    return GroupMessages(services.db, services.clock)


def retention(services: Services) -> timedelta:
    """How long stored messages are kept."""
    return timedelta(hours=max(0.1, services.settings.recap_retention_hours))


# --- rendering (pure) -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecapView:
    """What a recap message shows besides its points."""

    chat_id: int
    username: str
    thread_id: int | None
    covered: int  # messages recapped
    left_out: int
    since: datetime
    note: str = ""


def _names_author(point: RecapPoint) -> bool:
    first = point.author.split()[0] if point.author.split() else ""
    return bool(first) and first.lower() in point.text.lower()


def render_recap(points: Sequence[RecapPoint], view: RecapView, *, quoted: bool) -> str:
    """The recap as Telegram HTML: a head line, one linked bullet per point, the notes.

    `quoted` (offline recaps) shows each point as the author's own words; LLM points are
    paraphrases and get the author's name only when they do not already name them.
    """
    since = view.since.strftime("%d %b %H:%M")
    lines = [f"🧵 <b>Recap</b> of {view.covered} messages since {since} UTC", ""]
    for point in points:
        href = message_link(
            view.chat_id, point.message_id, username=view.username, thread_id=view.thread_id
        )
        if quoted:
            body = f"<b>{escape(point.author)}</b>: “{escape(point.text)}”"
            if point.replies:
                body += f" <i>({point.replies} {'reply' if point.replies == 1 else 'replies'})</i>"
        elif _names_author(point):
            body = escape(point.text)
        else:
            body = f"<b>{escape(point.author)}</b>: {escape(point.text)}"
        lines.append(f"• {body} {link(href, '↗')}" if href else f"• {body}")
    if view.left_out:
        lines += ["", f"<i>{escape(left_out_text(view.left_out))}</i>"]
    if view.note:
        lines += ["", f"<i>{escape(view.note)}</i>"]
    return "\n".join(lines)


# --- handlers ---------------------------------------------------------------------------------


def author_of(message: Message) -> str:
    """The name a recap shows for a message's sender."""
    if message.sender_chat is not None:
        return message.sender_chat.title or "Admin"
    user = message.from_user
    return user.full_name if user is not None else "Someone"


def _reply_target(message: Message) -> int | None:
    replied = message.reply_to_message
    # In a forum every topic message "replies" to the topic's creation message: not a thread.
    if replied is None or replied.forum_topic_created is not None:
        return None
    return replied.message_id


@guarded(check_access=False, remember=False)
async def on_group_text(update: Update, context: Context) -> None:
    """Store a group message for /recap, only when the group opted in (checked in the write)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    text = message.text or message.caption or ""
    if not text.strip() or text.startswith("/"):
        return
    user = message.from_user
    await store_of(services_of(context)).record(
        chat.id,
        ChatMessage(
            message_id=message.message_id,
            author=author_of(message),
            text=text,
            at=message.date,
            user_id=user.id if user is not None else None,
            reply_to=_reply_target(message),
            thread_id=topic_of(update),
        ),
    )


@guarded()
async def on_recap(update: Update, context: Context) -> None:
    """/recap on|off (admins), /recap (since your last message), /recap 6h."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    services = services_of(context)
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await reply_text(update, context, escape(NOT_IN_PRIVATE))
        return
    store = store_of(services)
    args = command_args(message)
    hours = services.settings.recap_retention_hours
    if args.lower() in ("on", "off"):
        if not await may_manage(update, context):
            await reply_text(update, context, escape(ADMINS_ONLY))
            return
        if args.lower() == "on":
            user = update.effective_user
            fresh = await store.enable(chat.id, user.id if user else None)
            await reply_text(
                update, context, recap_on_text(hours) if fresh else recap_already_on(hours)
            )
        else:
            await reply_text(update, context, recap_off_text(await store.disable(chat.id)))
        return
    if not await store.is_enabled(chat.id):
        await reply_text(update, context, NOT_OPTED_IN)
        return
    keep = retention(services)
    now = services.clock.now()
    await store.purge(now - keep)
    last = None
    if args:
        after = now - parse_window(args, longest=keep)  # InputError → one clear message
    else:
        user = update.effective_user
        last = await store.last_message_at(chat.id, user.id) if user is not None else None
        after = last if last is not None else now - keep
    thread = topic_of(update)
    limit = max(1, services.settings.recap_max_messages)
    messages, left_out = await store.since(chat.id, after, thread_id=thread, limit=limit)
    if not messages:
        await reply_text(
            update, context, NOTHING_SINCE_YOU if last is not None else escape(NOTHING_TO_RECAP)
        )
        return
    async with Progress(
        context.bot, chat.id, reply_to=message.message_id, services=services
    ) as progress:
        points, quoted, note = await _points(services, messages, chat.title or "", progress)
        if not points:
            await progress.discard()
            await reply_text(update, context, escape(NOTHING_TO_RECAP))
            return
        view = RecapView(
            chat_id=chat.id,
            username=chat.username or "",
            thread_id=thread,
            covered=len(messages),
            left_out=left_out,
            since=after,
            note=note,
        )
        await progress.finish(render_recap(points, view, quoted=quoted))


async def _points(
    services: Services, messages: list[ChatMessage], title: str, progress: Progress
) -> tuple[list[RecapPoint], bool, str]:
    """(points, quoted, note): the LLM recap when one is configured, else the offline one."""
    summariser = services.pipeline.summariser
    client = getattr(summariser, "client", None)
    if services.pipeline.uses_llm and client is not None:
        await progress.update("summarising")
        try:
            recap = await llm_recap(
                client,
                load_prompt("recap"),
                messages,
                context_tokens=services.settings.openai_context_tokens,
                chat_title=title,
            )
            return recap.points, False, ""
        except BotError as exc:
            log.warning("LLM recap failed (%s); offline recap instead", exc.detail or exc)
            note = LLM_FAILED_NOTE
        except Exception:
            log.exception("LLM recap crashed; offline recap instead")
            note = LLM_FAILED_NOTE
    else:
        note = ""
    points = await asyncio.to_thread(offline_recap, messages)
    return points, True, note


@guarded()
async def on_forget(update: Update, context: Context) -> None:
    """/forget: delete the caller's stored messages in this group."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        return
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await reply_text(update, context, escape(FORGET_PRIVATE))
        return
    deleted = await store_of(services_of(context)).forget(chat.id, user.id)
    await reply_text(update, context, escape(forgot_text(deleted)))


async def purge_forever(services: Services, every: float = PURGE_EVERY) -> None:
    """Delete stored messages past the retention time (and old summary → article links) now
    and then every `every` seconds."""
    store = store_of(services)
    links = ArticleTexts(services.db, services.clock)
    while True:
        try:
            now = services.clock.now()
            deleted = await store.purge(now - retention(services))
            if deleted:
                log.info("recap retention: %d stored messages deleted", deleted)
            await links.purge(now - SUMMARY_LINKS_KEPT)
        except Exception:  # the next round tries again; a purge must never stop the bot
            log.exception("recap retention purge failed")
        await asyncio.sleep(every)


def start_purging(services: Services) -> asyncio.Task[None]:
    """The hourly retention purge as a task (cancel it at shutdown)."""
    return asyncio.create_task(purge_forever(services), name="recap-purge")


async def stop_purging(task: asyncio.Task[None] | None) -> None:
    """Cancel the purge task and wait for it."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


__all__ = [
    "RecapView",
    "on_forget",
    "on_group_text",
    "on_recap",
    "render_recap",
    "start_purging",
    "stop_purging",
    "stored_note",
]
