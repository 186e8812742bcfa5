"""Repository for subscriptions, feeds, feed items and the articles a digest draws on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InputError
from bot.storage.articles import ChatArticles, filter_text, keep_text
from bot.storage.db import Database
from bot.storage.filters import DigestFilters, FilterRow
from bot.storage.schema import (
    ArticleText,
    Chat,
    ChatArticle,
    Delivery,
    DigestFilter,
    Feed,
    FeedItem,
    Subscription,
    SummaryRow,
)


class FeedLimitError(InputError):
    default_message = "This chat follows too many feeds; remove some with /feeds remove first."


@dataclass(frozen=True, slots=True)
class SubscriptionInfo:
    """A subscription as the scheduler sees it."""

    id: int
    chat_id: int
    local_time: str
    timezone: str
    active: bool
    paused_reason: str
    since: datetime  # digests are due only from this instant on (subscribe / change time)
    thread_id: int | None = None  # the forum topic digests go to (None: the main chat)


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """A feed followed by a chat, with its conditional-GET state."""

    id: int
    chat_id: int
    url: str
    title: str
    etag: str
    last_modified: str
    last_error: str
    last_checked_at: datetime | None


@dataclass(frozen=True, slots=True)
class DigestArticle:
    """One article summarised in a chat, with its summary text when known."""

    id: int
    url: str
    title: str
    site: str
    content_hash: str
    summary: str
    created_at: datetime
    fingerprint: bytes = b""  # MinHash of the cleaned text (bot.clean.fingerprint)
    origin: str = "message"  # message | forward: the chat shared it; feed: one of its feeds
    feed_id: int | None = None
    text: str = ""  # the cleaned text as filters read it (bot.storage.articles.filter_text)


@dataclass(frozen=True, slots=True)
class FeedArticle:
    """A summarised feed item on its way into a chat's digest material."""

    guid: str
    content_hash: str
    url: str
    title: str
    site: str
    fingerprint: bytes = b""
    text: str = ""  # the cleaned text (filters match on it)


def _sub(row: Subscription) -> SubscriptionInfo:
    return SubscriptionInfo(
        id=row.id,
        chat_id=row.chat_id,
        local_time=row.local_time,
        timezone=row.timezone,
        active=row.active,
        paused_reason=row.paused_reason,
        since=row.created_at,
        thread_id=row.thread_id,
    )


def _feed(row: Feed) -> FeedInfo:
    return FeedInfo(
        id=row.id,
        chat_id=row.chat_id,
        url=row.url,
        title=row.title,
        etag=row.etag,
        last_modified=row.last_modified,
        last_error=row.last_error,
        last_checked_at=row.last_checked_at,
    )


