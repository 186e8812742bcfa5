"""Digest fan-out benchmark: N chats due at the same minute, through the production send path.

The fake Bot API (testsupport/botapi.py: 30 messages/s overall, 429 + retry_after beyond) runs in a
child process so that neither its CPU nor its memory is counted as the bot's. The bot side is the
real thing: `build_services` + `build_application` (PTB with the app's FloodLimiter) and the digest
scheduler that `bot.digests.register` wires in, with an injected clock set to the due minute.
Every chat follows the same local feed (PageServer, 5 news-dev articles), so the digest content
is real: fetched, extracted, cleaned and summarised by the fake LLM, once per unique article.

    .venv/bin/python bench/digest_fanout.py                 # 2,000 chats on SQLite
    .venv/bin/python bench/digest_fanout.py --chats 200     # quicker
    .venv/bin/python bench/digest_fanout.py --overall-rate 25   # what-if: the app limiter at 25/s
    .venv/bin/python bench/digest_fanout.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIMIT = 30.0  # the fake's overall messages/s


def _fake_telegram(conn, chats: int) -> None:  # type: ignore[no-untyped-def]
    """Child process: serve the fake Bot API until told to stop, then report every send."""
    from testsupport.botapi import FakeBotAPI

    tg = FakeBotAPI()
    tg.start()
    for chat_id in range(1, chats + 1):
        tg.chat(chat_id, "private")
    conn.send((tg.token, tg.api_url))
    conn.recv()  # "stop"
    sends = [
        (call.at, call.status, int(call.params.get("chat_id", 0)), call.params.get("text", ""))
        for call in tg.calls
        if call.method == "sendMessage"
    ]
    tg.stop()
    conn.send(sends)


def _fresh_database(url: str) -> str:
    """A new empty database on the given PostgreSQL server (the benchmark never reuses one)."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


async def run(
    chats: int, database_url: str, tmp: Path, overall_rate: float = 0.0, workers: int = 0
) -> dict[str, object]:
    from bot.clock import FakeClock
    from bot.config import Settings
    from bot.services import build_services
    from bot.storage.digests import DigestStore
    from bot.telegram.app import build_application
    from testsupport.openai_server import FakeOpenAI, RecordedRequest
    from testsupport.pages import PageServer

    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_fake_telegram, args=(child, chats))
    proc.start()
    token, api_url = parent.recv()

    def reply(request: RecordedRequest) -> str:
        body = request.messages[-1]["content"] if request.messages else ""
        return "- Key statement: " + " ".join(body.split()[-40:]) + "\n- Second statement."

    due = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    clock = FakeClock(due - timedelta(minutes=5))
    with FakeOpenAI(reply=reply) as llm, PageServer() as pages:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=tmp,
            database_url=database_url,
            telegram_bot_token=token,
            telegram_api_url=api_url,
            openai_api_key="sk-bench",
            openai_base_url=llm.base_url,
            fetch_allow_private=True,
        )
        services = await build_services(settings)
        services.clock = clock
        services.pipeline.clock = clock
        app = build_application(services)
        if overall_rate:
            # What-if: the app's FloodLimiter with another overall rate.
            from bot.telegram.ratelimit import FloodLimiter, Limits, Window

            app.bot._rate_limiter = FloodLimiter(  # type: ignore[attr-defined]
                limits=Limits(overall=Window(int(overall_rate), 1.0)), metrics=services.metrics
            )
        scheduler = app.bot_data.digest_scheduler
        if workers:
            scheduler.workers = workers
        store = DigestStore(services.db)
        feed_url = pages.url("/feed.rss")
        seed_start = time.perf_counter()
        for chat_id in range(1, chats + 1):
            await store.subscribe(chat_id, "08:00", "UTC", now=due - timedelta(hours=12))
        await store_feeds(store, chats, feed_url, due - timedelta(days=1))
        seed_seconds = time.perf_counter() - seed_start
        async with app:
            prepare_start = time.perf_counter()
            added = await scheduler.prepare_upcoming()  # what the :30 job does before the minute
            prepare_seconds = time.perf_counter() - prepare_start
            clock.set(due)
            fan_start = time.perf_counter()
            report = await scheduler.tick()
            fan_seconds = time.perf_counter() - fan_start
        llm_calls = len(llm.completions)
        # How long digest sends waited for the pacer: near 0 means the sends were not the
        # bottleneck (the database and building the digests were).
        waits = {
            sample.name.rsplit("_", 1)[-1]: sample.value
            for metric in services.metrics.telegram_send_wait.collect()
            for sample in metric.samples
            if sample.labels.get("priority") == "bulk"
        }
        count, total = waits.get("count", 0.0), waits.get("sum", 0.0)
        pacer_wait_ms = round(1000 * total / count, 1) if count else None
        await services.pipeline.aclose()
        await services.db.close()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    parent.send("stop")
    sends = parent.recv()
    proc.join()

    ok = [s for s in sends if s[1] == 200]
    throttled = [s for s in sends if s[1] == 429]
    digests = Counter(chat for _, status, chat, text in ok if "Your news digest" in text)
    first, last = (min(s[0] for s in ok), max(s[0] for s in ok)) if ok else (0.0, 0.0)
    span = max(last - first, 1e-9)
    rate = (len(ok) - 1) / span if len(ok) > 1 else 0.0
    return {
        "chats": chats,
        "flood_limiter_overall_rate": overall_rate or "app default",
        "workers": scheduler.workers,
        "database": database_url.split(":")[0],
        "messages_sent": len(ok),
        "send_span_s": round(span, 2),
        "sustained_rate_msg_s": round(rate, 2),
        "share_of_limit": round(rate / LIMIT, 3),
        "http_429": len(throttled),
        "pacer_wait_ms_mean": pacer_wait_ms,
        "duplicates": sum(n - 1 for n in digests.values() if n > 1),
        "misses": chats - len(digests),
        "unique_articles": 5,
        "feed_items_recorded": added,
        "llm_calls": llm_calls,
        "report": {"sent": report.sent, "failed": report.failed, "lost": report.lost},
        "seed_s": round(seed_seconds, 2),
        "feed_prepoll_s": round(prepare_seconds, 2),
        "fanout_s": round(fan_seconds, 2),
        "peak_rss_mb": round(peak_rss_mb, 1),
    }


async def store_feeds(store, chats: int, url: str, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Every chat follows the same feed (one transaction per 500 chats)."""
    from bot.storage.schema import Feed

    insert = store.db.insert
    rows = [
        {
            "chat_id": c,
            "url": url,
            "title": "Local news",
            "etag": "",
            "last_modified": "",
            "last_error": "",
            "created_at": now,
        }
        for c in range(1, chats + 1)
    ]
    async with store.db.session() as session:
        for start in range(0, len(rows), 500):
            await session.execute(insert(Feed).values(rows[start : start + 500]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (default SQLite)")
    parser.add_argument(
        "--overall-rate",
        type=float,
        default=0.0,
        help="override the app FloodLimiter's msg/s (what-if)",
    )
    parser.add_argument("--workers", type=int, default=0, help="scheduler workers (default 48)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = (
            _fresh_database(args.database_url)
            if args.database_url
            else f"sqlite:///{Path(tmp) / 'bench.db'}"
        )
        result = asyncio.run(run(args.chats, url, Path(tmp), args.overall_rate, args.workers))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
