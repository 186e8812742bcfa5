"""Exactly-once digest delivery: a row per (subscription, local date), claimed before sending.

The unique key (subscription_id, local_date) makes a second claim for the same digest impossible.
A claim carries a lease; whoever holds it renews the lease with every message sent and records how
many messages went out, so a process that dies mid-digest is picked up by another (or by itself
after a restart) once the lease has expired, continuing at the next message. Both SQLite and
PostgreSQL run the same conditional statements; on PostgreSQL expired claims are additionally
picked with `FOR UPDATE SKIP LOCKED` so competing processes never block on each other's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, update

from bot.storage.db import Database
from bot.storage.schema import Delivery

CLAIMED, SENT, SKIPPED, FAILED = "claimed", "sent", "skipped", "failed"


# What a claim carries, in Claim's field order: every claiming UPDATE returns these.
_CLAIM_COLUMNS = (
    Delivery.id,
    Delivery.subscription_id,
    Delivery.chat_id,
    Delivery.local_date,
    Delivery.due_at,
    Delivery.messages_sent,
)


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this worker holds the lease for."""

    id: int
    subscription_id: int
    chat_id: int
    local_date: date
    due_at: datetime
    messages_sent: int  # parts already delivered by an earlier holder


class Deliveries:
    """Claims, progress and completion of digest deliveries for one worker."""

    def __init__(self, db: Database, worker_id: str, *, lease: timedelta) -> None:
        self.db = db
        self.worker_id = worker_id[:128]
        self.lease = lease

    async def claim(
        self, subscription_id: int, chat_id: int, local_date: date, due_at: datetime, now: datetime
    ) -> Claim | None:
        """Take the delivery for this (subscription, date), or None if someone else has it/done it."""
        new_id = await self._insert_once(
            subscription_id,
            chat_id,
            local_date,
            due_at,
            status=CLAIMED,
            lease_until=now + self.lease,
        )
        if new_id is not None:
            return Claim(new_id, subscription_id, chat_id, local_date, due_at, 0)
        return await self._reclaim(
            and_(Delivery.subscription_id == subscription_id, Delivery.local_date == local_date),
            now,
        )

    async def _insert_once(
        self,
        subscription_id: int,
        chat_id: int,
        local_date: date,
        due_at: datetime,
        *,
        status: str,
        lease_until: datetime | None = None,
        detail: str = "",
    ) -> int | None:
        """Insert the (subscription, date) row unless one exists; its id, or None if it did."""
        insert = self.db.insert
        async with self.db.session() as session:
            return await session.scalar(
                insert(Delivery)
                .values(
                    subscription_id=subscription_id,
                    chat_id=chat_id,
                    local_date=local_date,
                    due_at=due_at,
                    status=status,
                    claimed_by=self.worker_id,
                    lease_until=lease_until,
                    messages_sent=0,
                    detail=detail[:1000],
                )
                .on_conflict_do_nothing(index_elements=["subscription_id", "local_date"])
                .returning(Delivery.id)
            )

    async def _reclaim(self, where: object, now: datetime) -> Claim | None:
        # A conditional UPDATE is atomic on both databases: of two workers racing for an expired
        # lease, the second one's WHERE no longer matches after the first commits.
        async with self.db.session() as session:
            row = (
                await session.execute(
                    update(Delivery)
                    .where(
                        where,  # type: ignore[arg-type]
                        Delivery.status == CLAIMED,
                        or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
                    )
                    .values(claimed_by=self.worker_id, lease_until=now + self.lease)
                    .returning(*_CLAIM_COLUMNS)
                )
            ).first()
        if row is None:
            return None
        return Claim(row[0], row[1], row[2], row[3], row[4], row[5])  # type: ignore[arg-type]

    async def release_dead(self, host: str, is_dead: Callable[[str], bool], now: datetime) -> int:
        """Expire at once the leases held by dead processes of `host` (judged by `is_dead` on
        the holder's worker id), so a restart resumes their digests without waiting out the
        lease; returns how many were released."""
        async with self.db.session() as session:
            holders = set(
                await session.scalars(
                    select(Delivery.claimed_by).where(
                        Delivery.status == CLAIMED,
                        Delivery.claimed_by.like(f"{host}:%"),
                        Delivery.claimed_by != self.worker_id,
                    )
                )
            )
            dead = [h for h in holders if is_dead(h)]
            if not dead:
                return 0
            result = await session.execute(
                update(Delivery)
                .where(Delivery.status == CLAIMED, Delivery.claimed_by.in_(dead))
                .values(lease_until=now - timedelta(seconds=1))
                .returning(Delivery.id)
            )
            return len(result.all())

    async def expired(self, now: datetime, limit: int = 100) -> list[Claim]:
        """Re-claim deliveries whose holder died (lease expired), up to `limit`."""
        async with self.db.session() as session:
            query = (
                select(Delivery.id)
                .where(Delivery.status == CLAIMED, Delivery.lease_until < now)
                .order_by(Delivery.due_at)
                .limit(limit)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            ids = list((await session.scalars(query)).all())
            claims: list[Claim] = []
            if ids:
                rows = await session.execute(
                    update(Delivery)
                    .where(
                        Delivery.id.in_(ids),
                        Delivery.status == CLAIMED,
                        Delivery.lease_until < now,
                    )
                    .values(claimed_by=self.worker_id, lease_until=now + self.lease)
                    .returning(*_CLAIM_COLUMNS)
                )
                claims = [
                    Claim(r[0], r[1], r[2], r[3], r[4], r[5])  # type: ignore[arg-type]
                    for r in rows
                ]
        return claims

    async def progress(self, claim: Claim, messages_sent: int, now: datetime) -> bool:
        """Record that `messages_sent` parts are out and renew the lease; False if the lease was lost."""
        async with self.db.session() as session:
            result = await session.execute(
                update(Delivery)
                .where(
                    Delivery.id == claim.id,
                    Delivery.status == CLAIMED,
                    Delivery.claimed_by == self.worker_id,
                )
                .values(messages_sent=messages_sent, lease_until=now + self.lease)
            )
            return (result.rowcount or 0) > 0  # type: ignore[attr-defined]

    async def renew(self, claim: Claim, now: datetime) -> bool:
        """Extend the lease without recording progress (before slow work like feed polling)."""
        async with self.db.session() as session:
            result = await session.execute(
                update(Delivery)
                .where(
                    Delivery.id == claim.id,
                    Delivery.status == CLAIMED,
                    Delivery.claimed_by == self.worker_id,
                )
                .values(lease_until=now + self.lease)
            )
            return (result.rowcount or 0) > 0  # type: ignore[attr-defined]

    async def finish(
        self,
        claim: Claim,
        status: str,
        now: datetime,
        detail: str = "",
        *,
        messages_sent: int | None = None,
    ) -> bool:
        """Complete the delivery as sent, skipped (empty) or failed (chat gone); final."""
        assert status in (SENT, SKIPPED, FAILED)
        extra = {} if messages_sent is None else {"messages_sent": messages_sent}
        async with self.db.session() as session:
            result = await session.execute(
                update(Delivery)
                .where(
                    Delivery.id == claim.id,
                    Delivery.status == CLAIMED,
                    Delivery.claimed_by == self.worker_id,
                )
                .values(
                    status=status,
                    sent_at=now if status == SENT else None,
                    lease_until=None,
                    detail=detail[:1000],
                    **extra,
                )
            )
            return (result.rowcount or 0) > 0  # type: ignore[attr-defined]

    async def record_skip(
        self,
        subscription_id: int,
        chat_id: int,
        local_date: date,
        due_at: datetime,
        detail: str,
    ) -> bool:
        """Mark a date as skipped without sending (missed beyond the grace window)."""
        new_id = await self._insert_once(
            subscription_id, chat_id, local_date, due_at, status=SKIPPED, detail=detail
        )
        return new_id is not None

    async def known(self, dates: set[date]) -> set[tuple[int, date]]:
        """(subscription_id, local_date) pairs that already have a delivery row for these dates."""
        if not dates:
            return set()
        async with self.db.read() as session:
            rows = await session.execute(
                select(Delivery.subscription_id, Delivery.local_date).where(
                    Delivery.local_date.in_(sorted(dates))
                )
            )
            return {(r[0], r[1]) for r in rows}

    async def status(self, subscription_id: int, local_date: date) -> tuple[str, int] | None:
        """(status, messages_sent) of one delivery, for tests and diagnostics."""
        async with self.db.read() as session:
            row = (
                await session.execute(
                    select(Delivery.status, Delivery.messages_sent).where(
                        Delivery.subscription_id == subscription_id,
                        Delivery.local_date == local_date,
                    )
                )
            ).first()
        return (row[0], row[1]) if row else None
