"""Ranking by coverage, the story limit, and filters applied to stored digest material."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clean.fingerprint import fingerprint
from bot.clock import FakeClock
from bot.digests.filters import ChatFilter
from bot.digests.scheduler import DigestScheduler
from bot.digests.selection import rank, select
from bot.metrics import Metrics
from bot.storage.articles import filter_text
from bot.storage.db import Database
from bot.storage.digests import DigestArticle, DigestStore
from bot.storage.filters import DigestFilters, FilterRow
from bot.telegram.digest_html import DigestHtml
from tests.digests.helpers import Outbox

T0 = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)


def art(
    i: int,
    site: str,
    story: str,
    *,
    minutes: int = 0,
    origin: str = "feed",
    title: str = "",
    text: str = "",
) -> DigestArticle:
    # Articles of one story share their content hash (so they merge); sites differ.
    return DigestArticle(
        i,
        f"https://{site}/{i}",
        title or f"{story} title {i}",
        site,
        f"hash-{story}",
        f"- Summary of {story}.",
        T0 + timedelta(minutes=minutes),
        origin=origin,
        text=filter_text(text),  # as the database hands it over
    )


def test_stories_carried_by_more_sites_come_first() -> None:
    articles = [
        art(1, "a.example", "lonely", minutes=50),
        art(2, "a.example", "big"),
        art(3, "b.example", "big"),
        art(4, "c.example", "big"),
        art(5, "a.example", "pair"),
        art(6, "a.example", "pair"),  # the same site twice counts once
        art(7, "b.example", "pair"),
    ]
    chosen = select(articles)
    assert [e.title for e in chosen.entries] == ["big title 2", "pair title 5", "lonely title 1"]
    assert [e.coverage for e in chosen.entries] == [3, 2, 1]


def test_ties_go_to_what_the_chat_shared_then_to_the_newest() -> None:
    articles = [
        art(1, "a.example", "old-feed", minutes=0),
        art(2, "a.example", "new-feed", minutes=30),
        art(3, "a.example", "shared", minutes=10, origin="message"),
    ]
    assert [e.title for e in select(articles).entries] == [
        "shared title 3",
        "new-feed title 2",
        "old-feed title 1",
    ]
    assert rank([]) == []


def test_the_limit_keeps_the_best_and_counts_the_rest() -> None:
    articles = [art(i, f"s{i % 3}.example", f"story{i // 3}", minutes=i) for i in range(45)]
    chosen = select(articles, limit=10)
    assert len(chosen.entries) == 10 and chosen.more == 5
    assert select(articles, limit=None).more == 0
    assert len(select(articles, limit=None).entries) == 15


def test_filtered_items_are_counted_before_grouping() -> None:
    articles = [
        art(1, "a.example", "x", text="Football scores"),
        art(2, "b.example", "y", text="Transfer rumours again"),
        art(3, "c.example", "z", text="More transfer rumours"),
    ]
    chosen = select(articles, chat_filter=ChatFilter([FilterRow("exclude", "transfer rumours")]))
    assert [e.title for e in chosen.entries] == ["x title 1"] and chosen.filtered == 2


async def test_scheduled_digest_filters_ranks_limits_and_says_so(db: Database) -> None:
    store = DigestStore(db)
    await store.subscribe(1, "08:00", "UTC", now=T0 - timedelta(hours=1))
    body = "The council voted on the new river bridge after a long debate. " * 5
    # Distinct titles: near-identical ones ("Story 1", "Story 2") merge by the title rule.
    names = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november"
    for i, name in enumerate(names.split()):
        await store.record_article(
            1,
            content_hash=f"h{i}",
            url=f"https://site{i}.example/story",
            title=f"{name.title()} {i}",
            site=f"site{i}.example",
            at=T0 + timedelta(minutes=i),
            text=f"{body} Item {i}." + (" Sponsored content." if i % 5 == 0 else ""),
            origin="feed",
        )
    # Two more copies of story 3 on other sites: the same text, so the same fingerprint.
    copy = f"{body} Item 3."
    for site in ("copy1.example", "copy2.example"):
        await store.record_article(
            1,
            content_hash=f"copy-{site}",
            url=f"https://{site}/x",
            title=f"Copied {site}",
            site=site,
            at=T0 + timedelta(minutes=20),
            text=copy,
            fingerprint=fingerprint(copy + " " + site),
            origin="feed",
        )
    await DigestFilters(db).add(1, "exclude", ["sponsored content"], now=T0)
    outbox = Outbox()
    sched = DigestScheduler(
        store=store,
        clock=FakeClock(T0 + timedelta(hours=2)),
        send=outbox,
        renderer=DigestHtml(),
        metrics=Metrics(),
        max_stories=5,
    )
    # /digest all: every story, no "more" line (and the schedule is left alone).
    assert await sched.send_now(1, everything=True) >= 1
    everything = "\n".join(h for _, h in outbox.sent)
    assert "/digest all" not in everything and "3 items filtered out" in everything
    assert "Bravo 1" in everything and "Alpha 0" not in everything
    assert everything.count("<b><a href") == 12
    outbox.sent.clear()
    assert (await sched.tick()).sent == 1
    (html,) = [h for _, h in outbox.sent]
    # Items 0, 5 and 10 are sponsored: 13 articles kept, the two copies one story of two
    # sites, which comes first; 12 stories, 5 shown.
    assert "3 items filtered out" in html
    assert "7 more stories: /digest all shows them all" in html
    assert html.index("Copied copy1.example") < html.index("Mike 12")
    assert "Alpha 0" not in html and "Foxtrot 5" not in html


async def test_stored_articles_keep_fingerprint_text_and_origin(db: Database) -> None:
    store = DigestStore(db)
    text = "A long enough article text for a fingerprint to be computed from it, surely. " * 3
    await store.record_article(
        7,
        content_hash="k",
        url="https://x.example/a",
        title="T",
        site="x.example",
        at=T0,
        fingerprint=fingerprint(text),
        text=text,
        feed_id=None,
        origin="message",
    )
    (article,) = await store.articles(7, T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert article.fingerprint == fingerprint(text) and len(article.fingerprint) == 512
    assert article.text == filter_text(text) and article.origin == "message"


async def test_filter_terms_store_move_between_kinds_and_clear(db: Database) -> None:
    repo = DigestFilters(db)
    assert await repo.add(1, "include", ["ai", "rust"], now=T0) == 2
    assert await repo.add(1, "include", ["ai"], now=T0) == 0
    assert await repo.add(1, "exclude", ["ai"], now=T0) == 1  # moved, not contradicted
    assert await repo.add(1, "exclude", ["ads"], feed_id=4, now=T0) == 1
    assert sorted((t.kind, t.term, t.feed_id) for t in await repo.terms(1)) == [
        ("exclude", "ads", 4),
        ("exclude", "ai", 0),
        ("include", "rust", 0),
    ]
    assert await repo.terms(2) == []
    assert await repo.clear(1, feed_id=4) == 1
    assert await repo.clear(1) == 2
    assert await repo.terms(1) == []


async def test_new_feeds_and_items_are_counted_right_on_every_database(db: Database) -> None:
    # psycopg reports rowcount -1 for INSERT … ON CONFLICT DO NOTHING: on PostgreSQL an OPML
    # import said "Imported -2 feeds" and every poll took every item for new.
    store = DigestStore(db)
    feeds = [("https://a.example/f", "A"), ("https://b.example/f", "B")]
    assert await store.add_feeds(9, feeds, now=T0) == 2
    assert await store.add_feeds(9, feeds[:1], now=T0) == 0
    feed = (await store.feeds(9))[0]
    item = ("g1", "https://a.example/1", "One", None)
    assert await store.add_feed_items(feed.id, [item], now=T0) == [item[:3]]
    assert await store.add_feed_items(feed.id, [item], now=T0) == []
