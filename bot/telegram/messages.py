"""Reading incoming messages: the links in them, their text, where a forward came from."""

from __future__ import annotations

import re

from telegram import (
    Document,
    Message,
    MessageEntity,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from bot.errors import InputError
from bot.i18n import N_, _
from bot.telegram.render import format_heading, format_origin

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?\s*")
# A public chat's link: t.me/name, also with a scheme, as telegram.me, or as the web preview t.me/s/name.
_TELEGRAM_LINK = re.compile(r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/", re.IGNORECASE)
_CHAT_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?(?!joinchat/)([A-Za-z][A-Za-z0-9_]{3,31})/?(?:[/?#].*)?$",
    re.IGNORECASE,
)


def _normalise(url: str) -> str:
    url = url.strip()
    # Telegram marks "example.com/page" as a URL entity; fetch it as https.
    if not _SCHEME.match(url):
        url = f"https://{url}"
    return url


def links_in(message: Message | None) -> list[str]:
    """Every distinct link in the message text or caption (URL and text_link entities), in order."""
    if message is None:
        return []
    found: list[str] = []
    kinds = [MessageEntity.URL, MessageEntity.TEXT_LINK]
    for parsed in (message.parse_entities(kinds), message.parse_caption_entities(kinds)):
        for entity, text in sorted(parsed.items(), key=lambda item: item[0].offset):
            url = entity.url if entity.type == MessageEntity.TEXT_LINK else text
            if not url:
                continue
            url = _normalise(url)
            if url.lower().startswith(("http://", "https://")) and url not in found:
                found.append(url)
    return found


def body_text(message: Message | None) -> str:
    """The message's text or caption without a leading /command."""
    if message is None:
        return ""
    text = message.text or message.caption or ""
    return _COMMAND.sub("", text, count=1) if text.startswith("/") else text


def command_args(message: Message | None) -> str:
    """What follows the /command (empty when there is no command)."""
    if message is None or not (message.text or "").startswith("/"):
        return ""
    return _COMMAND.sub("", message.text or "", count=1).strip()


def origin_html(message: Message | None) -> str:
    """An HTML line naming where a forwarded message came from ("" when it is not a forward)."""
    origin = message.forward_origin if message is not None else None
    if origin is None:
        return ""
    if isinstance(origin, MessageOriginChannel):
        chat = origin.chat
        url = f"https://t.me/{chat.username}/{origin.message_id}" if chat.username else ""
        return format_origin(
            channel_title=chat.title or chat.username or _("a channel"), post_url=url
        )
    if isinstance(origin, MessageOriginUser):
        return format_origin(user_name=origin.sender_user.full_name)
    if isinstance(origin, MessageOriginHiddenUser):
        return format_origin(hidden_name=origin.sender_user_name)
    if isinstance(origin, MessageOriginChat):
        return format_origin(chat_title=origin.sender_chat.title or _("a group"))
    return ""


def forward_heading(message: Message | None) -> str:
    """ "Post from ‹channel› · ‹date›" (HTML) heading an untitled forwarded post; "" otherwise."""
    origin = message.forward_origin if message is not None else None
    if origin is None:
        return ""
    if isinstance(origin, MessageOriginChannel):
        chat = origin.chat
        url = f"https://t.me/{chat.username}/{origin.message_id}" if chat.username else ""
        return format_heading(chat.title or chat.username or _("a channel"), origin.date, url)
    if isinstance(origin, MessageOriginChat):
        return format_heading(origin.sender_chat.title or _("a group"), origin.date)
    if isinstance(origin, MessageOriginUser):
        return format_heading(origin.sender_user.full_name, origin.date, kind="Message")
    if isinstance(origin, MessageOriginHiddenUser):
        return format_heading(origin.sender_user_name, origin.date, kind="Message")
    return ""


def origin_kind(message: Message | None) -> str:
    """`forward` for forwarded messages, else `message` (stored with the chat's article)."""
    return "forward" if message is not None and message.forward_origin is not None else "message"


def mentions_bot(message: Message | None, username: str) -> bool:
    """True when the message @mentions the bot or replies to one of its messages."""
    if message is None:
        return False
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.username == username:
        return True
    handle = f"@{username}".lower()
    mentions = message.parse_entities([MessageEntity.MENTION])
    mentions.update(message.parse_caption_entities([MessageEntity.MENTION]))
    return any(text.lower() == handle for text in mentions.values())


def pdf_attachment(message: Message | None) -> Document | None:
    """The message's document when it is a PDF (by MIME type or .pdf name), else None."""
    document = message.document if message is not None else None
    if document is None:
        return None
    is_pdf = (document.mime_type or "").lower() == "application/pdf" or (
        document.file_name or ""
    ).lower().endswith(".pdf")
    return document if is_pdf else None


def chat_ref(arg: str) -> int | str | None:
    """A chat named in a command: `@name`, `t.me/name` (any link form) → "@name", a negative id
    → int; None when the argument names no chat (user ids, times and other words).

    InputError for a t.me link that names no public chat (an invite link cannot be looked up).
    """
    arg = arg.strip()
    if re.fullmatch(r"-\d+", arg):
        return int(arg)
    if arg.startswith("@") and len(arg) > 1:
        return arg
    link = _CHAT_LINK.match(arg)
    if link:
        return "@" + link.group(1)
    if _TELEGRAM_LINK.match(arg):
        raise InputError(
            N_(
                "That link names no public channel (invite links can't be looked up); "
                "use the channel's @username or its numeric id (-100…)."
            )
        )
    return None
