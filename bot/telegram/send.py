"""Sending to Telegram safely: split long HTML, wait out flood limits, remember blocked chats."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

import httpx
from telegram import InputFile, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.errors import (
    ChatGoneError,
    ChatMovedError,
    DeliveryUnknownError,
    StorageUnavailableError,
    TopicGoneError,
)
from bot.storage.chats import ChatRepository
from bot.telegram.render import MAX_CAPTION, split_html, visible_text

if TYPE_CHECKING:
    from telegram import Bot

    from bot.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_RETRY_AFTER_ROUNDS = 3
# 5xx answers and connections that never carried the request are retried this often, waiting
# NETWORK_BACKOFF, then twice as long each time (0.5 + 1 + 2 + 4 s at most).
MAX_NETWORK_RETRIES = 4
NETWORK_BACKOFF = 0.5
# httpx errors raised before the request reached Telegram: a retry cannot duplicate anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError)


def request_surely_failed(exc: NetworkError) -> bool:
    """True when Telegram certainly did not act on the request: it answered with an error
    (5xx, no httpx cause) or the request never went out; False when the answer was lost after
    the request was sent (the message may have been delivered)."""
    cause = exc.__cause__
    if not isinstance(cause, httpx.HTTPError):
        return True  # Telegram answered: "Bad Gateway", "Internal Server Error (500)", …
    return isinstance(cause, _NOT_SENT)


# The forum topic the current update came from, set by the handler guard: every reply, status
# message and typing action of that update goes to the same topic without each call passing it.
reply_thread: ContextVar[int | None] = ContextVar("reply_thread", default=None)
MAIN_CHAT = 0  # thread_id for "the chat itself, not the current topic"
TOPIC_GONE = ("message thread not found", "topic_closed", "topic_deleted")


def thread_for(thread_id: int | None) -> int | None:
    """An explicit topic (0: the main chat), else the topic of the update being handled."""
    if thread_id is None:
        return reply_thread.get()
    return thread_id or None


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter's wait in seconds (PTB 22 stores a timedelta; older code used an int)."""
    value = getattr(exc, "_retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value or 1)


def _repo(services: Services | None) -> ChatRepository | None:
    if services is None:
        return None
    return ChatRepository(services.db, services.clock)


async def call_chat(
    bot: Bot,
    chat_id: int,
    make: Callable[[], Awaitable[T]],
    *,
    services: Services | None = None,
    idempotent: bool = False,
    thread_id: int | None = None,
) -> T:
    """Run one Bot API call for `chat_id`: Forbidden and "chat not found" become ChatGoneError,
    ChatMigrated becomes ChatMovedError, 429s are waited out, and 5xx answers and connection
    failures are retried with backoff.

    A PTB rate limiter on the bot already retries RetryAfter; this loop is the backstop when it
    gave up (or when the bot was built without one), so a flood wait never loses a message.
    When the answer to a call that is not `idempotent` (a send) is lost after the request went
    out, Telegram may have delivered it: that is DeliveryUnknownError, never a second copy.
    """
    repo = _repo(services)
    counted_by_limiter = getattr(bot, "rate_limiter", None) is not None
    flood_rounds = network_rounds = 0
    while True:
        try:
            return await make()
        except RetryAfter as exc:
            if services is not None and not counted_by_limiter:
                services.metrics.telegram_retry_after.inc()
            if flood_rounds == MAX_RETRY_AFTER_ROUNDS:
                raise
            flood_rounds += 1
            wait = retry_after_seconds(exc) + 0.1
            log.info("flood wait %.1fs for chat %s", wait, chat_id)
            await asyncio.sleep(wait)
        except Forbidden as exc:
            log.info("chat %s is gone (%s); no more sends", chat_id, exc.message)
            if repo is not None:
                with contextlib.suppress(StorageUnavailableError):
                    await repo.mark_blocked(chat_id)
            raise ChatGoneError(chat_id, detail=exc.message) from exc
        except ChatMigrated as exc:
            log.info("chat %s migrated to %s", chat_id, exc.new_chat_id)
            if repo is not None:
                await repo.migrate(chat_id, exc.new_chat_id)
            raise ChatMovedError(chat_id, exc.new_chat_id) from exc
        except BadRequest as exc:
            # A chat that does not exist (deleted, or the bot was never in it) will not heal by
            # retrying either; it is not marked blocked, since the id may have been mistyped.
            if "chat not found" in exc.message.lower():
                raise ChatGoneError(chat_id, detail=exc.message) from exc
            # A deleted or closed forum topic: the chat itself is fine, so it is not marked.
            if any(marker in exc.message.lower() for marker in TOPIC_GONE):
                raise TopicGoneError(chat_id, thread_for(thread_id), detail=exc.message) from exc
            raise
        except NetworkError as exc:  # after BadRequest, which is a NetworkError too
            if not idempotent and not request_surely_failed(exc):
                log.warning("answer lost for chat %s after sending (%s)", chat_id, exc.message)
                raise DeliveryUnknownError(chat_id, detail=exc.message) from exc
            if network_rounds == MAX_NETWORK_RETRIES:
                raise
            wait = NETWORK_BACKOFF * 2**network_rounds
            network_rounds += 1
            log.info("Telegram failed (%s) for chat %s; retry in %.1fs", exc.message, chat_id, wait)
            await asyncio.sleep(wait)


async def _check_not_gone(chat_id: int, services: Services | None) -> None:
    repo = _repo(services)
    if repo is None:
        return
    try:
        blocked = await repo.is_blocked(chat_id)
    except StorageUnavailableError as exc:
        # Sending is still possible, and may be the "temporarily unavailable" answer itself.
        log.warning("blocked-chat check skipped, storage unavailable: %s", exc.detail)
        return
    if blocked:
        raise ChatGoneError(chat_id, detail="blocked earlier; send skipped")


def _reply(reply_to: int | None) -> ReplyParameters | None:
    # The message may have been deleted meanwhile: send anyway rather than fail.
    if reply_to is None:
        return None
    return ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)


