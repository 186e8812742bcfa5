"""The python-telegram-bot Application: handlers, flood control, concurrency, start and stop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.errors import BotError, ConfigError, StorageUnavailableError
from bot.i18n import DEFAULT, LANGUAGES, _, use_language
from bot.ops.health import HealthServer
from bot.ops.shutdown import run_until_stopped
from bot.services import Services, build_services
from bot.telegram.clean_command import on_all_fixes_button, on_clean
from bot.telegram.common import (
    CONTEXT_TYPES,
    GENERIC_ERROR,
    Context,
    chats_of,
    guarded,
    language_of,
    reply_text,
    reply_without_storage,
)
from bot.telegram.digest_commands import register_digest_commands
from bot.telegram.info import (
    on_help,
    on_help_button,
    on_start,
    on_stats,
    on_usage,
    registered_commands,
)
from bot.telegram.inline import InlineJobs, on_inline_query
from bot.telegram.messages import pdf_attachment
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.question_command import on_reply_to_bot
from bot.telegram.ratelimit import FloodLimiter
from bot.telegram.recap_command import (
    on_forget,
    on_group_text,
    on_recap,
    start_purging,
    stop_purging,
)
from bot.telegram.render import escape
from bot.telegram.settings_command import on_auto, on_settings, on_settings_button
from bot.telegram.summarise_command import (
    on_channel_post,
    on_group_message,
    on_other_file,
    on_pdf_document,
    on_private_message,
    on_retry_button,
    on_summarise_command,
)

log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
MAX_CONCURRENT_UPDATES = 256  # the default of CONCURRENT_UPDATES (settings)
GONE_STATUSES = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


# --- membership and migration ---------------------------------------------------------------


@guarded(check_access=False)
async def on_my_chat_member(update: Update, context: Context) -> None:
    """The bot was added, promoted, removed or blocked: remember whether it may write there."""
    change = update.my_chat_member
    if change is None:
        return
    repo = chats_of(context)
    chat = change.chat
    new, old = change.new_chat_member.status, change.old_chat_member.status
    if new in GONE_STATUSES:
        await repo.mark_blocked(chat.id)
        return
    await repo.clear_blocked(chat.id)
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) and old in GONE_STATUSES:
        await reply_text(
            update,
            context,
            _(
                "👋 Thanks for adding me. Send <code>/summarize LINK</code>, reply to a message "
                "with /tldr, or mention {bot}. Admins can turn on <code>/auto on</code> to "
                "summarise every link. /settings has the options."
            ).format(bot=f"@{escape(context.bot.username)}"),
        )


@guarded(check_access=False, remember=False)
async def on_migrate(update: Update, context: Context) -> None:
    """A group became a supergroup: move its settings, articles and subscriptions."""
    message = update.effective_message
    if message is None:
        return
    repo = chats_of(context)
    # Both chats get a service message (migrate_to in the old group, migrate_from in the new
    # supergroup) and they run concurrently; one lock makes the second a harmless no-op.
    async with context.bot_data.migration_lock:
        if message.migrate_to_chat_id:
            await repo.migrate(message.chat.id, message.migrate_to_chat_id)
        elif message.migrate_from_chat_id:
            await repo.migrate(message.migrate_from_chat_id, message.chat.id)


@guarded()
async def on_unknown_command(update: Update, context: Context) -> None:
    """An unknown /command in a private chat."""
    await reply_text(update, context, _("I don't know that command. /help lists what I can do."))


async def on_error(update: object, context: Context) -> None:
    """Anything a handler did not handle: log it with the update id, tell the user briefly."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if isinstance(error, BotError):
        log.warning("unhandled user error in update %s: %s", update_id, error.user_message)
    else:
        log.error("update %s failed", update_id, exc_info=error)
    if isinstance(error, StorageUnavailableError) and isinstance(update, Update):
        await reply_without_storage(update, context, error)
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        with use_language(language_of(update)):
            generic = _(GENERIC_ERROR)
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(generic[:200])
            return
        if update.effective_chat.type == ChatType.PRIVATE or update.effective_message:
            with contextlib.suppress(Exception):
                await reply_text(update, context, escape(generic))


# --- building -------------------------------------------------------------------------------


WARM_UP_TEXT = (
    'The mayor said on Monday that the new bridge would open next year. "We are on time," '
    "she told reporters at City Hall."
)


