"""Scale-out: two bot processes against one PostgreSQL database send each digest exactly once.

Two real subprocesses (this file run as a script) each build their own engine, a real PTB Bot
pointed at one fake Bot API, and a digest scheduler, wait at a barrier, then run the due tick at
the same moment. The fake Bot API records every message, so duplicates and misses are counted
from what Telegram would have received.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DUE = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
CHATS = range(1, 121)


async def _seed(url: str) -> None:
    from bot.storage.db import Database
    from bot.storage.digests import DigestStore
    from tests.digests.helpers import seed_article

    db = await Database.open(url)
    store = DigestStore(db)
    for chat in CHATS:
        await store.subscribe(chat, "08:00", "UTC", now=DUE - timedelta(hours=12))
        await seed_article(db, chat, DUE - timedelta(hours=1), key=f"k{chat}")
    await db.close()


def _wait_for(path: Path) -> None:
    """The barrier: both processes start their tick when the test creates this file."""
    while not path.exists():
        time.sleep(0.01)


async def _worker(url: str, api_url: str, token: str, barrier: str) -> dict[str, object]:
    from telegram.ext import ExtBot

    from bot.clock import FakeClock
    from bot.digests.scheduler import DigestScheduler
    from bot.storage.db import Database
    from bot.storage.digests import DigestStore
    from bot.telegram.digest_html import DigestHtml
    from bot.telegram.ratelimit import FloodLimiter, Limits, Window
    from bot.telegram.send import send_html

    db = await Database.open(url, migrate=False)
    # Each process paces itself at half the overall limit: together they stay under 30/s.
    limiter = FloodLimiter(limits=Limits(overall=Window(15, 1.0)))
    async with ExtBot(token, base_url=f"{api_url}/bot", rate_limiter=limiter) as bot:

        async def send(chat_id: int, html: str) -> None:
            await send_html(bot, chat_id, html)

        scheduler = DigestScheduler(
            store=DigestStore(db),
            clock=FakeClock(DUE),
            send=send,
            renderer=DigestHtml(),
        )
        await asyncio.to_thread(_wait_for, Path(barrier))
        report = await scheduler.tick()
    await db.close()
    return {"sent": report.sent, "chats": report.chats}


@pytest.mark.e2e
def test_two_processes_send_each_digest_exactly_once(pg_database_url: str, tmp_path: Path) -> None:
    from testsupport.botapi import FakeBotAPI

    asyncio.run(_seed(pg_database_url))
    barrier = tmp_path / "go"
    with FakeBotAPI() as tg:
        for chat in CHATS:
            tg.chat(chat, "private")
        procs = [
            subprocess.Popen(
                [sys.executable, __file__, pg_database_url, tg.api_url, tg.token, str(barrier)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        time.sleep(1.0)  # both processes are up and waiting at the barrier
        barrier.touch()
        outputs = [p.communicate(timeout=60) for p in procs]
        for proc, (_out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err
        reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
        received = Counter(int(c.params["chat_id"]) for c in tg.calls_to("sendMessage") if c.ok)
    assert received == {chat: 1 for chat in CHATS}  # no duplicates, no misses
    assert sum(r["sent"] for r in reports) == len(CHATS)
    assert all(r["sent"] > 0 for r in reports)  # both processes shared the fan-out
    assert tg.errors() == []


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    url, api, token, go = sys.argv[1:5]
    print(json.dumps(asyncio.run(_worker(url, api, token, go))))
