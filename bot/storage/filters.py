"""Repository for a chat's digest filter terms (include/exclude, chat-wide or for one feed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from bot.storage.db import Database
from bot.storage.schema import DigestFilter


@dataclass(frozen=True, slots=True)
class FilterRow:
    """One stored term."""

    kind: str  # include | exclude
    term: str
    feed_id: int = 0  # 0 = the whole chat


class DigestFilters:
    """Reads and changes filter terms; each change is one transaction (all or nothing)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def terms(self, chat_id: int) -> list[FilterRow]:
        """The chat's terms, oldest first."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(DigestFilter)
                .where(DigestFilter.chat_id == chat_id)
                .order_by(DigestFilter.id)
            )
            return [FilterRow(r.kind, r.term, r.feed_id) for r in rows]

    async def add(
        self, chat_id: int, kind: str, terms: Sequence[str], *, feed_id: int = 0, now: datetime
    ) -> int:
        """Add terms of one kind (a term moves from the other kind); returns how many are new."""
        insert = self.db.insert
        added = 0
        async with self.db.session() as session:
            await session.execute(
                delete(DigestFilter).where(
                    DigestFilter.chat_id == chat_id,
                    DigestFilter.feed_id == feed_id,
                    DigestFilter.kind != kind,
                    DigestFilter.term.in_(list(terms)),
                )
            )
            for term in terms:
                # RETURNING, not rowcount: psycopg reports -1 for a skipped ON CONFLICT insert.
                new_id = await session.scalar(
                    insert(DigestFilter)
                    .values(chat_id=chat_id, feed_id=feed_id, kind=kind, term=term, created_at=now)
                    .on_conflict_do_nothing(index_elements=["chat_id", "feed_id", "kind", "term"])
                    .returning(DigestFilter.id)
                )
                added += new_id is not None
        return added

    async def clear(self, chat_id: int, *, feed_id: int | None = None) -> int:
        """Delete the chat's terms (only one feed's when `feed_id` is given); returns how many."""
        async with self.db.session() as session:
            query = delete(DigestFilter).where(DigestFilter.chat_id == chat_id)
            if feed_id is not None:
                query = query.where(DigestFilter.feed_id == feed_id)
            result = await session.execute(query)
            return result.rowcount or 0  # type: ignore[attr-defined]
