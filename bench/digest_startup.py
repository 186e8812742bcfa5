"""Digest start-up with many subscriptions in the database: time and memory.

Seeds N subscriptions (spread over every minute of the day and a dozen time zones, with the sent
deliveries a bot running until --downtime-minutes ago leaves behind), then starts a fresh process that does
what the bot does at start: open (and migrate) the database, build the scheduler, and run the
catch-up tick that decides, for every subscription, whether something is due. Reported: wall time
of each step and the process's peak RSS (the same process without the digest steps is measured as
the baseline, so the digest share is visible).

    .venv/bin/python -m bench.digest_startup                       # 10,000 on SQLite
    .venv/bin/python -m bench.digest_startup --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ZONES = [
    "UTC", "Europe/Madrid", "Europe/London", "America/New_York", "America/Los_Angeles",
    "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Africa/Lagos", "America/Sao_Paulo",
    "Europe/Moscow", "Pacific/Auckland",
]  # fmt: skip
NOW = datetime(2025, 6, 2, 12, 0, 30, tzinfo=UTC)


async def seed(url: str, count: int, downtime: timedelta) -> None:
    """N subscriptions plus the sent deliveries a bot running until `downtime` ago left."""
    from bot.digests.timing import due_instant, local_date_of
    from bot.storage.db import Database
    from bot.storage.schema import Delivery, Subscription

    db = await Database.open(url)
    subs, deliveries = [], []
    for i in range(count):
        zone = ZONES[i % len(ZONES)]
        hhmm = f"{(i // 60) % 24:02d}:{i % 60:02d}"
        subs.append(
            {
                "chat_id": 10_000_000 + i,
                "local_time": hhmm,
                "timezone": zone,
                "active": True,
                "paused_reason": "",
                "created_at": NOW - timedelta(days=30),
            }
        )
        # A bot that ran until `downtime` ago delivered every digest due before then.
        today = local_date_of(NOW, zone)
        for day in (today - timedelta(days=2), today - timedelta(days=1), today):
            due = due_instant(day, hhmm, zone)
            if due > NOW - downtime:
                continue
            deliveries.append(
                {
                    "subscription_id": i + 1,
                    "chat_id": 10_000_000 + i,
                    "local_date": day,
                    "due_at": due,
                    "status": "sent",
                    "claimed_by": "seed",
                    "lease_until": None,
                    "sent_at": due,
                    "messages_sent": 1,
                    "detail": "",
                }
            )
    async with db.session() as session:
        for start in range(0, count, 1000):
            await session.execute(Subscription.__table__.insert(), subs[start : start + 1000])
        for start in range(0, len(deliveries), 1000):
            if deliveries[start : start + 1000]:
                await session.execute(Delivery.__table__.insert(), deliveries[start : start + 1000])
    await db.close()


async def start_once(url: str, digests: bool) -> dict[str, float]:
    """In a fresh process: open the DB, build the scheduler, run the catch-up tick."""
    from bot.clock import FakeClock
    from bot.digests.scheduler import DigestScheduler
    from bot.storage.db import Database
    from bot.storage.digests import DigestStore
    from bot.telegram.digest_html import DigestHtml

    sent: list[int] = []

    async def send(chat_id: int, html: str) -> None:
        sent.append(chat_id)

    t0 = time.perf_counter()
    db = await Database.open(url)
    t1 = time.perf_counter()
    result = {"open_migrate_s": t1 - t0}
    if digests:
        scheduler = DigestScheduler(
            store=DigestStore(db),
            clock=FakeClock(NOW),
            send=send,
            renderer=DigestHtml(),
        )
        report = await scheduler.tick()
        t2 = time.perf_counter()
        result["first_tick_s"] = t2 - t1
        result["due_now"] = report.sent + report.empty
        result["skipped_late"] = report.skipped_late
    await db.close()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def child(url: str, digests: bool) -> None:
    # Imports happen before timing starts: they are the same with or without subscriptions.
    import bot.digests.scheduler
    import bot.storage.db  # noqa: F401

    t0 = time.perf_counter()
    result = asyncio.run(start_once(url, digests))
    result["total_s"] = time.perf_counter() - t0
    print(json.dumps({k: round(v, 3) for k, v in result.items()}))


def measure(url: str, digests: bool) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.digest_startup",
            "--child",
            url,
            "--digests" if digests else "--no-digests",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (default SQLite)")
    parser.add_argument(
        "--downtime-minutes", type=float, default=0, help="digests due this recently are unsent"
    )
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--digests", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.digests)
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            from bench.digest_fanout import _fresh_database

            url = _fresh_database(args.database_url)
        else:
            url = f"sqlite:///{Path(tmp) / 'startup.db'}"
        t0 = time.perf_counter()
        asyncio.run(seed(url, args.subscriptions, timedelta(minutes=args.downtime_minutes)))
        seed_s = time.perf_counter() - t0
        baseline = measure(url, digests=False)
        with_digests = measure(url, digests=True)
    print(
        json.dumps(
            {
                "subscriptions": args.subscriptions,
                "downtime_minutes": args.downtime_minutes,
                "database": url.split(":")[0],
                "seed_s": round(seed_s, 2),
                "baseline_open_only": baseline,
                "with_scheduler_first_tick": with_digests,
                "digest_extra_rss_mb": round(
                    with_digests["peak_rss_mb"] - baseline["peak_rss_mb"], 1
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