async def send_html(
    bot: Bot,
    chat_id: int,
    html: str,
    *,
    reply_to: int | None = None,
    services: Services | None = None,
    preview: bool = False,
    reply_markup: object | None = None,
    thread_id: int | None = None,
) -> list[Message]:
    """Send HTML (split at 4,096 UTF-16 units) in order; the first part replies to `reply_to`.

    Raises ChatGoneError (chat recorded as blocked; later calls skip without an API call) or
    ChatMovedError (settings moved to the supergroup id).
    """
    await _check_not_gone(chat_id, services)
    parts = split_html(html)
    sent: list[Message] = []
    thread = thread_for(thread_id)
    link_preview = LinkPreviewOptions(is_disabled=not preview)
    for index, part in enumerate(parts):
        markup = reply_markup if index == len(parts) - 1 else None
        reply = _reply(reply_to) if index == 0 else None

        async def _send(
            part: str = part, reply: ReplyParameters | None = reply, markup: object = markup
        ) -> Message:
            try:
                return await bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_parameters=reply,
                    link_preview_options=link_preview,
                    reply_markup=markup,  # type: ignore[arg-type]
                    message_thread_id=thread,
                )
            except BadRequest as exc:
                if "parse entities" not in exc.message.lower():
                    raise
                # Our HTML should always parse; if it ever does not, the user still gets the
                # text, and the log says which message to fix.
                log.error("Telegram rejected HTML (%s); sending as plain text", exc.message)
                return await bot.send_message(
                    chat_id,
                    visible_text(part),
                    reply_parameters=reply,
                    link_preview_options=link_preview,
                    reply_markup=markup,  # type: ignore[arg-type]
                    message_thread_id=thread,
                )

        sent.append(await call_chat(bot, chat_id, _send, services=services, thread_id=thread))
    return sent


async def edit_html(
    bot: Bot,
    chat_id: int,
    message_id: int,
    html: str,
    *,
    services: Services | None = None,
    reply_markup: object | None = None,
) -> bool:
    """Replace a (short) message's text (and its buttons: none unless given); False when
    Telegram refused the edit (e.g. unchanged)."""
    parts = split_html(html)
    if not parts:
        return False

    async def _edit() -> object:
        return await bot.edit_message_text(
            parts[0],
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=reply_markup,  # type: ignore[arg-type]
        )

    try:
        await call_chat(bot, chat_id, _edit, services=services, idempotent=True)
    except BadRequest as exc:
        log.debug("edit refused: %s", exc.message)
        return False
    return True


async def delete_message(
    bot: Bot, chat_id: int, message_id: int, *, services: Services | None = None
) -> bool:
    """Delete a message the bot sent; False when it is already gone or too old."""
    try:
        return bool(
            await call_chat(
                bot,
                chat_id,
                lambda: bot.delete_message(chat_id=chat_id, message_id=message_id),
                services=services,
                idempotent=True,
            )
        )
    except BadRequest as exc:
        log.debug("delete refused: %s", exc.message)
        return False


async def send_file(
    bot: Bot,
    chat_id: int,
    filename: str,
    data: bytes,
    *,
    caption_html: str = "",
    reply_to: int | None = None,
    services: Services | None = None,
    reply_markup: object | None = None,
    thread_id: int | None = None,
) -> Message:
    """Send `data` as a document with an (at most 1,024-unit) HTML caption."""
    await _check_not_gone(chat_id, services)
    captions = split_html(caption_html, MAX_CAPTION) if caption_html else []

    async def _send() -> Message:
        return await bot.send_document(
            chat_id,
            InputFile(data, filename=filename),
            caption=captions[0] if captions else None,
            parse_mode=ParseMode.HTML,
            reply_parameters=_reply(reply_to),
            reply_markup=reply_markup,  # type: ignore[arg-type]
            message_thread_id=thread_for(thread_id),
        )

    return await call_chat(bot, chat_id, _send, services=services, thread_id=thread_id)
