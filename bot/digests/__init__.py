"""Daily digests: subscriptions, feeds, scheduling and exactly-once delivery.

`register(application, services)` adds the commands and returns the lifecycle the Telegram app
starts in post_init and stops in post_shutdown.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.digests.scheduler import DigestScheduler
    from bot.services import Services


class Lifecycle:
    """Starts and stops the digest scheduler with the bot."""

    def __init__(self, scheduler: DigestScheduler, services: Services) -> None:
        self.scheduler = scheduler
        self.services = services

    async def start(self) -> None:
        """Start ticking (a catch-up tick runs right away)."""
        await self.scheduler.start()
        self._health(True)

    async def stop(self) -> None:
        """Stop ticking; claims of digests in flight stay valid for a resume."""
        await self.scheduler.stop()
        self._health(False)

    def _health(self, running: bool) -> None:
        health = getattr(self.services, "health", None)
        if health is not None:
            health.scheduler_running = running


def build_scheduler(services: Services, send: object, **kw: object) -> DigestScheduler:
    """A scheduler on the services' database, clock, pipeline and metrics."""
    from bot.digests.feeds import FeedPoller
    from bot.digests.scheduler import DigestScheduler
    from bot.digests.store import DigestStore

    store = DigestStore(services.db)
    return DigestScheduler(
        store=store,
        clock=services.clock,
        send=send,  # type: ignore[arg-type]
        metrics=services.metrics,
        grace=timedelta(hours=services.settings.digest_grace_hours),
        poller=FeedPoller(store, services.pipeline),
        **kw,  # type: ignore[arg-type]
    )


def register(application: Application, services: Services) -> Lifecycle:
    """Add /subscribe, /unsubscribe, /digest, /feeds and OPML uploads; return the lifecycle."""
    from telegram.ext import ApplicationHandlerStop, CommandHandler, MessageHandler, filters

    from bot.digests import handlers
    from bot.telegram.send import send_html

    async def send(chat_id: int, html: str) -> None:
        # services= lets send_html mark blocked chats and move migrated ones in the database.
        await send_html(application.bot, chat_id, html, services=services)

    scheduler = build_scheduler(services, send)
    application.bot_data["digest_scheduler"] = scheduler
    anywhere = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST

    def final(callback):  # type: ignore[no-untyped-def]
        # Group -1 runs before the app's handlers; stopping there keeps the generic
        # "unknown command" reply from following ours.
        async def run(update, context):  # type: ignore[no-untyped-def]
            await callback(update, context)
            raise ApplicationHandlerStop

        return run

    commands = {
        "subscribe": handlers.on_subscribe,
        "unsubscribe": handlers.on_unsubscribe,
        "digest": handlers.on_digest,
        "feeds": handlers.on_feeds,
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
        MessageHandler(opml & filters.UpdateType.MESSAGE, final(handlers.on_document)), group=-1
    )
    return Lifecycle(scheduler, services)


__all__ = ["Lifecycle", "build_scheduler", "register"]
