"""Summary cache and token-usage log, on the `summaries` and `usage` tables.

A summary is keyed by the article's content hash plus everything that changes the output
(prompt version, model, length, language), so the same article reached through any URL costs
zero tokens the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.clock import Clock, SystemClock
from bot.models import LENGTHS, CacheKey, Length, Summary
from bot.storage.schema import SummaryRow, Usage

if TYPE_CHECKING:
    from bot.storage.db import Database


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """Totals for a chat: summaries requested, tokens spent, and how many came from the cache."""

    articles: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


def _key_filter(key: CacheKey) -> tuple[object, ...]:
    return (
        SummaryRow.content_hash == key.content_hash,
        SummaryRow.prompt_version == key.prompt_version,
        SummaryRow.model == key.model,
        SummaryRow.length == key.length,
        SummaryRow.language == key.language,
    )


class SummaryCache:
    """Read and write cached summaries."""

    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    async def get(self, key: CacheKey) -> Summary | None:
        """The cached summary for `key` (with `cached=True` and zero tokens spent), or None."""
        async with self.db.read() as session:
            row = (await session.execute(select(SummaryRow).where(*_key_filter(key)))).scalar()
        if row is None:
            return None
        length: Length = row.length if row.length in LENGTHS else "medium"  # type: ignore[assignment]
        # A hit costs nothing: token fields report this request's spend, not the original's.
        return Summary(
            text=row.text,
            model=row.model,
            prompt_version=row.prompt_version,
            prompt_tokens=0,
            completion_tokens=0,
            cached=True,
            language=row.language,
            length=length,
        )

    async def get_id(self, key: CacheKey) -> int | None:
        """The row id of the cached summary for `key`, or None."""
        async with self.db.read() as session:
            return (await session.execute(select(SummaryRow.id).where(*_key_filter(key)))).scalar()

    async def put(self, key: CacheKey, summary: Summary, *, title: str = "", url: str = "") -> int:
        """Store `summary` under `key` and return its row id; a concurrent or earlier put wins."""
        values = {
            "content_hash": key.content_hash,
            "prompt_version": key.prompt_version,
            "model": key.model,
            "length": key.length,
            "language": key.language,
            "title": title,
            "url": url,
            "text": summary.text,
            "prompt_tokens": summary.prompt_tokens,
            "completion_tokens": summary.completion_tokens,
            "created_at": self.clock.now(),
        }
        insert = self.db.insert
        # ON CONFLICT DO NOTHING on the unique key: two workers summarising the same article at
        # once both succeed, and both get the first row's id.
        statement = insert(SummaryRow).values(**values).on_conflict_do_nothing()
        async with self.db.session() as session:
            await session.execute(statement)
            row_id = (
                await session.execute(select(SummaryRow.id).where(*_key_filter(key)))
            ).scalar_one()
        return int(row_id)


class UsageLog:
    """One row per summary request: tokens spent, or a cache hit that spent none."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        *,
        chat_id: int | None,
        user_id: int | None,
        content_hash: str,
        summary: Summary,
        at: datetime,
    ) -> None:
        """Log one summary request (group-committed with concurrent ones)."""
        await self.db.append(
            Usage(
                chat_id=chat_id,
                user_id=user_id,
                content_hash=content_hash,
                model=summary.model,
                prompt_version=summary.prompt_version,
                prompt_tokens=0 if summary.cached else summary.prompt_tokens,
                completion_tokens=0 if summary.cached else summary.completion_tokens,
                cached=summary.cached,
                created_at=at,
            )
        )

    async def chat_totals(self, chat_id: int) -> UsageTotals:
        """Articles summarised in a chat, tokens spent there, and cache hits."""
        statement = select(
            func.count(Usage.id),
            func.coalesce(func.sum(Usage.prompt_tokens), 0),
            func.coalesce(func.sum(Usage.completion_tokens), 0),
            func.count(Usage.id).filter(Usage.cached.is_(True)),
        ).where(Usage.chat_id == chat_id)
        async with self.db.read() as session:
            articles, prompt, completion, cached = (await session.execute(statement)).one()
        return UsageTotals(
            articles=int(articles),
            prompt_tokens=int(prompt),
            completion_tokens=int(completion),
            cached=int(cached),
        )

    async def user_tokens_since(self, user_id: int, since: datetime) -> int:
        """Tokens (prompt + completion) a user spent since `since`, for daily quotas."""
        statement = select(
            func.coalesce(func.sum(Usage.prompt_tokens + Usage.completion_tokens), 0)
        ).where(Usage.user_id == user_id, Usage.created_at >= since)
        async with self.db.read() as session:
            return int((await session.execute(statement)).scalar_one())