class DigestStore:
    """All digest reads and writes except delivery claims (see `delivery.py`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- chats -----------------------------------------------------------------------------

    async def ensure_chat(
        self, chat_id: int, *, now: datetime, chat_type: str = "private", title: str = ""
    ) -> None:
        """Insert the chat row if it is missing (the Telegram layer may already have done it)."""
        insert = self.db.insert
        async with self.db.session() as session:
            await session.execute(
                insert(Chat)
                .values(
                    id=chat_id,
                    type=chat_type,
                    title=title[:256],
                    timezone="UTC",
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )

    async def chat_timezone(self, chat_id: int) -> str:
        """The zone remembered for a chat ('UTC' when unknown)."""
        async with self.db.read() as session:
            zone = await session.scalar(select(Chat.timezone).where(Chat.id == chat_id))
        return zone or "UTC"

    async def empty_note(self, chat_id: int) -> bool:
        """Whether the chat asked for a 'nothing new' note instead of skipping empty digests."""
        async with self.db.read() as session:
            flag = await session.scalar(select(Chat.digest_empty_note).where(Chat.id == chat_id))
        return bool(flag)

    async def set_empty_note(self, chat_id: int, value: bool) -> None:
        """Change the chat's 'nothing new' note setting."""
        async with self.db.session() as session:
            await session.execute(
                update(Chat).where(Chat.id == chat_id).values(digest_empty_note=value)
            )

    # -- subscriptions ---------------------------------------------------------------------

    async def subscribe(
        self,
        chat_id: int,
        local_time: str,
        zone: str,
        *,
        now: datetime,
        chat_type: str = "private",
        title: str = "",
        thread_id: int | None = None,
    ) -> SubscriptionInfo:
        """Create or change the chat's subscription (and remember its zone) in one transaction."""
        insert = self.db.insert
        async with self.db.session() as session:
            await session.execute(
                insert(Chat)
                .values(
                    id=chat_id,
                    type=chat_type,
                    title=title[:256],
                    timezone=zone,
                    created_at=now,
                )
                .on_conflict_do_update(index_elements=["id"], set_={"timezone": zone})
            )
            # `created_at` doubles as "schedule valid since": changing the time never triggers a
            # catch-up digest for a moment that passed before the change.
            await session.execute(
                insert(Subscription)
                .values(
                    chat_id=chat_id,
                    local_time=local_time,
                    timezone=zone,
                    active=True,
                    paused_reason="",
                    thread_id=thread_id,
                    created_at=now,
                )
                .on_conflict_do_update(
                    index_elements=["chat_id"],
                    set_={
                        "local_time": local_time,
                        "timezone": zone,
                        "active": True,
                        "paused_reason": "",
                        "thread_id": thread_id,
                        "created_at": now,
                    },
                )
            )
            row = await session.scalar(select(Subscription).where(Subscription.chat_id == chat_id))
            assert row is not None
            return _sub(row)

    async def unsubscribe(self, chat_id: int) -> bool:
        """Delete the chat's subscription; False when there was none."""
        async with self.db.session() as session:
            result = await session.execute(
                delete(Subscription).where(Subscription.chat_id == chat_id)
            )
            return (result.rowcount or 0) > 0  # type: ignore[attr-defined]

    async def subscription(self, chat_id: int) -> SubscriptionInfo | None:
        """The chat's subscription, if any."""
        async with self.db.read() as session:
            row = await session.scalar(select(Subscription).where(Subscription.chat_id == chat_id))
            return _sub(row) if row else None

    async def active_subscriptions(self) -> list[SubscriptionInfo]:
        """Every active subscription (columns only; cheap even for tens of thousands)."""
        async with self.db.read() as session:
            rows = await session.execute(
                select(
                    Subscription.id,
                    Subscription.chat_id,
                    Subscription.local_time,
                    Subscription.timezone,
                    Subscription.created_at,
                ).where(Subscription.active.is_(True))
            )
            return [
                SubscriptionInfo(r[0], r[1], r[2], r[3], True, "", r[4])  # type: ignore[arg-type]
                for r in rows
            ]

    async def pause(self, subscription_id: int, reason: str) -> None:
        """Stop digests for a subscription (the chat blocked or removed the bot)."""
        async with self.db.session() as session:
            await session.execute(
                update(Subscription)
                .where(Subscription.id == subscription_id)
                .values(active=False, paused_reason=reason[:128])
            )

    # -- feeds -----------------------------------------------------------------------------

    async def add_feed(
        self, chat_id: int, url: str, title: str, *, now: datetime, limit: int | None = None
    ) -> bool:
        """Follow a feed; False when the chat already follows that URL."""
        return await self.add_feeds(chat_id, [(url, title)], now=now, limit=limit) > 0

    async def add_feeds(
        self,
        chat_id: int,
        feeds: Iterable[tuple[str, str]],
        *,
        now: datetime,
        limit: int | None = None,
    ) -> int:
        """Follow several feeds at once (OPML import) in one transaction; returns how many are new.

        With `limit`, FeedLimitError (and nothing stored) when the chat would follow more than that.
        """
        insert = self.db.insert
        added = 0
        feeds = list(feeds)
        async with self.db.session() as session:
            if limit is not None:
                # Checked here, not only by the caller: three imports of 200 once left 604 feeds.
                known = set(await session.scalars(select(Feed.url).where(Feed.chat_id == chat_id)))
                total = len(known | {url for url, _ in feeds})
                if total > limit:
                    raise FeedLimitError(
                        f"A chat can follow at most {limit} feeds; this chat follows "
                        f"{len(known)}, and adding these would make {total}. Remove some "
                        "with /feeds remove first.",
                        detail=f"feed limit: chat {chat_id} has {len(known)}, wanted {total}",
                    )
            for url, title in feeds:
                # RETURNING, not rowcount: with psycopg, rowcount of INSERT … ON CONFLICT DO
                # NOTHING is -1 whether or not a row went in.
                new_id = await session.scalar(
                    insert(Feed)
                    .values(chat_id=chat_id, url=url, title=title, created_at=now)
                    .on_conflict_do_nothing(index_elements=["chat_id", "url"])
                    .returning(Feed.id)
                )
                added += new_id is not None
        return added

    async def remove_feed(self, chat_id: int, url: str) -> bool:
        """Stop following a feed (and drop its filters); False when the chat did not follow it."""
        async with self.db.session() as session:
            feed_id = await session.scalar(
                select(Feed.id).where(Feed.chat_id == chat_id, Feed.url == url)
            )
            if feed_id is None:
                return False
            await session.execute(
                delete(DigestFilter).where(
                    DigestFilter.chat_id == chat_id, DigestFilter.feed_id == feed_id
                )
            )
            result = await session.execute(delete(Feed).where(Feed.id == feed_id))
            return (result.rowcount or 0) > 0  # type: ignore[attr-defined]

    async def feeds(self, chat_id: int) -> list[FeedInfo]:
        """The chat's feeds, oldest first."""
        async with self.db.read() as session:
            rows = await session.scalars(
                select(Feed).where(Feed.chat_id == chat_id).order_by(Feed.id)
            )
            return [_feed(r) for r in rows]

    async def feeds_for_chats(self, chat_ids: Sequence[int]) -> list[FeedInfo]:
        """Feeds of the given chats (for polling before their digests)."""
        if not chat_ids:
            return []
        result: list[FeedInfo] = []
        async with self.db.read() as session:
            for start in range(0, len(chat_ids), 500):
                chunk = list(chat_ids[start : start + 500])
                rows = await session.scalars(select(Feed).where(Feed.chat_id.in_(chunk)))
                result.extend(_feed(r) for r in rows)
        return result

    async def update_feed(
        self,
        feed_id: int,
        *,
        now: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        error: str = "",
    ) -> None:
        """Record a poll: validators (when given), title, time and the last error ('' = fine)."""
        values: dict[str, object] = {"last_checked_at": now, "last_error": error[:500]}
        if etag is not None:
            values["etag"] = etag
        if last_modified is not None:
            values["last_modified"] = last_modified
        if title:
            values["title"] = title
        async with self.db.session() as session:
            await session.execute(update(Feed).where(Feed.id == feed_id).values(**values))

    async def add_feed_items(
        self,
        feed_id: int,
        items: Sequence[tuple[str, str, str, datetime | None]],
        *,
        now: datetime,
    ) -> list[tuple[str, str, str]]:
        """Store (guid, url, title, published) rows; return the (guid, url, title) that were new."""
        if not items:
            return []
        insert = self.db.insert
        new: list[tuple[str, str, str]] = []
        async with self.db.session() as session:
            for guid, url, title, published in items:
                new_id = await session.scalar(
                    insert(FeedItem)
                    .values(
                        feed_id=feed_id,
                        guid=guid[:512],
                        url=url,
                        title=title,
                        published_at=published,
                        content_hash="",
                        seen_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["feed_id", "guid"])
                    .returning(FeedItem.id)
                )
                if new_id is not None:  # see add_feeds: rowcount cannot tell on PostgreSQL
                    new.append((guid, url, title))
        return new

    async def record_feed_articles(
        self,
        feed_id: int,
        chat_id: int,
        items: Sequence[FeedArticle],
        *,
        at: datetime,
    ) -> None:
        """Summarised feed items → the chat's digest material, and each item's content hash and
        fingerprint remembered, in one transaction."""
        async with self.db.session() as session:
            for item in items:
                session.add(
                    ChatArticle(
                        chat_id=chat_id,
                        content_hash=item.content_hash,
                        url=item.url,
                        title=item.title,
                        site=item.site[:256],
                        summary_id=None,
                        origin="feed",
                        created_at=at,
                        fingerprint=item.fingerprint,
                        feed_id=feed_id,
                    )
                )
                await session.execute(
                    update(FeedItem)
                    .where(FeedItem.feed_id == feed_id, FeedItem.guid == item.guid[:512])
                    .values(content_hash=item.content_hash, fingerprint=item.fingerprint)
                )
                await keep_text(self.db, session, item.content_hash, item.text, at)

    async def count_feed_items(self, feed_id: int) -> int:
        """How many items of a feed are stored."""
        async with self.db.read() as session:
            return int(
                await session.scalar(
                    select(func.count()).select_from(FeedItem).where(FeedItem.feed_id == feed_id)
                )
                or 0
            )

    # -- digest material -------------------------------------------------------------------

    async def record_article(
        self,
        chat_id: int,
        *,
        content_hash: str,
        url: str,
        title: str,
        site: str,
        at: datetime,
        fingerprint: bytes = b"",
        text: str = "",
        feed_id: int | None = None,
        origin: str = "feed",
    ) -> None:
        """Add an article to the chat's digest material (its summary is found by content hash)."""
        await ChatArticles(self.db).record(
            chat_id=chat_id,
            content_hash=content_hash,
            url=url,
            title=title,
            site=site[:256],
            summary_id=None,
            origin=origin,
            at=at,
            fingerprint=fingerprint,
            text=text,
            feed_id=feed_id,
        )

    # -- filters ---------------------------------------------------------------------------

    async def filters(self, chat_id: int) -> list[FilterRow]:
        """The chat's digest filter terms."""
        return await DigestFilters(self.db).terms(chat_id)

    async def previous_digest_due(self, subscription_id: int, before: date) -> datetime | None:
        """When the last digest actually sent before `before` was due (the window's start)."""
        async with self.db.read() as session:
            due = await session.scalar(
                select(func.max(Delivery.due_at)).where(
                    Delivery.subscription_id == subscription_id,
                    Delivery.status == "sent",
                    Delivery.local_date < before,
                )
            )
        return due

    async def articles(self, chat_id: int, after: datetime, until: datetime) -> list[DigestArticle]:
        """Articles summarised in the chat in (after, until], oldest first, with summary text."""
        async with self.db.read() as session:
            return await self._articles(session, chat_id, after, until)

    async def digest_material(
        self,
        subscription_id: int,
        chat_id: int,
        local_date: date,
        due_at: datetime,
        *,
        first_after: datetime,
        max_lookback: timedelta,
    ) -> list[DigestArticle]:
        """The articles of one scheduled digest, in one transaction: from the previous sent
        digest's due time (or `first_after`), at most `max_lookback` back, to `due_at`."""
        async with self.db.read() as session:
            previous = await session.scalar(
                select(func.max(Delivery.due_at)).where(
                    Delivery.subscription_id == subscription_id,
                    Delivery.status == "sent",
                    Delivery.local_date < local_date,
                )
            )
            after = previous or first_after
            after = max(after, due_at - max_lookback)
            return await self._articles(session, chat_id, after, due_at)

    async def _articles(
        self, session: AsyncSession, chat_id: int, after: datetime, until: datetime
    ) -> list[DigestArticle]:
        # Feed items and offline fallbacks have no summary id: any summary of the same content
        # will do (the newest), found in the same statement.
        by_hash = (
            select(SummaryRow.text)
            .where(SummaryRow.content_hash == ChatArticle.content_hash)
            .order_by(SummaryRow.id.desc())
            .limit(1)
            .correlate(ChatArticle)
            .scalar_subquery()
        )
        rows = (
            await session.execute(
                select(
                    ChatArticle,
                    func.coalesce(SummaryRow.text, by_hash, ""),
                    func.coalesce(ArticleText.text, ""),
                )
                .outerjoin(SummaryRow, SummaryRow.id == ChatArticle.summary_id)
                .outerjoin(ArticleText, ArticleText.content_hash == ChatArticle.content_hash)
                .where(
                    ChatArticle.chat_id == chat_id,
                    ChatArticle.created_at > after,
                    ChatArticle.created_at <= until,
                )
                .order_by(ChatArticle.created_at, ChatArticle.id)
            )
        ).all()
        return [
            DigestArticle(
                id=a.id,
                url=a.url,
                title=a.title,
                site=a.site,
                content_hash=a.content_hash,
                summary=summary,
                created_at=a.created_at,
                fingerprint=bytes(a.fingerprint or b""),
                origin=a.origin,
                feed_id=a.feed_id,
                # Rows from before texts were kept are filtered on their summary instead.
                text=text or filter_text(summary),
            )
            for a, summary, text in rows
        ]