async def warm_up(services: Services) -> None:
    """Load the cleanup tables now, so the first user's summary does not pay for it."""
    from bot.ingest.text import document_from_text

    try:
        await services.pipeline.clean(document_from_text(WARM_UP_TEXT, "warm-up"))
    except Exception:  # a failed warm-up only costs the first request some time
        log.warning("cleanup warm-up failed", exc_info=True)


class _PdfDocument(filters.MessageFilter):
    """Messages carrying a PDF, by the same rule `/summarize` uses for a replied-to message."""

    def filter(self, message: Message) -> bool:
        return pdf_attachment(message) is not None


def register_handlers(application: Application) -> None:
    """Every command and message handler."""
    messages = filters.UpdateType.MESSAGE
    anywhere = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
    text = filters.TEXT | filters.CAPTION
    add = application.add_handler
    add(CommandHandler("start", on_start, filters=messages))
    add(CommandHandler("help", on_help, filters=anywhere))
    add(CommandHandler(["summarize", "summarise", "tldr"], on_summarise_command, filters=anywhere))
    add(CommandHandler("clean", on_clean, filters=anywhere))
    add(CommandHandler("settings", on_settings, filters=anywhere))
    add(CommandHandler("auto", on_auto, filters=anywhere))
    add(CommandHandler("usage", on_usage, filters=anywhere))
    add(CommandHandler("stats", on_stats, filters=messages))
    add(CommandHandler("recap", on_recap, filters=messages))
    add(CommandHandler("forget", on_forget, filters=messages))
    add(InlineQueryHandler(on_inline_query))
    # Before every other group: a reply to one of the bot's summaries may be a question about
    # the article (the handler stops the other groups only when it answered).
    add(MessageHandler(messages & filters.REPLY & filters.TEXT, on_reply_to_bot), group=-2)
    # A group of its own, after the others: opted-in groups' messages are stored for /recap
    # whatever else handled them.
    add(
        MessageHandler(filters.ChatType.GROUPS & messages & text & ~filters.COMMAND, on_group_text),
        group=1,
    )
    add(CallbackQueryHandler(on_settings_button, pattern=r"^s\|"))
    add(CallbackQueryHandler(on_retry_button, pattern=r"^retry\|"))
    add(CallbackQueryHandler(on_all_fixes_button, pattern=r"^fixes\|"))
    add(CallbackQueryHandler(on_help_button, pattern=r"^help\|"))
    add(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    add(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    # Before the text handler: a PDF with a caption is about the PDF, not the caption.
    pdf = _PdfDocument()
    add(MessageHandler(filters.ChatType.PRIVATE & messages & pdf, on_pdf_document))
    # Other files sent privately without a caption would otherwise get no answer at all (OPML
    # lists are taken earlier by the digests' handlers).
    other_file = filters.Document.ALL & ~pdf & ~filters.CAPTION
    add(MessageHandler(filters.ChatType.PRIVATE & messages & other_file, on_other_file))
    add(
        MessageHandler(
            filters.ChatType.PRIVATE & messages & text & ~filters.COMMAND, on_private_message
        )
    )
    add(MessageHandler(filters.ChatType.PRIVATE & messages & filters.COMMAND, on_unknown_command))
    add(
        MessageHandler(
            filters.ChatType.GROUPS & messages & text & ~filters.COMMAND, on_group_message
        )
    )
    add(MessageHandler(filters.UpdateType.CHANNEL_POST & text, on_channel_post))
    application.add_error_handler(on_error)


async def register_command_menus(bot: Any) -> None:
    """The command menu once as the default (English) and once per catalogue language, so each
    user's Telegram shows the descriptions in their own language."""
    await bot.set_my_commands(registered_commands(DEFAULT))
    for lang in LANGUAGES:
        if lang != DEFAULT:
            await bot.set_my_commands(registered_commands(lang), language_code=lang)


def build_application(services: Services) -> Application:
    """The Application with handlers, error handler, flood limiter, per-chat concurrency, the
    command list, and the digest scheduler / health server started in post_init."""
    settings = services.settings
    api = settings.telegram_api_url.rstrip("/")
    servers: list[HealthServer] = []
    strict_webhook_json()
    limiter: BaseRateLimiter[Any] = FloodLimiter(metrics=services.metrics)
    replica = None
    if settings.scale_out:  # several replicas: durable queue, shared flood budget (issue 13)
        from bot.telegram.replicas import Replica

        replica = Replica(services)
        limiter = replica.rate_limiter(limiter)

    async def post_init(application: Application) -> None:
        await register_command_menus(application.bot)
        await warm_up(services)
        if settings.metrics_port:
            server = HealthServer(services, settings.metrics_listen, settings.metrics_port)
            await server.start()
            servers.append(server)
        scheduler = application.bot_data.digest_scheduler
        if scheduler is not None:
            await scheduler.start()
            services.health.scheduler_running = True
        application.bot_data.recap_purge = start_purging(services)

    async def post_stop(application: Application) -> None:
        services.health.shutting_down = True
        await stop_purging(application.bot_data.recap_purge)
        application.bot_data.recap_purge = None
        jobs = application.bot_data.inline_jobs
        for task in list(jobs.running.values()) if jobs is not None else []:
            task.cancel()  # an inline summary nobody waits for must not delay the shutdown

    async def post_shutdown(application: Application) -> None:
        scheduler = application.bot_data.digest_scheduler
        if scheduler is not None and services.health.scheduler_running:
            try:
                await scheduler.stop()  # claims of digests in flight stay valid for a resume
            except Exception:
                log.exception("stopping the digest scheduler failed")
            services.health.scheduler_running = False
        while servers:
            try:
                await servers.pop().stop()
            except Exception:
                log.exception("stopping the health server failed")

    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .context_types(CONTEXT_TYPES)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .concurrent_updates(PerChatUpdateProcessor(settings.concurrent_updates))
        .rate_limiter(limiter)
        .connection_pool_size(settings.concurrent_updates)
        .pool_timeout(30.0)
        .get_updates_connection_pool_size(2)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.services = services
    application.bot_data.replica = replica
    application.bot_data.inline_jobs = InlineJobs()
    # Ready only while updates are actually fetched (polling or webhook), off at SIGTERM.
    services.health.updates_probe = lambda: (
        application.running and (application.updater is None or application.updater.running)
    )
    register_handlers(application)
    register_digest_commands(application, services)
    return application


# --- running --------------------------------------------------------------------------------


def validate_settings(settings: Settings) -> None:
    """Fail early, in one line, on a missing/malformed token or a bad API or webhook URL."""
    token = settings.telegram_bot_token.strip()
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather.")
    if not TOKEN_RE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed; it looks like 123456789:ABC-... (from @BotFather)."
        )
    api = urlsplit(settings.telegram_api_url)
    if api.scheme not in ("http", "https") or not api.netloc:
        raise ConfigError(
            f"TELEGRAM_API_URL must be an http(s) URL, not {settings.telegram_api_url!r}."
        )
    if settings.webhook_url:
        hook = urlsplit(settings.webhook_url)
        if hook.scheme != "https" and hook.hostname not in ("127.0.0.1", "localhost"):
            raise ConfigError("WEBHOOK_URL must be an https URL (Telegram only calls https).")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", settings.webhook_secret or ""):
            raise ConfigError(
                "WEBHOOK_SECRET must be set (1-256 of A-Z a-z 0-9 _ -) when WEBHOOK_URL is set, "
                "so that only Telegram can post updates."
            )


def webhook_kwargs(settings: Settings) -> dict[str, Any]:
    """Arguments for Updater.start_webhook / Application.run_webhook from the settings."""
    path = urlsplit(settings.webhook_url).path.lstrip("/")
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": Update.ALL_TYPES,
        "drop_pending_updates": False,
    }


