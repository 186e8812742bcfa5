"""What the user sees while a summary is being made: typing, then one status message if slow
and if the send budget allows (typing is not flood-limited; a status and its edits are)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING

from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.errors import BotError
from bot.pacing import Priority, send_priority
from bot.telegram.ratelimit import budget_short
from bot.telegram.render import escape
from bot.telegram.send import delete_message, edit_html, reply_thread, send_html

if TYPE_CHECKING:
    from telegram import Bot, Message

    from bot.services import Services

log = logging.getLogger(__name__)

# The typing task started by the handler guard the moment an update arrives (before any database
# work), adopted by the Progress of that update so that the first reaction is not delayed.
early_typing: ContextVar[asyncio.Task[None] | None] = ContextVar("early_typing", default=None)

STAGES = {
    "fetching": "Downloading the page…",
    "extracting": "Extracting the article…",
    "cleaning": "Repairing the text…",
    "summarising": "Summarising…",
}
TYPING_EVERY = 4.5  # Telegram shows "typing…" for 5 s
STATUS_AFTER = 3.0  # quick answers need no status message at all
MIN_EDIT_INTERVAL = 3.0  # edits count against flood limits


# Typing requests still in flight after their loop was stopped (kept referenced until done).
_in_flight: set[asyncio.Future[bool]] = set()


def _settled(request: asyncio.Future[bool]) -> None:
    _in_flight.discard(request)
    if not request.cancelled() and request.exception() is not None:
        log.debug("typing action failed: %s", request.exception())


def start_typing(bot: Bot, chat_id: int) -> asyncio.Task[None]:
    """Show "typing…" now and every few seconds until the task is cancelled.

    Cancelling stops the loop but never a request in flight: a request cut off between its
    headers and its body reaches the server without parameters ("chat_id is empty") and costs
    the connection; it is left to finish in the background instead.
    """

    thread = reply_thread.get()  # in the topic the request came from

    async def loop() -> None:
        while True:
            request = asyncio.ensure_future(
                bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread)
            )
            _in_flight.add(request)
            request.add_done_callback(_settled)
            try:
                await asyncio.shield(request)
            except TelegramError as exc:
                # Typing is a courtesy: a failure here must never fail the request.
                log.debug("typing action failed: %s", exc)
                return
            await asyncio.sleep(TYPING_EVERY)

    return asyncio.create_task(loop())


class Progress:
    """Typing action at once and every few seconds; after `status_after` seconds one status
    message, edited at most every `min_edit_interval` seconds, deleted once the answer is sent."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        *,
        reply_to: int | None = None,
        services: Services | None = None,
        status_after: float = STATUS_AFTER,
        min_edit_interval: float = MIN_EDIT_INTERVAL,
        label: str = "",
        allow_status: bool | Callable[[], bool] = True,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.reply_to = reply_to
        self.services = services
        self.status_after = status_after
        self.min_edit_interval = min_edit_interval
        self.label = label  # e.g. "2 links" prefix
        # Under heavy load status messages would compete with answers for the flood budget;
        # a callable is asked when the status is due (the load then, not at the start).
        self.allow_status = allow_status
        self.stage = "Working…"
        self.status: Message | None = None
        self._shown = ""
        self._last_edit = 0.0
        self._tasks: list[asyncio.Task[None]] = []
        self._lock = asyncio.Lock()
        self._closed = False
        self._answered = False  # once the first answer is out, no status message any more
        self._timer: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Progress:
        typing = early_typing.get()
        if typing is not None and not typing.done():
            early_typing.set(None)
            self._tasks.append(typing)
        else:
            self._tasks.append(start_typing(self.bot, self.chat_id))
        if self.allow_status is not False:
            self._timer = asyncio.create_task(self._status_later())
            self._tasks.append(self._timer)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _text(self) -> str:
        prefix = f"{escape(self.label)}: " if self.label else ""
        return f"⏳ <i>{prefix}{escape(self.stage)}</i>"

    async def _status_later(self) -> None:
        await asyncio.sleep(self.status_after)
        # Cancelled (by the answer) only while waiting: a status send cut off mid-request could
        # still appear in the chat, and then nobody would remove it.
        await asyncio.shield(self._show_status())

    async def _show_status(self) -> None:
        async with self._lock:
            if self._closed or self._answered or self.status is not None:
                return
            allowed = self.allow_status() if callable(self.allow_status) else self.allow_status
            if not allowed or budget_short(self.bot, self.chat_id):
                # Answers are queued, or this chat's window is half used: typing goes on, and
                # the budget goes to results.
                log.debug("send budget short; no status message for chat %s", self.chat_id)
                return
            try:
                with send_priority(Priority.PROGRESS):
                    sent = await send_html(
                        self.bot,
                        self.chat_id,
                        self._text(),
                        reply_to=self.reply_to,
                        services=self.services,
                    )
            except (BotError, TelegramError) as exc:
                log.debug("status message failed: %s", exc)
                return
            self.status = sent[0] if sent else None
            self._shown = self._text()
            self._last_edit = time.monotonic()

    async def update(self, stage: str) -> None:
        """Pipeline progress callback: show the stage (edit throttled)."""
        self.stage = STAGES.get(stage, stage)
        if self.status is None or self._closed:
            return
        if time.monotonic() - self._last_edit < self.min_edit_interval:
            return
        if budget_short(self.bot, self.chat_id):
            return  # a later stage may still be shown; the answer matters more
        async with self._lock:
            text = self._text()
            if self.status is None or text == self._shown:
                return
            with send_priority(Priority.PROGRESS):
                edited = await edit_html(
                    self.bot, self.chat_id, self.status.message_id, text, services=self.services
                )
            if edited:
                self._shown = text
            self._last_edit = time.monotonic()

    async def close(self) -> None:
        """Stop typing and the status timer (the status message, if any, stays for `finish`)."""
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    async def finish(self, html: str, **send_kwargs: object) -> list[Message]:
        """Deliver the (first) answer as a new reply, then delete the status message if one was
        shown: Telegram notifies the person of new messages, never of edits. Typing goes on
        until the block exits, for answers still to come."""
        if self._timer is not None:
            self._timer.cancel()
        async with self._lock:
            self._answered = True
            status, self.status = self.status, None
        sent = await send_html(
            self.bot,
            self.chat_id,
            html,
            reply_to=self.reply_to,
            services=self.services,
            **send_kwargs,  # type: ignore[arg-type]
        )
        if status is not None:
            await delete_message(self.bot, self.chat_id, status.message_id, services=self.services)
        return sent

    async def discard(self) -> None:
        """Remove the status message without an answer (e.g. nothing to say)."""
        await self.close()
        async with self._lock:
            self._answered = True
            status, self.status = self.status, None
        if status is not None:
            await delete_message(self.bot, self.chat_id, status.message_id, services=self.services)
