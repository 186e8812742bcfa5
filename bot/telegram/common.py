"""Shared handler plumbing: services lookup, the guard every handler runs in, error replies."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.digests.scheduler import DigestScheduler
from bot.errors import (
    AccessDeniedError,
    BotError,
    ChatGoneError,
    ChatMovedError,
    DeliveryUnknownError,
    StorageUnavailableError,
)
from bot.i18n import N_, _, choose, normalise, set_language, use_language
from bot.services import Services
from bot.storage.chats import ChatRepository, ChatSettings
from bot.telegram.access import check_allowed
from bot.telegram.buttons import ButtonStore
from bot.telegram.policy import InflightCounter
from bot.telegram.progress import early_typing, start_typing
from bot.telegram.render import escape
from bot.telegram.send import reply_thread, send_html

log = logging.getLogger("bot.telegram")


@dataclass
class BotData:
    """Handler state shared by every update, typed instead of string keys in bot_data."""

    services: Services | None = None
    digest_scheduler: DigestScheduler | None = None
    inflight: InflightCounter = field(default_factory=lambda: InflightCounter())
    migration_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    buttons: ButtonStore = field(default_factory=lambda: ButtonStore())
    replica: Any = None  # bot.telegram.replicas.Replica when SCALE_OUT=true
    inline_jobs: Any = None  # bot.telegram.inline.InlineJobs, set by build_application
    recap_purge: asyncio.Task[None] | None = None


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
Handler = Callable[[Update, Context], Awaitable[None]]
GENERIC_ERROR = N_("Something went wrong on my side; it has been logged. Please try again later.")


def services_of(context: Context) -> Services:
    """The Services container stored in bot_data by build_application."""
    services = context.bot_data.services
    if services is None:  # pragma: no cover - build_application always sets it
        raise RuntimeError("the application was built without services")
    return services


def chats_of(context: Context) -> ChatRepository:
    """A chat repository on the injected database."""
    services = services_of(context)
    return ChatRepository(services.db, services.clock)


def _update_context(update: object) -> Any:
    try:
        from bot.ops.logging import update_context
    except ImportError:  # pragma: no cover - ops helper not installed
        import contextlib

        return contextlib.nullcontext()
    chat = update.effective_chat if isinstance(update, Update) else None
    update_id = update.update_id if isinstance(update, Update) else None
    return update_context(chat_id=chat.id if chat else None, update_id=update_id)


def topic_of(update: Update) -> int | None:
    """The forum topic an update's message was posted in (None: not in a topic)."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


def update_kind(update: Update) -> str:
    """A short label for metrics: private | group | channel | callback | member | other."""
    if update.callback_query is not None:
        return "callback"
    if update.my_chat_member is not None or update.chat_member is not None:
        return "member"
    if update.channel_post is not None or update.edited_channel_post is not None:
        return "channel"
    chat = update.effective_chat
    if chat is None:
        return "other"
    return "private" if chat.type == ChatType.PRIVATE else "group"


async def remember_chat(context: Context, update: Update) -> ChatSettings | None:
    """Store the chat (names refreshed) and lift a 'blocked' mark: it is talking to us again."""
    chat = update.effective_chat
    if chat is None:
        return None
    repo = chats_of(context)
    current = await repo.get(chat.id)
    # Truncated as stored, so that long names do not look changed on every update.
    name = (chat.title or chat.full_name or "")[:256]
    username = (chat.username or "")[:64]
    # One read per update; a write only for new chats or changed names.
    if (current.title, current.type, current.username) != (name, chat.type, username):
        current = await repo.ensure(chat.id, type=chat.type, title=name, username=username)
    if current.blocked and update.my_chat_member is None:
        await repo.clear_blocked(chat.id)
    user = update.effective_user
    if chat.type == ChatType.PRIVATE and user is not None and user.language_code:
        # Remembered for what is sent without an update (the daily digest); written on change.
        spoken = normalise(user.language_code)
        if spoken != current.user_language:
            current = await repo.update(chat.id, user_language=spoken)
    return current


async def reply_text(
    update: Update, context: Context, html: str, *, reply_markup: object | None = None
) -> None:
    """Reply in the update's chat (to the message when there is one); chat-gone is silent."""
    chat = update.effective_chat
    if chat is None:
        return
    message = update.effective_message
    try:
        await send_html(
            context.bot,
            chat.id,
            html,
            reply_to=message.message_id if message is not None else None,
            services=services_of(context),
            reply_markup=reply_markup,
        )
    except (ChatGoneError, DeliveryUnknownError):
        pass
    except ChatMovedError as moved:
        # The group became a supergroup while we worked: answer there (settings already moved).
        try:
            await send_html(
                context.bot,
                moved.new_chat_id,
                html,
                services=services_of(context),
                reply_markup=reply_markup,
            )
        except (ChatGoneError, ChatMovedError, DeliveryUnknownError):
            pass


