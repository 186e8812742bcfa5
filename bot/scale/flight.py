"""Single-flight across replicas: one summary per cache key at a time, whichever process asks.

In one process `SingleFlight` collapses concurrent calls for a key. Across replicas the pipeline's
summary step takes a PostgreSQL advisory lock derived from the summary cache key around it: the
second replica waits for the first, then finds the summary in the shared cache (the pipeline looks
there first) instead of summarising again. A session-level lock dies with its connection, so a
replica killed mid-summary frees the key for the others at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from sqlalchemy import text

from bot.singleflight import SingleFlight
from bot.storage.db import Database

T = TypeVar("T")


def lock_id(key: Hashable) -> int:
    """A stable signed 64-bit advisory-lock id for `key` (its repr, hashed)."""
    digest = hashlib.sha256(("newsfix-summary:" + repr(key)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLockFlight(SingleFlight[T]):
    """`SingleFlight` within the process, a PostgreSQL advisory lock per key across processes."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """Run `make()` for `key` while no other process does; local callers share the result."""
        return await super().run(key, lambda: self._locked(key, make))

    async def _locked(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        ident = lock_id(key)
        async with self.db.engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": ident})
            await conn.commit()  # no transaction left open while the summary runs
            try:
                return await make()
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": ident})
                await conn.commit()
