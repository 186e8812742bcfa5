"""/settings (inline keyboard), /auto, and changing a channel's settings from a private chat."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.errors import AccessDeniedError, InputError
from bot.models import LENGTHS
from bot.storage.chats import ChatSettings
from bot.storage.topics import TopicSettings
from bot.telegram.common import Context, chats_of, guarded, reply_text, services_of, topic_of
from bot.telegram.messages import chat_ref, command_args
from bot.telegram.render import escape
from bot.telegram.send import delete_message

log = logging.getLogger(__name__)

AS_IN_ARTICLE = "As in the article"
LANGUAGES = (("", AS_IN_ARTICLE), ("en", "English"), ("de", "Deutsch"), ("fr", "Français"),
             ("es", "Español"), ("ru", "Русский"))  # fmt: skip
CLOSE_LABEL = "✖️ Close"
CLOSED = "Settings closed."
SAVED = "Saved."
ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)
# Telegram's "GroupAnonymousBot": messages from anonymous group admins come from this user.
ANONYMOUS_ADMIN_ID = 1087968824
PRIVACY_NOTE = (
    "⚠️ I can't see ordinary messages here: privacy mode is on and I'm not an admin, so auto mode "
    "only sees commands and replies to me. To fix it, make me an admin of this group, or ask the "
    "bot's owner to turn privacy off with @BotFather → /setprivacy → Disable (then remove and "
    "re-add me)."
)


def language_name(code: str) -> str:
    """ "English", "Deutsch", …, or "as in the article" for the article's own language."""
    name = dict(LANGUAGES).get(code, code)
    return AS_IN_ARTICLE.lower() if not code else name


def settings_html(chat: ChatSettings, *, title: str = "", note: str = "") -> str:
    """The settings text shown above the keyboard."""
    where = f" for <b>{escape(title)}</b>" if title else ""
    lines = [
        f"⚙️ Settings{where}",
        f"Summary length: <b>{escape(chat.summary_length)}</b>",
        f"Language: <b>{escape(language_name(chat.summary_language))}</b>",
    ]
    if chat.type != ChatType.PRIVATE:
        lines.append(f"Auto mode: <b>{'on' if chat.auto_mode else 'off'}</b>")
        lines.append(
            "<i>Auto mode summarises every link posted here; only admins may change these "
            "settings.</i>"
        )
    if note:
        lines.append("")
        lines.append(escape(note))
    return "\n".join(lines)


def settings_keyboard(chat: ChatSettings) -> InlineKeyboardMarkup:
    """Buttons for length, language and (groups/channels) auto mode; callback data s|chat|key|v."""

    def button(label: str, key: str, value: str, current: bool) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            f"✓ {label}" if current else label, callback_data=f"s|{chat.id}|{key}|{value}"
        )

    rows = [
        [button(length, "len", length, chat.summary_length == length) for length in LENGTHS],
        [button(name, "lang", code, chat.summary_language == code) for code, name in LANGUAGES[:3]],
        [button(name, "lang", code, chat.summary_language == code) for code, name in LANGUAGES[3:]],
    ]
    if chat.type != ChatType.PRIVATE:
        rows.append(
            [
                button("Auto on", "auto", "1", chat.auto_mode),
                button("Auto off", "auto", "0", not chat.auto_mode),
            ]
        )
    rows.append([InlineKeyboardButton(CLOSE_LABEL, callback_data=f"s|{chat.id}|close|")])
    return InlineKeyboardMarkup(rows)


def already_answer(chat: ChatSettings, key: str, value: str) -> str:
    """ "Already medium" when a button names the setting already in force ("" otherwise)."""
    if key == "len" and value == chat.summary_length:
        return f"Already {value}"
    if key == "lang" and value == chat.summary_language:
        return f"Already {language_name(value)}"
    if key == "auto" and value in ("0", "1") and (value == "1") == chat.auto_mode:
        return f"Auto mode is already {'on' if chat.auto_mode else 'off'}"
    return ""


