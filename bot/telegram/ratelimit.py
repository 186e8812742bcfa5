"""Flood control: a smooth rate for message sends, per-group limits, and RetryAfter retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.metrics import Metrics
from bot.telegram.send import retry_after_seconds

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]

# Calls that do not put or change a message in a chat are not flood-limited by Telegram in
# practice; throttling them would only delay long polling, typing actions and button answers.
UNTHROTTLED = frozenset(
    {
        "getUpdates",
        "getMe",
        "getChat",
        "getChatMember",
        "getChatAdministrators",
        "getWebhookInfo",
        "setWebhook",
        "deleteWebhook",
        "setMyCommands",
        "getMyCommands",
        "answerCallbackQuery",
        "sendChatAction",
        "setMessageReaction",
        "deleteMessage",
        "close",
        "logOut",
    }
)


STALE_AFTER = 0.5  # seconds


class FloodLimiter(BaseRateLimiter[int]):
    """Leaky-bucket limits like PTB's AIORateLimiter, applied only to message sends and edits,
    with RetryAfter waited out (pausing every send), retried and counted in the metrics.

    The defaults sit just under Telegram's 30 messages/s and 20/min per group: requests reach
    Telegram with jittery latency, so a limiter at exactly the limit still trips 429 now and then,
    and each 429 stalls every chat for a second or more.
    """

    def __init__(
        self,
        *,
        overall_max_rate: float = 28,
        overall_time_period: float = 1.0,
        group_max_rate: float = 19,
        group_time_period: float = 60.0,
        max_retries: int = 3,
        metrics: Metrics | None = None,
    ) -> None:
        self._overall = AsyncLimiter(overall_max_rate, overall_time_period)
        self._group_rate = (group_max_rate, group_time_period)
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._max_retries = max_retries
        self._metrics = metrics
        self._paused_until = 0.0  # a 429 pauses every throttled send (Telegram's limit is global)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def _group(self, chat_id: int | str) -> AsyncLimiter:
        if len(self._groups) > 1024:
            # Drop idle limiters so a bot in many groups does not grow without bound.
            for key, limiter in list(self._groups.items()):
                if limiter.has_capacity(limiter.max_rate):
                    del self._groups[key]
        limiter = self._groups.get(chat_id)
        if limiter is None:
            limiter = self._groups[chat_id] = AsyncLimiter(*self._group_rate)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Throttle sends/edits, then call; on RetryAfter wait and retry up to max_retries."""
        if endpoint in UNTHROTTLED:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        group: int | str | None = None
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
            # Groups, supergroups and channels have negative ids (or @usernames).
            group = chat_id
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        # Only new messages count against a group's per-minute budget; edits of a status message
        # go against the overall rate only.
        group_limiter = (
            self._group(group)
            if group is not None and endpoint.startswith(("send", "copy", "forward"))
            else None
        )
        for attempt in range(retries + 1):
            pause = self._paused_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            await self._overall.acquire()
            # The stricter per-group limit is taken last, right before sending: waiting for the
            # overall limiter after it would bunch a group's spaced-out messages together again.
            if group_limiter is not None:
                waited_from = time.monotonic()
                await group_limiter.acquire()
                if time.monotonic() - waited_from > STALE_AFTER:
                    # The overall slot taken before a long wait for the group has passed.
                    await self._overall.acquire()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if self._metrics is not None:
                    self._metrics.telegram_retry_after.inc()
                if attempt >= retries:
                    raise
                wait = retry_after_seconds(exc) + 0.1
                self._paused_until = max(self._paused_until, time.monotonic() + wait)
                log.info("flood limit hit (%s); retrying in %.1fs", endpoint, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover
