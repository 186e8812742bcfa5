"""Telegram commands for digests: /subscribe, /unsubscribe, /digest, /feeds, /filters and OPML
uploads."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.digests.feeds import FeedPoller, feed_error_message
from bot.digests.filters import MAX_TERM_CHARS, MAX_TERMS, check_limit, parse_terms
from bot.digests.opml import MAX_OPML_BYTES, NotOPMLError, export_opml, parse_opml
from bot.digests.scheduler import DigestScheduler
from bot.digests.timing import (
    TIME_EXAMPLE,
    format_local,
    looks_like_time,
    next_due,
    parse_local_time,
    parse_zone,
    quoted,
)
from bot.errors import BotError, InputError, TopicGoneError
from bot.services import Services, build_digest_scheduler
from bot.storage.digests import DigestStore, FeedInfo
from bot.storage.filters import DigestFilters, FilterRow
from bot.telegram.common import Context, guarded, reply_text, services_of, topic_of
from bot.telegram.digest_html import DigestHtml
from bot.telegram.messages import chat_ref
from bot.telegram.render import escape, link
from bot.telegram.send import MAIN_CHAT, reply_thread, send_file, send_html
from bot.telegram.settings_command import ADMIN_STATUSES, is_chat_admin, may_manage

log = logging.getLogger(__name__)

MAX_FEEDS_PER_CHAT = 200
FEEDS_HELP = (
    "Usage: <code>/feeds</code> lists this chat's feeds, <code>/feeds add URL</code>, "
    "<code>/feeds remove URL</code>, <code>/feeds export</code> (OPML). "
    "You can also send an .opml file to import feeds."
)
FILTERS_HELP = (
    "Usage: <code>/filters</code> shows this chat's digest filters; "
    "<code>/filters include WORD…</code> keeps only items that mention one of them; "
    "<code>/filters exclude WORD…</code> drops items that mention any; "
    "<code>/filters clear</code> removes them all. "
    'Quote phrases: <code>/filters exclude "transfer rumours"</code>. '
    "Put a feed's URL first to filter that feed only: <code>/filters URL exclude WORD</code>. "
    "Whole words are matched in titles and texts, ignoring case, as plain text (no patterns); "
    f"at most {MAX_TERMS} terms of 1–{MAX_TERM_CHARS} characters per chat."
)
_PATTERN_CHARS = set("*+?()[]{}|\\^$")


@dataclass(frozen=True, slots=True)
class Target:
    """The chat a command acts on: the current one, or a channel named from a private chat."""

    chat_id: int
    chat_type: str
    title: str
    is_channel_by_name: bool = False
    name: str = ""  # how the command named the channel (@name or its id)


TOPIC_GONE_NOTE = (
    "⚠️ The daily digest goes to a topic that was deleted or closed, so it is paused. An admin "
    "can send /subscribe in the topic where it should go (or in the main chat)."
)


def _scheduler(context: Context) -> DigestScheduler:
    scheduler = context.bot_data.digest_scheduler
    if scheduler is None:  # pragma: no cover - registered together with these commands
        raise RuntimeError("digest commands registered without a scheduler")
    return scheduler


def _store(context: Context) -> DigestStore:
    return DigestStore(services_of(context).db)


def _args(update: Update) -> list[str]:
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    return text.split()[1:]


async def _channel_target(update: Update, context: Context, ref: int | str) -> Target:
    """Resolve `@channel` / `t.me/channel` / `-100…` from a private chat; the sender must
    administer it and the bot must be able to post there."""
    name = str(ref)
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or chat.type != ChatType.PRIVATE:
        raise InputError(
            "Name a channel only in a private chat with me, e.g. " + _example_channel()
        )
    try:
        target = await context.bot.get_chat(ref)
    except TelegramError as exc:
        raise InputError(
            f"I can't find {name}. Add me to the channel as an admin first, then try again."
        ) from exc
    # The bot's own rights first: Telegram shows a channel's members only to its admins, so
    # until the bot is one, asking about the sender fails and would wrongly say "not an admin".
    try:
        me = await context.bot.get_chat_member(target.id, context.bot.id)
    except TelegramError as exc:
        raise InputError(f"I can't check my rights in {name}; add me as an admin.") from exc
    can_post = getattr(me, "can_post_messages", None)
    if me.status not in ADMIN_STATUSES or can_post is False:
        raise InputError(
            f"I can't post in {name}. Make me an admin with the right to post messages."
        )
    if not await is_chat_admin(context, target.id, user.id if user else None):
        raise InputError(f"Only an admin of {name} can subscribe it to a digest.")
    return Target(target.id, target.type, target.title or name, is_channel_by_name=True, name=name)


def _example_channel() -> str:
    # Plain text: error messages are escaped when shown.
    return "/subscribe @mychannel 07:30 Europe/Madrid"


async def _target(update: Update, context: Context, args: list[str]) -> tuple[Target, list[str]]:
    ref = chat_ref(args[0]) if args else None
    if ref is not None:
        return await _channel_target(update, context, ref), args[1:]
    chat = update.effective_chat
    assert chat is not None
    return Target(chat.id, chat.type, chat.title or chat.full_name or ""), args


def parse_subscribe_args(args: list[str]) -> tuple[str | None, str | None]:
    """['07:30', 'Europe/Madrid'] → (time, zone); either may be missing; InputError on nonsense."""
    local_time: str | None = None
    zone: str | None = None
    for arg in args:
        if looks_like_time(arg) and local_time is None:
            local_time = parse_local_time(arg)
        elif ("/" in arg or arg.upper() in ("UTC", "GMT")) and zone is None:
            zone = parse_zone(arg)
        else:
            raise InputError(
                f"I don't understand {quoted(arg)}. Give a time (HH:MM) and/or a time zone. "
                f"{TIME_EXAMPLE}"
            )
    return local_time, zone


@guarded()
async def on_subscribe(update: Update, context: Context) -> None:
    """/subscribe [@channel] [HH:MM] [Area/City]."""
    if update.effective_chat is None:
        return
    args = _args(update)
    target, rest = await _target(update, context, args)
    if not target.is_channel_by_name and not await may_manage(update, context):
        await reply_text(update, context, "Only the group's admins can change its digest.")
        return
    local_time, zone = parse_subscribe_args(rest)
    store = _store(context)
    services = services_of(context)
    current = await store.subscription(target.chat_id)
    if zone is None:
        zone = current.timezone if current else await store.chat_timezone(target.chat_id)
    if local_time is None:
        local_time = current.local_time if current else services.settings.digest_default_time
    now = services.clock.now()
    # Run in a forum topic, the digest goes to that topic.
    thread = None if target.is_channel_by_name else topic_of(update)
    await store.subscribe(
        target.chat_id,
        local_time,
        zone,
        now=now,
        chat_type=target.chat_type,
        title=target.title,
        thread_id=thread,
    )
    upcoming = format_local(next_due(local_time, zone, now), zone)
    where = f" for <b>{escape(target.title)}</b>" if target.is_channel_by_name else ""
    if thread is not None:
        where = " in this topic"
    if target.is_channel_by_name:
        # /feeds and /digest act on the chat they are sent in: here that is not the channel.
        name = escape(target.name)
        hint = (
            "Add sources by posting <code>/feeds add URL</code> in the channel; "
            f"<code>/unsubscribe {name}</code> here stops it."
        )
    else:
        hint = (
            "Add sources with <code>/feeds add URL</code>; /digest sends one now; "
            "/unsubscribe stops it."
        )
    await reply_text(
        update,
        context,
        f"✅ Daily digest{where} at <b>{local_time}</b> ({escape(zone)}).\n"
        f"Next one: {escape(upcoming)}.\n{hint}",
    )


@guarded()
async def on_unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe [@channel]."""
    if update.effective_chat is None:
        return
    target, _ = await _target(update, context, _args(update))
    if not target.is_channel_by_name and not await may_manage(update, context):
        await reply_text(update, context, "Only the group's admins can change its digest.")
        return
    if await _store(context).unsubscribe(target.chat_id):
        await reply_text(
            update,
            context,
            "Unsubscribed: no more daily digests. Feeds are kept; /subscribe resumes.",
        )
    else:
        await reply_text(update, context, "There is no daily digest here. /subscribe starts one.")


