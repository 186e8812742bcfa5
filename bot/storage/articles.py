"""Articles summarised in a chat: the material of that chat's next digest."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Database
from bot.storage.schema import ArticleText, ChatArticle

# Filters read the start of an article; a cap keeps a 2 MB page from filling the database.
MAX_STORED_TEXT = 20_000

# Words, and every other visible character on its own ("c++" → "c + +", "launch🚀" → "launch 🚀").
_TOKEN = re.compile(r"[^\W_]+|[^\s\w]|_", re.UNICODE)


def filter_text(text: str) -> str:
    """Text as digest filters read it: case-folded tokens between single spaces, padded.

    Done once when an article is stored, so a digest only scans: a term " c + + " found in it
    is a whole-word match with no further checks.
    """
    return " " + " ".join(_TOKEN.findall(text.casefold())) + " "


async def keep_text(
    db: Database, session: AsyncSession, content_hash: str, text: str, at: datetime
) -> None:
    """Store an article's cleaned text, as filters read it, once per content hash."""
    if not content_hash or not text:
        return
    await session.execute(
        db.insert(ArticleText)
        .values(content_hash=content_hash, text=filter_text(text[:MAX_STORED_TEXT]), created_at=at)
        .on_conflict_do_nothing(index_elements=["content_hash"])
    )


class ChatArticles:
    """Records which article was summarised in which chat (digests read these rows)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self,
        *,
        chat_id: int,
        content_hash: str,
        url: str,
        title: str,
        site: str,
        summary_id: int | None,
        origin: str,
        at: datetime,
        fingerprint: bytes = b"",
        text: str = "",
        feed_id: int | None = None,
    ) -> None:
        """Add one row; the same article in the same chat may appear again on another day."""
        # The row is group-committed with concurrent ones (a burst keeps the one writer busy);
        # the text, kept once per content hash for digest filters, needs an upsert of its own.
        await self._db.append(
            ChatArticle(
                chat_id=chat_id,
                content_hash=content_hash,
                url=url,
                title=title,
                site=site,
                summary_id=summary_id,
                origin=origin,
                created_at=at,
                fingerprint=fingerprint,
                feed_id=feed_id,
            )
        )
        if content_hash and text:
            async with self._db.session() as session:
                await keep_text(self._db, session, content_hash, text, at)
