from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.digests.feeds import FeedPoller, NotAFeedError, PollRound, parse_feed
from bot.errors import FetchError, HTTPStatusError, TooLargeError
from bot.pipeline import Pipeline
from bot.services import build_pipeline
from bot.storage.db import Database
from bot.storage.digests import DigestStore
from testsupport.pages import PageServer
from testsupport.settings import isolated_settings

NOW = datetime(2025, 6, 2, 7, 50, tzinfo=UTC)
BASE = "https://site.example/news/"

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>
<item><title>One</title><link>/a/1</link><guid>g1</guid><pubDate>Mon, 02 Jun 2025 06:00:00 GMT</pubDate></item>
<item><title>No link</title><guid isPermaLink="false">g2</guid></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
<item><title>Two</title><link>https://other.example/2</link><pubDate>not a date</pubDate></item>
<item><title>One again</title><link>/a/1</link><guid>g1</guid></item>
</channel></rss>"""


def test_rss_entries_resolved_malformed_skipped_duplicates_dropped() -> None:
    parsed = parse_feed(RSS, BASE)
    assert parsed.title == "Site"
    assert [(e.guid, e.url, e.title) for e in parsed.entries] == [
        ("g1", "https://site.example/a/1", "One"),
        ("https://other.example/2", "https://other.example/2", "Two"),
    ]
    assert parsed.entries[0].published == datetime(2025, 6, 2, 6, tzinfo=UTC)
    assert parsed.entries[1].published is None
    assert parsed.skipped == 2


def test_atom_and_html_pages() -> None:
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>x</id>'
        '<entry><title>E</title><id>urn:e</id><link href="https://a.example/e"/></entry></feed>'
    )
    assert [e.url for e in parse_feed(atom, BASE).entries] == ["https://a.example/e"]
    page = (
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        "</head><body>hi</body></html>"
    )
    assert parse_feed(page, BASE).alternate == "https://site.example/rss.xml"
    with pytest.raises(NotAFeedError) as err:
        parse_feed("<html><body><p>Just a page</p></body></html>", BASE)
    assert "RSS or Atom" in err.value.user_message


@given(st.text(max_size=400))
def test_any_text_parses_or_is_refused_clearly(text: str) -> None:
    try:
        parsed = parse_feed(text, BASE)
    except NotAFeedError:
        return
    assert all(e.url.startswith(("http://", "https://")) for e in parsed.entries)


@pytest.fixture
async def env(
    tmp_path: Path, db: Database
) -> AsyncIterator[tuple[DigestStore, FeedPoller, Pipeline]]:
    settings = isolated_settings(
        tmp_path,
        fetch_allow_private=True,
        fetch_timeout=3.0,
        fetch_max_bytes=256 * 1024,
    )
    pipeline = build_pipeline(settings, db=db)
    store = DigestStore(db)
    try:
        yield store, FeedPoller(store, pipeline), pipeline
    finally:
        await pipeline.aclose()


async def test_check_accepts_feeds_and_refuses_everything_else(env, pages: PageServer) -> None:
    _, poller, _ = env
    url, parsed = await poller.check(pages.url("/feed.atom"))
    assert url == pages.url("/feed.atom") and len(parsed.entries) == 5
    pages.add_route(
        "/with-alternate",
        f'<html><head><link rel="alternate" type="application/rss+xml" href="{pages.url("/feed.rss")}"></head></html>',
    )
    url, parsed = await poller.check(pages.url("/with-alternate"))
    assert url == pages.url("/feed.rss") and parsed.title == "Local news"
    with pytest.raises(NotAFeedError):
        await poller.check(pages.url("/article"))
    with pytest.raises(HTTPStatusError):
        await poller.check(pages.url("/status/500"))
    with pytest.raises(TooLargeError):
        await poller.check(pages.url("/big?bytes=1000000"))
    with pytest.raises(FetchError):
        await poller.check("http://127.0.0.1:9/feed.xml")


async def test_poll_summarises_new_items_then_uses_conditional_get(env, pages: PageServer) -> None:
    store, poller, _ = env
    await store.add_feed(7, pages.url("/feed.rss"), "", now=NOW)
    (feed,) = await store.feeds(7)
    added = await poller.poll(feed, now=NOW)
    articles = await store.articles(7, NOW - timedelta(hours=1), NOW)
    assert added == len(articles) >= 3  # news-dev pages that extract (one is a paywall teaser)
    assert all(a.summary for a in articles) and {a.title for a in articles} <= {
        f"Story {i}" for i in range(5)
    }
    assert await store.count_feed_items(feed.id) == 5
    (feed,) = await store.feeds(7)
    assert feed.etag == '"feed-v1"' and feed.title == "Local news"
    # Second poll: If-None-Match → 304, nothing re-fetched or re-added.
    assert await poller.poll(feed, now=NOW + timedelta(minutes=20)) == 0
    last = pages.requests_to("/feed.rss")[-1]
    assert last.header("if-none-match") == '"feed-v1"'
    assert len(await store.articles(7, NOW - timedelta(hours=1), NOW + timedelta(hours=1))) == added


async def test_one_bad_feed_never_stops_the_others(env, pages: PageServer) -> None:
    store, poller, _ = env
    pages.add_route(
        "/broken.xml", "<rss><channel><item><title>x", content_type="application/rss+xml"
    )
    for url in (pages.url("/status/503"), pages.url("/broken.xml"), pages.url("/feed.atom")):
        await store.add_feed(9, url, "", now=NOW)
    feeds = await store.feeds(9)
    added = await poller.poll_stale(feeds, now=NOW, memo=PollRound())
    assert added >= 3
    by_url = {f.url: f for f in await store.feeds(9)}
    assert "503" in by_url[pages.url("/status/503")].last_error
    assert by_url[pages.url("/feed.atom")].last_error == ""
    # Polled feeds are fresh: the next round within 15 minutes fetches nothing.
    before = len(pages.requests)
    assert await poller.poll_stale(list(by_url.values()), now=NOW + timedelta(minutes=5)) == 0
    assert len(pages.requests) == before


def test_a_feed_with_thousands_of_entries_is_capped() -> None:
    items = "".join(
        f"<item><title>T{i}</title><link>https://x.example/{i}</link></item>" for i in range(1000)
    )
    parsed = parse_feed(
        f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>', BASE
    )
    assert len(parsed.entries) == 200 and parsed.skipped == 0