def user_message(exc: BotError) -> str:
    """The error's message in the current language (English when the catalogue lacks it)."""
    if exc.params:
        # String params that are msgids themselves (an example line) are translated as well;
        # any other value (a host, the user's input) matches no msgid and stays as it is.
        params = {k: _(v) if isinstance(v, str) and v else v for k, v in exc.params.items()}
        return _(exc.template).format(**params)
    return _(exc.user_message)


async def reply_without_storage(update: Update, context: Context, exc: BotError) -> None:
    """Answer an update while the database is failing: no database call on this path (the
    blocked-chat check and migration bookkeeping are skipped), so the user always hears."""
    chat = update.effective_chat
    if chat is None:
        return
    if update.callback_query is not None:
        await _answer(update, exc.user_message)
        return
    if chat.type != ChatType.PRIVATE and not _addressed_to_bot(update):
        return  # group chatter is never answered, not even now
    message = update.effective_message
    try:
        await send_html(
            context.bot,
            chat.id,
            error_line(exc),
            reply_to=message.message_id if message is not None else None,
        )
    except (BotError, TelegramError) as send_error:
        log.warning("could not tell chat %s about the outage: %s", chat.id, send_error)


def error_line(exc: BotError, source: str = "") -> str:
    """A short HTML line for a user-facing error, naming the link when there were several."""
    prefix = f"<b>{escape(_short(source))}</b>: " if source else ""
    return f"⚠️ {prefix}{escape(user_message(exc))}"


def language_of(update: Update, settings: ChatSettings | None = None) -> str:
    """The UI language for this update: the chat's /settings choice, else the user's Telegram
    language (pt-br → pt), else English."""
    user = update.effective_user
    return choose(settings.ui_language if settings else "", user.language_code if user else None)


def _short(url: str, limit: int = 60) -> str:
    plain = url.split("://", 1)[-1]
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def guarded(
    *,
    check_access: bool = True,
    remember: bool = True,
    typing: bool | Callable[[Update], bool] = False,
) -> Callable[[Handler], Handler]:
    """Wrap a handler: log context, metrics, access control, BotError → short reply.

    `typing` shows "typing…" at once, before any database work, for handlers whose answer takes a
    while; a function of the update decides per update (an instant hint needs no typing).
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: Context) -> None:
            services = services_of(context)
            with _update_context(update), use_language(language_of(update)):
                services.metrics.updates.labels(update_kind(update)).inc()
                early = None
                thread = reply_thread.set(topic_of(update))
                try:
                    if check_access:
                        user = update.effective_user
                        chat = update.effective_chat
                        check_allowed(
                            services,
                            user_id=user.id if user else None,
                            chat_id=chat.id if chat else None,
                        )
                    wants_typing = typing(update) if callable(typing) else typing
                    if wants_typing and update.effective_chat is not None:
                        # React before any database work; Progress adopts this task.
                        early = start_typing(context.bot, update.effective_chat.id)
                        early_typing.set(early)
                    if remember:
                        settings = await remember_chat(context, update)
                        if settings is not None and settings.ui_language:
                            set_language(language_of(update, settings))
                    await handler(update, context)
                except (ChatGoneError, ChatMovedError) as exc:
                    log.info("chat unavailable: %s", exc.detail)
                except StorageUnavailableError as exc:
                    log.error("storage unavailable: %s", exc.detail)
                    await reply_without_storage(update, context, exc)
                except DeliveryUnknownError as exc:
                    # The answer may well have arrived: an error message after it would be
                    # wrong, a second copy would be a duplicate.
                    log.warning("delivery unknown, not repeated: %s", exc.detail)
                except AccessDeniedError as exc:
                    if update.callback_query is not None:
                        await _answer(update, user_message(exc))
                    elif _addressed_to_bot(update):
                        await reply_text(update, context, f"🔒 {escape(user_message(exc))}")
                except BotError as exc:
                    log.info("user-facing error: %s (%s)", type(exc).__name__, exc.detail or "")
                    if update.callback_query is not None:
                        await _answer(update, user_message(exc))
                    else:
                        await reply_text(update, context, error_line(exc))
                finally:
                    reply_thread.reset(thread)
                    if early is not None:
                        early.cancel()
                        early_typing.set(None)
                    services.metrics.last_update_timestamp.set_to_current_time()
                    health = getattr(services, "health", None)
                    if health is not None:
                        health.mark_update()

        return wrapper

    return decorate


def _addressed_to_bot(update: Update) -> bool:
    # In groups, refusals answer commands only; ordinary chatter is never answered.
    chat = update.effective_chat
    message = update.effective_message
    if chat is not None and chat.type == ChatType.PRIVATE:
        return True
    return message is not None and (message.text or "").startswith("/")


async def _answer(update: Update, text: str) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text[:200], show_alert=True)
    except TelegramError as exc:
        log.debug("answerCallbackQuery failed: %s", exc)
