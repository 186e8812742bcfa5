"""RSS/Atom feeds: parse (pure), check a URL for /feeds add, poll with conditional GET.

New items are summarised through the same pipeline and cache as links posted in chats, once per
item URL per polling round however many chats follow the feed, and recorded as that chat's
articles (origin "feed") so the digest picks them up like any other article.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.errors import N_, BotError, FetchError, InputError
from bot.models import Fetched, Result, SummaryOptions
from bot.storage.digests import FeedArticle

if TYPE_CHECKING:
    from bot.pipeline import Pipeline
    from bot.storage.digests import DigestStore, FeedInfo

log = logging.getLogger(__name__)

ACCEPT: tuple[str, ...] = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/xml",
    "text/xml",
    # Many servers label feeds wrongly; the parser decides, and HTML gets autodiscovery.
    "text/html",
    "text/plain",
    "application/octet-stream",
)
MAX_ITEMS = 200  # entries read from one feed document
MAX_NEW_PER_POLL = 10  # newest unseen items summarised per poll (a first poll is not a backlog)
FRESH = timedelta(minutes=15)  # a feed checked this recently is not fetched again


class NotAFeedError(InputError):
    default_message = "That link is not an RSS or Atom feed. Send the feed's own address."


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One usable item of a feed."""

    guid: str
    url: str
    title: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document: its title, usable entries (the first MAX_ITEMS) and how many of those
    were malformed."""

    title: str
    entries: tuple[FeedEntry, ...]
    skipped: int = 0
    alternate: str = ""  # for an HTML page: the feed it advertises, if any


def parse_feed(text: str, base_url: str) -> ParsedFeed:
    """Parse RSS/Atom text; entries without a usable http(s) link are counted as skipped.

    Raises NotAFeedError when the text is not a feed at all (an HTML page yields its advertised
    feed in `alternate` instead, when it has one).
    """
    parsed = feedparser.parse(text, resolve_relative_uris=False, sanitize_html=False)
    version = parsed.get("version", "")
    if not version and not parsed.entries:
        alternate = _advertised_feed(parsed, base_url)
        if alternate:
            return ParsedFeed(title="", entries=(), alternate=alternate)
        raise NotAFeedError(
            N_(
                "That link is not an RSS or Atom feed (no feed found in it). "
                "Send the feed's own address, e.g. https://example.com/feed.xml."
            )
        )
    title = str(parsed.feed.get("title", "") or "").strip()
    entries: list[FeedEntry] = []
    skipped = 0
    seen: set[str] = set()
    for raw in parsed.entries[:MAX_ITEMS]:
        link = str(raw.get("link", "") or "").strip()
        if link:
            link = urljoin(base_url, link)
        if not link or urlsplit(link).scheme not in ("http", "https"):
            skipped += 1
            continue
        guid = str(raw.get("id", "") or raw.get("guid", "") or link).strip()[:512]
        if guid in seen:
            continue
        seen.add(guid)
        stamp = raw.get("published_parsed") or raw.get("updated_parsed")
        published = None
        if stamp:
            try:
                published = datetime.fromtimestamp(calendar.timegm(stamp), UTC)
            except (OverflowError, ValueError, TypeError):
                published = None
        item_title = " ".join(str(raw.get("title", "") or "").split())[:500]
        entries.append(FeedEntry(guid, link, item_title, published))
    return ParsedFeed(title=title, entries=tuple(entries), skipped=skipped)


def _advertised_feed(parsed: feedparser.FeedParserDict, base_url: str) -> str:
    # feedparser reads <link rel="alternate" type="application/rss+xml"> from HTML heads too.
    for link in parsed.feed.get("links", []) or []:
        kind = str(link.get("type", ""))
        if link.get("rel") == "alternate" and ("rss" in kind or "atom" in kind):
            href = str(link.get("href", "")).strip()
            if href:
                return urljoin(base_url, href)
    return ""


def newest_first(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """Entries by publication time, newest first (undated ones keep feed order, after dated)."""
    dated = [e for e in entries if e.published]
    undated = [e for e in entries if not e.published]
    dated.sort(key=lambda e: e.published or datetime.min.replace(tzinfo=UTC), reverse=True)
    return dated + undated if dated else list(entries)


@dataclass
class PollRound:
    """Memo shared by the polls of one round: each URL is fetched and summarised once."""

    fetched: dict[str, Fetched | BotError] = field(default_factory=dict)
    parsed: dict[str, ParsedFeed] = field(default_factory=dict)
    summaries: dict[str, asyncio.Task[Result]] = field(default_factory=dict)


class FeedPoller:
    """Checks and polls feeds through the pipeline's fetcher; records new items as articles."""

    def __init__(
        self, store: DigestStore, pipeline: Pipeline, *, options: SummaryOptions | None = None
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.options = options or SummaryOptions()

    async def check(self, url: str) -> tuple[str, ParsedFeed]:
        """Fetch and parse a feed for /feeds add → (feed URL, parsed); BotError says what is wrong."""
        fetched = await self.pipeline.fetcher.fetch(url, accept=ACCEPT)
        parsed = parse_feed(fetched.text, fetched.url)
        if parsed.alternate:
            url = parsed.alternate
            fetched = await self.pipeline.fetcher.fetch(url, accept=ACCEPT)
            parsed = parse_feed(fetched.text, fetched.url)
            if parsed.alternate:
                raise NotAFeedError()
        return url, parsed

    async def poll(
        self,
        feed: FeedInfo,
        *,
        now: datetime,
        at: datetime | None = None,
        memo: PollRound | None = None,
    ) -> int:
        """Poll one feed; returns how many new items were added to the chat. Never raises BotError.

        `at` is the time recorded on the new articles (a digest polling its own feeds late
        records them at its due time so they land in that digest).
        """
        memo = memo or PollRound()
        try:
            fetched = memo.fetched.get(feed.url)
            if fetched is None:
                try:
                    fetched = await self.pipeline.fetcher.fetch(
                        feed.url, accept=ACCEPT, etag=feed.etag, last_modified=feed.last_modified
                    )
                except BotError as exc:
                    fetched = exc
                if not isinstance(fetched, Fetched) or fetched.status != 304:
                    memo.fetched[feed.url] = fetched  # a 304 is only valid for this row's state
            if isinstance(fetched, BotError):
                raise fetched
            if fetched.status == 304:
                await self.store.update_feed(feed.id, now=now)
                return 0
            parsed = memo.parsed.get(feed.url) or parse_feed(fetched.text, fetched.url)
            memo.parsed[feed.url] = parsed
            fresh = await self.store.add_feed_items(
                feed.id,
                [(e.guid, e.url, e.title, e.published) for e in parsed.entries],
                now=now,
            )
            await self.store.update_feed(
                feed.id,
                now=now,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                title=parsed.title if not feed.title else None,
            )
        except BotError as exc:
            log.info("feed %s for chat %s failed: %s", feed.url, feed.chat_id, exc.user_message)
            await self.store.update_feed(feed.id, now=now, error=exc.user_message)
            return 0
        by_guid = {e.guid: e for e in parsed.entries}
        new_entries = [by_guid[guid] for guid, _, _ in fresh if guid in by_guid]
        done: list[FeedArticle] = []
        for entry in newest_first(new_entries)[:MAX_NEW_PER_POLL]:
            result = await self._summarise_item(entry, memo)
            if result is not None:
                doc = result.document
                done.append(
                    FeedArticle(
                        guid=entry.guid,
                        content_hash=result.content_hash,
                        url=doc.url or entry.url,
                        title=entry.title or doc.title,
                        site=doc.site or feed.title or parsed.title,
                        fingerprint=result.fingerprint,
                        text=doc.text,
                    )
                )
        if done:
            # One transaction for all of this poll's items: the fan-out minute is busy enough.
            await self.store.record_feed_articles(feed.id, feed.chat_id, done, at=at or now)
        return len(done)

    async def _summarise_item(self, entry: FeedEntry, memo: PollRound) -> Result | None:
        task = memo.summaries.get(entry.url)
        if task is None:
            task = asyncio.ensure_future(self.pipeline.summarise(entry.url, self.options))
            memo.summaries[entry.url] = task
        try:
            return await asyncio.shield(task)
        except BotError as exc:
            # One broken item (paywall, 404) never stops the feed or the digest.
            log.info("feed item %s skipped: %s", entry.url, exc.user_message)
            return None

    async def poll_stale(
        self,
        feeds: Sequence[FeedInfo],
        *,
        now: datetime,
        at: datetime | None = None,
        memo: PollRound | None = None,
        concurrency: int = 8,
    ) -> int:
        """Poll those feeds not checked within FRESH; returns how many items were added."""
        memo = memo or PollRound()
        stale = [f for f in feeds if f.last_checked_at is None or now - f.last_checked_at >= FRESH]
        gate = asyncio.Semaphore(concurrency)

        async def one(feed: FeedInfo) -> int:
            async with gate:
                try:
                    return await self.poll(feed, now=now, at=at, memo=memo)
                except Exception:  # a bug in one feed's handling must not stop the others
                    log.exception("polling feed %s failed", feed.url)
                    return 0

        return sum(await asyncio.gather(*(one(f) for f in stale)))


def feed_error_message(exc: BotError) -> str:
    """A /feeds add error, phrased for feeds rather than articles."""
    if isinstance(exc, NotAFeedError):
        return exc.user_message
    if isinstance(exc, FetchError):
        return f"The feed could not be read: {exc.user_message}"
    return exc.user_message