async def preflight(application: Application) -> None:
    """getMe: a wrong token or an unreachable API URL becomes one clear ConfigError."""
    url = application.bot.base_url.rsplit("/bot", 1)[0]
    try:
        await application.bot.initialize()
    except InvalidToken as exc:
        raise ConfigError(
            "Telegram rejected TELEGRAM_BOT_TOKEN (Unauthorized); check the token from @BotFather."
        ) from exc
    except (NetworkError, TelegramError, OSError) as exc:
        raise ConfigError(
            f"Cannot reach the Telegram Bot API at {url} ({type(exc).__name__}); check "
            "TELEGRAM_API_URL and the network."
        ) from exc


def run_bot(settings: Settings) -> int:
    """`python -m bot run`: start everything, poll (or serve the webhook) until SIGTERM/SIGINT.

    A stop signal at any moment, start-up included, ends it with status 0 after closing what was
    opened (the Bot API, HTTP and LLM clients and the database).
    """
    validate_settings(settings)
    asyncio.run(run_until_stopped(functools.partial(_serve, settings)))
    log.info("bot stopped")
    return 0


async def _serve(settings: Settings, closing: AsyncExitStack) -> None:
    """Start up step by step, each step's undoing pushed on `closing` first; then serve forever.

    This is the task a stop signal cancels: wherever that lands (migrations, getMe, setWebhook,
    the first deleteWebhook of polling, serving), the steps so far are undone by `closing`.
    """
    services = await build_services(settings, check_writable=True)
    closing.push_async_callback(services.aclose)
    application = build_application(services)
    closing.push_async_callback(_stop_application, application)
    await preflight(application)
    log.info(
        "bot @%s starting (%s, %s)",
        application.bot.username,
        "webhook" if settings.webhook_url else "polling",
        "LLM" if services.pipeline.uses_llm else "offline summariser",
    )
    # The steps Application.run_webhook/run_polling take, but in a task that can be cancelled at
    # any await: their own SIGTERM handler raises SystemExit into whatever request is in flight.
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    updater = application.updater
    if updater is None:  # pragma: no cover - ApplicationBuilder always builds one
        raise RuntimeError("the Telegram application has no updater")
    conflict = asyncio.Event()
    replica = application.bot_data.replica
    if replica is not None:
        closing.push_async_callback(replica.stop)  # runs before _stop_application: drain first
    elif settings.webhook_url:
        await updater.start_webhook(**webhook_kwargs(settings))
    else:
        await updater.start_polling(
            allowed_updates=Update.ALL_TYPES, error_callback=polling_error_callback(conflict)
        )
    await application.start()
    if replica is not None:
        await replica.start(application)
    await conflict.wait()  # or until a stop signal cancels this task
    # PTB's stop would call getUpdates once more to confirm the offset; the other process
    # owns the updates, so that call would only log one more Conflict traceback.
    if hasattr(updater, "_Updater__polling_cleanup_cb"):
        updater._Updater__polling_cleanup_cb = None  # type: ignore[attr-defined]
    raise ConfigError(CONFLICT_MESSAGE)