async def is_chat_admin(context: Context, chat_id: int, user_id: int | None) -> bool:
    """True when `user_id` administers `chat_id` (asked via getChatMember)."""
    if user_id is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.info("getChatMember(%s, %s) failed: %s", chat_id, user_id, exc)
        return False
    return member.status in ADMIN_STATUSES


async def may_manage(update: Update, context: Context) -> bool:
    """Whether the sender may change this chat's settings: anyone in a private chat, a channel's
    posts (only its admins can post), an anonymous admin, or a group admin."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None:
        return False
    if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
        return True
    if (
        message is not None
        and message.sender_chat is not None
        and message.sender_chat.id == chat.id
    ):
        return True  # an anonymous admin posting as the group
    user = update.effective_user
    if user is not None and user.id == ANONYMOUS_ADMIN_ID:
        return True
    return await is_chat_admin(context, chat.id, user.id if user else None)


async def privacy_note(context: Context, chat_id: int, chat_type: str) -> str:
    """Explains how to let the bot see group messages when it cannot ("" when it can)."""
    if chat_type not in GROUP_TYPES or context.bot.can_read_all_group_messages:
        return ""
    if await is_chat_admin(context, chat_id, context.bot.id):
        return ""
    return PRIVACY_NOTE


def _target_from_args(args: str) -> int | str | None:
    words = args.split()
    return chat_ref(words[0]) if words else None


@guarded()
async def on_settings(update: Update, context: Context) -> None:
    """/settings: show this chat's settings; in private, `/settings @channel` for a channel."""
    chat = update.effective_chat
    if chat is None:
        return
    repo = chats_of(context)
    target = _target_from_args(command_args(update.effective_message))
    if chat.type == ChatType.PRIVATE and target is not None:
        user = update.effective_user
        try:
            remote = await context.bot.get_chat(target)
        except TelegramError as exc:
            raise InputError(
                "I can't find that chat. Add me to the channel as an admin first, then send "
                "/settings @channelname (or its numeric id)."
            ) from exc
        if not await is_chat_admin(context, remote.id, user.id if user else None):
            raise AccessDeniedError("Only admins of that chat can change its settings.")
        current = await repo.ensure(
            remote.id, type=remote.type, title=remote.title or "", username=remote.username or ""
        )
        await reply_text(
            update,
            context,
            settings_html(current, title=remote.title or str(remote.id)),
            reply_markup=settings_keyboard(current),
        )
        return
    current = await repo.get(chat.id)
    note = await privacy_note(context, chat.id, chat.type)
    if not await may_manage(update, context):
        # Members see the settings, without buttons they could not use.
        text = settings_html(current, note=note) + "\n\nAsk an admin to change these."
        await reply_text(update, context, text)
        return
    await reply_text(
        update, context, settings_html(current, note=note), reply_markup=settings_keyboard(current)
    )


@guarded()
async def on_settings_button(update: Update, context: Context) -> None:
    """A settings button: check the presser may change that chat, store, redraw the keyboard."""
    query = update.callback_query
    if query is None or not query.data:
        return
    try:
        _, chat_text, key, value = query.data.split("|", 3)
        target_id = int(chat_text)
    except ValueError:
        await query.answer("That button is out of date.")
        return
    user_id = query.from_user.id
    repo = chats_of(context)
    current = await repo.get(target_id)
    origin_chat = query.message.chat.id if query.message is not None else None
    if key == "close":
        # Closing only removes this settings message; it changes nothing of the chat's.
        await query.answer(CLOSED)
        if query.message is not None:
            await _close(context, query.message.chat.id, query.message.message_id)
        return
    if target_id != user_id and not await is_chat_admin(context, target_id, user_id):
        # Every setting of a group or channel is the admins' to change: a member's press
        # once changed the whole group's summary length.
        raise AccessDeniedError("Only admins of this chat can change its settings.")
    already = already_answer(current, key, value)
    if already:
        # Re-pressing the option in force changes nothing: an edit would be refused as
        # "message is not modified", so only the answer says so.
        await query.answer(already)
        return
    if key == "len" and value in LENGTHS:
        current = await repo.update(target_id, summary_length=value)
    elif key == "lang" and value in dict(LANGUAGES):
        current = await repo.update(target_id, summary_language=value)
    elif key == "auto" and value in ("0", "1"):
        current = await repo.update(target_id, auto_mode=value == "1")
    else:
        await query.answer("That button is out of date.")
        return
    await query.answer(SAVED)
    if query.message is not None:
        title = current.title if target_id != origin_chat else ""
        note = ""
        if target_id == origin_chat:
            note = await privacy_note(context, target_id, current.type)
        await _redraw(
            context, query.message.chat.id, query.message.message_id, current, title, note
        )


