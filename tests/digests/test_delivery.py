from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.storage.db import Database
from bot.storage.deliveries import FAILED, SENT, Deliveries
from bot.storage.digests import DigestStore

NOW = datetime(2025, 3, 30, 8, 0, tzinfo=UTC)
DAY = date(2025, 3, 30)
LEASE = timedelta(minutes=2)


async def _sub(db: Database, chat_id: int = 42) -> int:
    info = await DigestStore(db).subscribe(chat_id, "08:00", "UTC", now=NOW - timedelta(days=1))
    return info.id


async def test_second_claim_for_the_same_date_is_refused(db: Database) -> None:
    sub = await _sub(db)
    a, b = Deliveries(db, "a", lease=LEASE), Deliveries(db, "b", lease=LEASE)
    claim = await a.claim(sub, 42, DAY, NOW, NOW)
    assert claim is not None and claim.messages_sent == 0
    assert await b.claim(sub, 42, DAY, NOW, NOW) is None
    assert await a.finish(claim, SENT, NOW)
    # Sent is final: not even an expired lease makes it claimable again.
    assert await b.claim(sub, 42, DAY, NOW, NOW + timedelta(hours=1)) is None
    assert await b.expired(NOW + timedelta(hours=1)) == []
    assert await a.status(sub, DAY) == (SENT, 0)


async def test_expired_lease_is_reclaimed_and_resumes_after_sent_parts(db: Database) -> None:
    sub = await _sub(db)
    dead, alive = Deliveries(db, "dead", lease=LEASE), Deliveries(db, "alive", lease=LEASE)
    claim = await dead.claim(sub, 42, DAY, NOW, NOW)
    assert claim is not None
    assert await dead.progress(claim, 2, NOW + timedelta(seconds=30))
    # Lease still valid: nobody else may take it.
    assert await alive.claim(sub, 42, DAY, NOW, NOW + timedelta(minutes=1)) is None
    assert await alive.expired(NOW + timedelta(minutes=1)) == []
    later = NOW + timedelta(minutes=5)
    resumed = await alive.expired(later)
    assert [(c.subscription_id, c.messages_sent) for c in resumed] == [(sub, 2)]
    # The dead holder lost its lease: its late progress and completion are refused.
    assert not await dead.progress(claim, 3, later)
    assert not await dead.finish(claim, SENT, later)
    assert await alive.finish(resumed[0], SENT, later)
    assert await alive.status(sub, DAY) == (SENT, 2)


async def test_skip_and_failure_are_recorded_once(db: Database) -> None:
    sub = await _sub(db)
    w = Deliveries(db, "w", lease=LEASE)
    assert await w.record_skip(sub, 42, DAY, NOW, "missed by 7h")
    assert not await w.record_skip(sub, 42, DAY, NOW, "again")
    assert await w.claim(sub, 42, DAY, NOW, NOW) is None
    other = DAY + timedelta(days=1)
    claim = await w.claim(sub, 42, other, NOW + timedelta(days=1), NOW + timedelta(days=1))
    assert claim is not None
    assert await w.finish(claim, FAILED, NOW, "chat gone")
    assert await w.known({DAY, other}) == {(sub, DAY), (sub, other)}


async def test_racing_claims_yield_exactly_one_winner(db: Database) -> None:
    subs = [await _sub(db, chat) for chat in range(1, 21)]
    workers = [Deliveries(db, f"w{i}", lease=LEASE) for i in range(4)]

    async def grab(worker: Deliveries) -> list[int]:
        won = []
        for sub in subs:
            if await worker.claim(sub, sub, DAY, NOW, NOW):
                won.append(sub)
        return won

    results = await asyncio.gather(*(grab(w) for w in workers))
    winners = [s for r in results for s in r]
    assert sorted(winners) == sorted(subs)
