"""Single-flight across processes: two 'replicas' summarising the same key run one at a time."""

from __future__ import annotations

import asyncio

from bot.scale.flight import AdvisoryLockFlight, lock_id
from bot.storage.db import Database
from testsupport.corpora import requires_postgres


def test_lock_ids_are_stable_and_distinct() -> None:
    assert lock_id(("a", 1)) == lock_id(("a", 1))
    assert lock_id(("a", 1)) != lock_id(("a", 2))


@requires_postgres
async def test_two_replicas_summarise_a_key_once(scale_db) -> None:
    # Two Database objects = two connection pools, as two replicas would have.
    first, second = await Database.open(scale_db), await Database.open(scale_db, migrate=False)
    cache: dict[str, str] = {}
    made: list[str] = []

    async def summarise(who: str) -> str:
        # What the pipeline does inside the flight: the shared cache first, then the work.
        if "k" in cache:
            return cache["k"]
        made.append(who)
        await asyncio.sleep(0.3)
        cache["k"] = f"summary by {who}"
        return cache["k"]

    try:
        a, b = AdvisoryLockFlight(first), AdvisoryLockFlight(second)
        results = await asyncio.gather(
            a.run("k", lambda: summarise("a")),
            b.run("k", lambda: summarise("b")),
            a.run("k", lambda: summarise("a2")),  # same process: shares a's flight
        )
    finally:
        await first.close()
        await second.close()
    assert len(made) == 1
    assert len(set(results)) == 1