async def _redraw(
    context: Context, chat_id: int, message_id: int, chat: ChatSettings, title: str, note: str
) -> None:
    try:
        await context.bot.edit_message_text(
            settings_html(chat, title=title, note=note),
            chat_id=chat_id,
            message_id=message_id,
            parse_mode="HTML",
            reply_markup=settings_keyboard(chat),
        )
    except TelegramError as exc:
        log.debug("settings redraw failed: %s", exc)


async def _close(context: Context, chat_id: int, message_id: int) -> None:
    """Remove the settings message; one too old to delete (48 h in groups) loses its buttons."""
    if await delete_message(context.bot, chat_id, message_id):
        return
    try:
        await context.bot.edit_message_text(CLOSED, chat_id=chat_id, message_id=message_id)
    except TelegramError as exc:
        log.debug("closing the settings failed: %s", exc)


@guarded()
async def on_auto(update: Update, context: Context) -> None:
    """/auto on|off in a group (admins only) or a channel; without an argument, show the state."""
    chat = update.effective_chat
    if chat is None:
        return
    if chat.type == ChatType.PRIVATE:
        await reply_text(
            update,
            context,
            "In a private chat every link you send is summarised already. Auto mode is for "
            "groups and channels: add me there and send <code>/auto on</code>.",
        )
        return
    repo = chats_of(context)
    arg = command_args(update.effective_message).lower()
    if topic_of(update) is not None:
        await _auto_in_topic(update, context, arg)
        return
    if arg not in ("on", "off"):
        current = await repo.get(chat.id)
        await reply_text(
            update,
            context,
            f"Auto mode is <b>{'on' if current.auto_mode else 'off'}</b>. "
            "Use <code>/auto on</code> or <code>/auto off</code>.",
        )
        return
    if not await may_manage(update, context):
        raise AccessDeniedError("Only admins of this chat can switch auto mode.")
    await repo.update(chat.id, auto_mode=arg == "on")
    note = await privacy_note(context, chat.id, chat.type) if arg == "on" else ""
    text = (
        "✅ Auto mode is on: I'll summarise every link posted here."
        if arg == "on"
        else "Auto mode is off: I'll only answer commands and mentions."
    )
    await reply_text(update, context, escape(text) + (f"\n\n{escape(note)}" if note else ""))


async def _auto_in_topic(update: Update, context: Context, arg: str) -> None:
    """/auto in a forum topic: that topic's own auto mode (the chat's applies until set)."""
    chat = update.effective_chat
    thread = topic_of(update)
    assert chat is not None and thread is not None
    topics = TopicSettings(services_of(context).db)
    if arg not in ("on", "off"):
        chat_default = (await chats_of(context).get(chat.id)).auto_mode
        on = await topics.auto(chat.id, thread, chat_default)
        await reply_text(
            update,
            context,
            f"Auto mode is <b>{'on' if on else 'off'}</b> in this topic. Use "
            "<code>/auto on</code> or <code>/auto off</code> here to change it for this topic.",
        )
        return
    if not await may_manage(update, context):
        raise AccessDeniedError("Only admins of this chat can switch auto mode.")
    await topics.set_auto(chat.id, thread, arg == "on")
    text = (
        "✅ Auto mode is on in this topic: I'll summarise every link posted here."
        if arg == "on"
        else "Auto mode is off in this topic: I'll only answer commands and mentions here."
    )
    await reply_text(update, context, escape(text))
