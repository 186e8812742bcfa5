"""The article behind each summary: cleaned texts by content hash, and which bot message showed
which article, so that a reply to a summary can be answered from that article (and inline
queries can be answered from the cache)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from bot.clock import Clock, SystemClock
from bot.models import LENGTHS, Length, Summary
from bot.storage.db import Database
from bot.storage.schema import ArticleSource, SummaryMessage, SummaryRow


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """A cleaned article text as kept for questions."""

    content_hash: str
    url: str
    title: str
    text: str


def _article(row: ArticleSource) -> StoredArticle:
    return StoredArticle(row.content_hash, row.url, row.title, row.text)


class ArticleTexts:
    """Read and write `article_texts` and `summary_messages`."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    async def put(self, content_hash: str, *, url: str, title: str, text: str) -> None:
        """Keep an article's cleaned text (the first URL it was reached by stays)."""
        insert = self.db.insert
        async with self.db.session() as session:
            await session.execute(
                insert(ArticleSource)
                .values(
                    content_hash=content_hash,
                    url=url,
                    title=title,
                    text=text,
                    created_at=self.clock.now(),
                )
                .on_conflict_do_nothing(index_elements=["content_hash"])
            )
            await session.commit()

    async def remember_messages(
        self, chat_id: int, message_ids: Iterable[int], content_hash: str
    ) -> None:
        """Record that these bot messages show the summary of `content_hash`."""
        insert = self.db.insert
        now = self.clock.now()
        async with self.db.session() as session:
            for message_id in message_ids:
                await session.execute(
                    insert(SummaryMessage)
                    .values(
                        chat_id=chat_id,
                        message_id=message_id,
                        content_hash=content_hash,
                        created_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["chat_id", "message_id"])
                )
            await session.commit()

    async def for_message(self, chat_id: int, message_id: int) -> StoredArticle | None:
        """The article a bot message summarised, or None (not a summary, or text not kept)."""
        async with self.db.session() as session:
            row = await session.scalar(
                select(ArticleSource)
                .join(SummaryMessage, SummaryMessage.content_hash == ArticleSource.content_hash)
                .where(SummaryMessage.chat_id == chat_id, SummaryMessage.message_id == message_id)
            )
            return _article(row) if row is not None else None

    async def by_hash(self, content_hash: str) -> StoredArticle | None:
        """The kept article with this content hash, or None."""
        async with self.db.session() as session:
            row = await session.get(ArticleSource, content_hash)
            return _article(row) if row is not None else None

    async def for_url(self, url: str) -> StoredArticle | None:
        """The article first reached by `url` (or whose canonical URL it is), or None."""
        async with self.db.session() as session:
            row = await session.scalar(
                select(ArticleSource).where(ArticleSource.url == url).limit(1)
            )
            if row is None:
                hash_ = await session.scalar(
                    select(SummaryRow.content_hash).where(SummaryRow.url == url).limit(1)
                )
                if hash_ is not None:
                    row = await session.get(ArticleSource, hash_)
            return _article(row) if row is not None else None

    async def newest_summary(
        self, content_hash: str, *, prompt_version: str = "", model: str = ""
    ) -> Summary | None:
        """The newest cached summary of an article, preferring the current model and prompt."""
        async with self.db.session() as session:
            rows = (
                await session.scalars(
                    select(SummaryRow)
                    .where(SummaryRow.content_hash == content_hash)
                    .order_by(SummaryRow.created_at.desc(), SummaryRow.id.desc())
                )
            ).all()
        if not rows:
            return None
        current = [r for r in rows if (r.prompt_version, r.model) == (prompt_version, model)]
        medium = [r for r in current if r.length == "medium"]
        row = (medium or current or rows)[0]
        length: Length = row.length if row.length in LENGTHS else "medium"  # type: ignore[assignment]
        return Summary(
            text=row.text,
            model=row.model,
            prompt_version=row.prompt_version,
            cached=True,
            language=row.language,
            length=length,
        )

    async def purge(self, older_than: datetime) -> int:
        """Forget which messages showed which article before `older_than`; how many."""
        async with self.db.session() as session:
            result = await session.execute(
                delete(SummaryMessage).where(SummaryMessage.created_at < older_than)
            )
            await session.commit()
        return int(result.rowcount or 0)
