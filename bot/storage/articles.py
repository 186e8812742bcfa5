"""Articles summarised in a chat: the material of that chat's next digest."""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database
from bot.storage.schema import ChatArticle


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
    ) -> None:
        """Add one row; the same article in the same chat may appear again on another day."""
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
            )
        )