@guarded()
async def on_digest(update: Update, context: Context) -> None:
    """/digest: the digest now, without moving or consuming the scheduled one.
    /digest note on|off: send a "nothing new" note instead of skipping empty digests."""
    chat = update.effective_chat
    if chat is None:
        return
    args = [a.lower() for a in _args(update)]
    if args == ["all"]:
        if not await _scheduler(context).send_now(chat.id, everything=True):
            await reply_text(update, context, "Nothing new since the last digest.")
        return
    if args[:1] == ["note"]:
        if len(args) != 2 or args[1] not in ("on", "off"):
            await reply_text(
                update,
                context,
                "Usage: <code>/digest note on</code> or <code>/digest note off</code>.",
            )
            return
        if not await may_manage(update, context):
            await reply_text(update, context, "Only the group's admins can change its digest.")
            return
        store = _store(context)
        await store.ensure_chat(chat.id, now=services_of(context).clock.now(), chat_type=chat.type)
        await store.set_empty_note(chat.id, args[1] == "on")
        await reply_text(
            update,
            context,
            "Empty digests now send a short “nothing new” note."
            if args[1] == "on"
            else "Empty digests are skipped again.",
        )
        return
    sent = await _scheduler(context).send_now(chat.id)
    if not sent:
        await reply_text(update, context, "Nothing new since the last digest.")


