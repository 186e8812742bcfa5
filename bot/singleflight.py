"""Collapse concurrent calls for the same key into one (like Go's singleflight)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """`await group.run(key, make)`: while one call for `key` is running, others await its result."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[T]] = {}

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """Run `make()` once per key at a time; concurrent callers share its result or exception."""
        existing = self._running.get(key)
        if existing is not None:
            # shield: one waiter being cancelled must not cancel the shared work.
            return await asyncio.shield(existing)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await make()
        except BaseException as exc:
            if not future.done():
                future.set_exception(exc)
            # Mark retrieved so an unobserved failure does not log "exception never retrieved".
            future.exception()
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]

    def __len__(self) -> int:
        return len(self._running)
