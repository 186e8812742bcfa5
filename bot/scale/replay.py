"""A rate limiter wrapper that makes a retried job's sends idempotent.

Wraps the front end's limiter (the pacer, or the shared budget adapter): inside a queued job
(`bot.scale.queue.current_job`), the n-th flood-limited call of the job is first looked up in the
`SendJournal`; if an earlier attempt of the same job made it, its recorded answer is returned and
Telegram is not called again, so a user whose job was retried after a worker died gets each
message once. Outside a job (polling, the digest scheduler) calls pass straight through.

The window left: a worker killed between Telegram's answer and the journal write (milliseconds)
re-sends that one message on retry. Telegram offers no idempotency key to close it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import BaseRateLimiter

from bot.scale.queue import SendJournal, current_job

# Calls that read or that acknowledge (idempotent on Telegram's side, or harmless twice).
READS = ("get", "answerCallbackQuery", "sendChatAction", "setWebhook", "deleteWebhook")


class ReplayingLimiter(BaseRateLimiter[int]):
    """Delegates to `inner`; inside a queued job, replays sends an earlier attempt made."""

    def __init__(self, inner: BaseRateLimiter[Any] | None, journal: SendJournal) -> None:
        self.inner = inner
        self.journal = journal

    async def initialize(self) -> None:
        """Initialise the wrapped limiter."""
        if self.inner is not None:
            await self.inner.initialize()

    async def shutdown(self) -> None:
        """Shut the wrapped limiter down."""
        if self.inner is not None:
            await self.inner.shutdown()

    def __getattr__(self, name: str) -> Any:
        # budget_short and friends of the wrapped pacer stay reachable.
        return getattr(self.inner, name)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        """Replay a send this job already made; otherwise send (through `inner`) and record it."""
        scope = current_job.get()
        if scope is None or endpoint.startswith(READS):
            return await self._call(callback, args, kwargs, endpoint, data, rate_limit_args)
        seq = scope.sends
        scope.sends += 1
        if scope.attempt > 1:
            recorded = await self.journal.lookup(scope.update_id, seq, endpoint)
            if recorded is not None:
                return recorded
        result = await self._call(callback, args, kwargs, endpoint, data, rate_limit_args)
        await self.journal.record(scope.update_id, seq, endpoint, result)
        return result

    async def _call(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def]
        if self.inner is None:
            return await callback(*args, **kwargs)
        return await self.inner.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
