"""Shared helpers for digest tests: seed articles and record what a scheduler sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.storage.db import Database
from bot.storage.digests import DigestStore
from bot.storage.schema import SummaryRow


async def seed_article(
    db: Database,
    chat_id: int,
    at: datetime,
    *,
    key: str,
    title: str = "",
    text: str = "- Minister said the plan works.\n- Critics said it does not.",
    url: str = "",
) -> None:
    """A summary (by content hash) and a chat article pointing at it, as the pipeline leaves them."""
    async with db.session() as session:
        session.add(
            SummaryRow(
                content_hash=key,
                prompt_version="v1",
                model="offline",
                length="medium",
                language="",
                title=title,
                url=url,
                text=text,
                created_at=at,
            )
        )
    await DigestStore(db).record_article(
        chat_id,
        content_hash=key,
        url=url or f"https://news{key}.example/story",
        title=title or f"Story {key} about something that happened",
        site="",
        at=at,
    )


class Killed(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing in the scheduler catches it."""


@dataclass
class Outbox:
    """A send function that records (chat, html) and can fail on demand."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    kill_after: int | None = None  # raise Killed when this many messages went out
    errors: dict[int, BaseException] = field(default_factory=dict)

    async def __call__(self, chat_id: int, html: str) -> None:
        if chat_id in self.errors:
            raise self.errors[chat_id]
        if self.kill_after is not None and len(self.sent) >= self.kill_after:
            raise Killed()
        self.sent.append((chat_id, html))

    def chats(self) -> list[int]:
        return [c for c, _ in self.sent]
