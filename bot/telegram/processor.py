"""Concurrent updates with per-chat order: different chats run in parallel, one chat in sequence.

A private chat that sends faster than its updates can be worked through (200 links in a minute)
gets at most `max_backlog` updates queued; the rest are skipped, and one note says how many,
once its queue has drained. Other chats keep their pace: they never wait behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot.errors import BotError
from bot.telegram.send import send_html

log = logging.getLogger(__name__)
MAX_BACKLOG = 20  # updates queued per private chat before more are skipped


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (its user for inline-only updates), or None."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` updates at once, serialised within each chat."""

    def __init__(self, max_concurrent_updates: int = 256, max_backlog: int = MAX_BACKLOG) -> None:
        super().__init__(max_concurrent_updates)
        self.max_backlog = max_backlog
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._skipped: dict[int, int] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Take the chat's lock first (FIFO, in arrival order), then a concurrency slot."""
        key = chat_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        if self._waiting.get(key, 0) >= self.max_backlog and _private(update):
            self._skipped[key] = self._skipped.get(key, 0) + 1
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # never started: nothing to clean up
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            # Waiting for the chat lock before the semaphore keeps a busy chat's queued updates
            # from holding slots that other chats could use.
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                self._locks.pop(key, None)
                skipped = self._skipped.pop(key, 0)
                if skipped:
                    await _tell_skipped(update, key, skipped)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers."""
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _private(update: object) -> bool:
    chat = update.effective_chat if isinstance(update, Update) else None
    return chat is not None and chat.type == ChatType.PRIVATE


async def _tell_skipped(update: object, chat_id: int, skipped: int) -> None:
    """One note, after the chat's queue has drained, on how many messages were not read."""
    if not isinstance(update, Update):
        return
    what = "1 message" if skipped == 1 else f"{skipped} messages"
    log.info("chat %s sent faster than it could be served: %d updates skipped", chat_id, skipped)
    try:
        await send_html(
            update.get_bot(),
            chat_id,
            f"⚠️ <i>You sent more than I can keep up with: I skipped {what} that came while "
            "I was still working on earlier ones. Send again what you still need.</i>",
        )
    except (BotError, TelegramError) as exc:
        log.info("could not tell chat %s about skipped messages: %s", chat_id, exc)