@guarded()
async def on_feeds(update: Update, context: Context) -> None:
    """/feeds, /feeds add URL, /feeds remove URL, /feeds export."""
    chat = update.effective_chat
    if chat is None:
        return
    args = _args(update)
    store = _store(context)
    if not args or args[0].lower() in ("list", "ls"):
        await reply_text(update, context, await _feed_list(store, chat.id))
        return
    action = args[0].lower()
    if action == "export":
        feeds = await store.feeds(chat.id)
        if not feeds:
            await reply_text(update, context, "No feeds to export yet. " + FEEDS_HELP)
            return
        await send_file(
            context.bot,
            chat.id,
            "feeds.opml",
            export_opml([(f.url, f.title) for f in feeds]),
            caption_html=f"{len(feeds)} feeds",
            services=services_of(context),
        )
        return
    if action not in ("add", "remove", "rm", "del", "delete") or len(args) != 2:
        await reply_text(update, context, FEEDS_HELP)
        return
    if not await may_manage(update, context):
        await reply_text(update, context, "Only the group's admins can change its feeds.")
        return
    url = args[1].strip("<>")
    if action == "add":
        await _add_feed(update, context, store, chat.id, url)
    elif await store.remove_feed(chat.id, url):
        await reply_text(update, context, f"Removed {escape(url)}.")
    else:
        await reply_text(
            update, context, f"This chat does not follow {escape(url)}. /feeds lists them."
        )


async def _feed_list(store: DigestStore, chat_id: int) -> str:
    feeds = await store.feeds(chat_id)
    if not feeds:
        return "No feeds yet. " + FEEDS_HELP
    lines = [f"<b>Feeds ({len(feeds)})</b>"]
    for feed in feeds:
        line = f"• {link(feed.url, feed.title or feed.url)}"
        if feed.title:
            line += f" — <code>{escape(feed.url)}</code>"
        if feed.last_error:
            line += f"\n  ⚠️ {escape(feed.last_error)}"
        lines.append(line)
    return "\n".join(lines)