CONFLICT_MESSAGE = (
    "Another process is already receiving updates for this bot token (Telegram answered "
    "409 Conflict), so this one stops. Run one bot process per token."
)


def polling_error_callback(conflict: asyncio.Event) -> Callable[[TelegramError], None]:
    """getUpdates errors: a Conflict (a second process polling with the same token) ends this
    process with one clear line instead of a traceback every few seconds; others are logged."""

    def on_error(error: TelegramError) -> None:
        if isinstance(error, Conflict):
            conflict.set()
            return
        log.warning("polling for updates failed: %s", error)

    return on_error


def strict_webhook_json() -> None:
    """Make the webhook answer 400, not 500, to a body that is not JSON (after the secret check).

    python-telegram-bot's handler parses the body with json.loads and lets the error become a
    500; its class is looked up by name when the webhook app is built, so a subclass is put in
    its place once.
    """
    from telegram.ext._utils import webhookhandler

    base = webhookhandler.TelegramHandler
    if getattr(base, "_newsfix_strict", False):
        return

    class StrictJSONHandler(base):  # type: ignore[misc, valid-type]
        _newsfix_strict = True

        async def post(self) -> None:
            self._validate_post()
            try:
                json.loads(self.request.body.decode())
            except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
                raise tornado.web.HTTPError(400, reason="Body is not JSON") from exc
            await super().post()

    webhookhandler.TelegramHandler = StrictJSONHandler  # type: ignore[misc]


async def _stop_application(application: Application) -> None:
    """Undo as much of the start-up as ran: updates, the application, hooks, Bot API clients."""
    updater = application.updater
    if updater is not None and updater.running:
        await updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    # Application.shutdown skips the bot when getMe was interrupted, but its clients are open.
    await application.bot.shutdown()


__all__ = ["build_application", "register_handlers", "run_bot", "webhook_kwargs"]