async def _add_feed(
    update: Update, context: Context, store: DigestStore, chat_id: int, url: str
) -> None:
    services = services_of(context)
    if len(await store.feeds(chat_id)) >= MAX_FEEDS_PER_CHAT:
        await reply_text(update, context, f"A chat can follow at most {MAX_FEEDS_PER_CHAT} feeds.")
        return
    poller = FeedPoller(store, services.pipeline)
    try:
        # Checked before anything is stored: a broken feed is refused, never half-added.
        feed_url, parsed = await poller.check(url)
    except BotError as exc:
        await reply_text(update, context, f"⚠️ {escape(feed_error_message(exc))}")
        return
    now = services.clock.now()
    if not await store.add_feed(chat_id, feed_url, parsed.title, now=now, limit=MAX_FEEDS_PER_CHAT):
        await reply_text(update, context, "This chat already follows that feed.")
        return
    note = f" ({parsed.skipped} malformed entries ignored)" if parsed.skipped else ""
    await reply_text(
        update,
        context,
        f"➕ Following {link(feed_url, parsed.title or feed_url)}: "
        f"{len(parsed.entries)} items now{note}. New items go into the daily digest.",
    )


def _rest(update: Update) -> str:
    """The message text after the command, quotes and all (phrases need them)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def _describe_filters(terms: list[FilterRow], feeds: list[FeedInfo]) -> str:
    if not terms:
        return "No digest filters: every item goes into the digest. " + FILTERS_HELP
    names = {f.id: f.title or f.url for f in feeds}
    lines = [f"<b>Digest filters ({len(terms)} of {MAX_TERMS} terms)</b>"]
    for feed_id in sorted({t.feed_id for t in terms}):
        where = "All items" if feed_id == 0 else f"Items of {escape(names.get(feed_id, '?'))}"
        for kind, verb in (
            ("include", "must mention one of"),
            ("exclude", "are dropped if they mention"),
        ):
            chosen = [t.term for t in terms if t.feed_id == feed_id and t.kind == kind]
            if chosen:
                shown = ", ".join(f"<code>{escape(t)}</code>" for t in chosen)
                lines.append(f"• {where} {verb}: {shown}")
    return "\n".join(lines)


@guarded()
async def on_filters(update: Update, context: Context) -> None:
    """/filters, /filters [FEED-URL] include|exclude WORD…, /filters [FEED-URL] clear."""
    chat = update.effective_chat
    if chat is None:
        return
    store = _store(context)
    repo = DigestFilters(store.db)
    rest = _rest(update).strip()
    feed: FeedInfo | None = None
    first, _, after = rest.partition(" ")
    if first.lower().startswith(("http://", "https://", "<http")):
        url = first.strip("<>")
        feed = next((f for f in await store.feeds(chat.id) if f.url == url), None)
        if feed is None:
            await reply_text(
                update, context, f"This chat does not follow {escape(url)}. /feeds lists them."
            )
            return
        rest = after.strip()
    action, _, words = rest.partition(" ")
    action = action.lower()
    if action in ("", "list", "ls"):
        feeds = await store.feeds(chat.id)
        await reply_text(update, context, _describe_filters(await repo.terms(chat.id), feeds))
        return
    if action not in ("include", "exclude", "clear"):
        await reply_text(update, context, FILTERS_HELP)
        return
    if not await may_manage(update, context):
        await reply_text(update, context, "Only the group's admins can change its digest filters.")
        return
    scope = feed.id if feed else 0
    if action == "clear":
        removed = await repo.clear(chat.id, feed_id=scope if feed else None)
        await reply_text(
            update,
            context,
            f"Removed {removed} filter {'term' if removed == 1 else 'terms'}; "
            "every item goes into the digest again."
            if removed
            else "There were no filters to clear.",
        )
        return
    terms = parse_terms(words)  # InputError → one clear reply, nothing stored
    existing = await repo.terms(chat.id)
    known = {t.term for t in existing if t.feed_id == scope}
    check_limit(len(existing), len([t for t in terms if t not in known]))
    now = services_of(context).clock.now()
    await store.ensure_chat(chat.id, now=now, chat_type=chat.type)
    await repo.add(chat.id, action, terms, feed_id=scope, now=now)
    where = f" from {escape(feed.title or feed.url)}" if feed else ""
    verb = "only items that mention one of" if action == "include" else "no items that mention"
    shown = ", ".join(f"<code>{escape(t)}</code>" for t in terms)
    literal = any(_PATTERN_CHARS & set(t) for t in terms)
    note = " (matched as plain text, not as a pattern)" if literal else ""
    await reply_text(
        update,
        context,
        f"✅ The digest now shows {verb}{where}: {shown}{note}. /filters lists all.",
    )


@guarded()
async def on_document(update: Update, context: Context) -> None:
    """An uploaded .opml file: import its feeds (all or nothing)."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None or message.document is None:
        return
    if not await may_manage(update, context):
        await reply_text(update, context, "Only the group's admins can change its feeds.")
        return
    document = message.document
    if document.file_size and document.file_size > MAX_OPML_BYTES:
        raise NotOPMLError(
            f"That file is larger than {MAX_OPML_BYTES // 1024} KB; it is not an OPML list I can import."
        )
    try:
        file = await context.bot.get_file(document.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        # getFile refuses files over 20 MB, and a file can be briefly unavailable.
        raise InputError(
            "I couldn't download that file from Telegram. Please send it again.",
            detail=f"getFile/download failed: {exc}",
        ) from exc
    imported = parse_opml(data)
    store = _store(context)
    added = await store.add_feeds(
        chat.id, imported.feeds, now=services_of(context).clock.now(), limit=MAX_FEEDS_PER_CHAT
    )
    known = len(imported.feeds) - added
    extra = []
    if known:
        extra.append(f"{known} already followed")
    if imported.rejected:
        extra.append(f"{imported.rejected} entries without an http(s) feed URL skipped")
    tail = f" ({'; '.join(extra)})" if extra else ""
    await reply_text(update, context, f"📥 Imported {added} feeds{tail}. /feeds lists them.")


def register_digest_commands(application: Application, services: Services) -> DigestScheduler:
    """Add /subscribe, /unsubscribe, /digest, /feeds, /filters and OPML uploads; return the
    scheduler."""

    store = DigestStore(services.db)

    async def send(chat_id: int, html: str) -> None:
        # services= lets send_html mark blocked chats and move migrated ones in the database.
        sub = await store.subscription(chat_id)
        # /digest answers in the topic it was sent from; scheduled digests go to the
        # subscription's topic.
        thread = reply_thread.get() or (sub.thread_id if sub is not None else None)
        try:
            await send_html(application.bot, chat_id, html, services=services, thread_id=thread)
        except TopicGoneError:
            # Told once: the scheduler pauses the subscription right after this.
            if sub is not None and sub.active:
                log.info("digest topic %s of chat %s is gone; telling the chat", thread, chat_id)
                try:
                    await send_html(
                        application.bot,
                        chat_id,
                        TOPIC_GONE_NOTE,
                        services=services,
                        thread_id=MAIN_CHAT,
                    )
                except (BotError, TelegramError) as exc:
                    log.info("could not report the gone topic: %s", exc)
            raise

    scheduler = build_digest_scheduler(services, send, DigestHtml())
    application.bot_data.digest_scheduler = scheduler
    anywhere = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST

    def final(callback):  # type: ignore[no-untyped-def]
        # Group -1 runs before the app's handlers; stopping there keeps the generic
        # "unknown command" reply from following ours.
        async def run(update, context):  # type: ignore[no-untyped-def]
            await callback(update, context)
            raise ApplicationHandlerStop

        return run

    commands = {
        "subscribe": on_subscribe,
        "unsubscribe": on_unsubscribe,
        "digest": on_digest,
        "feeds": on_feeds,
        "filters": on_filters,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, final(callback), filters=anywhere), group=-1)
    opml = filters.Document.FileExtension("opml") | filters.Document.MimeType("text/x-opml")
    # Some readers export OPML as .xml (FreshRSS's .opml.xml, Inoreader); in a private chat
    # such a file is surely meant for us, in a group it may be anything.
    xml = (
        filters.Document.FileExtension("xml")
        | filters.Document.MimeType("text/xml")
        | filters.Document.MimeType("application/xml")
    )
    opml |= filters.ChatType.PRIVATE & xml
    application.add_handler(
        MessageHandler(opml & filters.UpdateType.MESSAGE, final(on_document)), group=-1
    )
    return scheduler
