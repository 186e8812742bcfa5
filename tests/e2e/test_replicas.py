"""Three replicas on PostgreSQL and Redis, driven through webhooks by the fake Bot API: a replica
killed with SIGKILL mid-work, and a rolling restart under load, lose nothing and answer each
update exactly once, without a single 429."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from bot.scale.queue import procrastinate_conninfo
from tests.e2e.test_run_process import BotProcess, free_port
from testsupport.botapi import EDIT_METHODS, SEND_METHODS, FakeBotAPI
from testsupport.corpora import SPUN_EXAMPLE, requires_postgres
from testsupport.openai_server import FakeOpenAI
from testsupport.redis import REDIS_URL, requires_redis
from testsupport.scaledb import scale_db
from testsupport.webhooks import WebhookSender

pytestmark = [pytest.mark.e2e, requires_postgres, requires_redis]
__all__ = ["scale_db"]  # the fixture, imported

LLM_REPLY = "- **The minister** said the plan is ready."
NEEDLE = "The minister"


class Replica(BotProcess):
    """`python -m bot run` with SCALE_OUT=true on its own webhook port."""

    def __init__(self, tmp_path: Path, tg: FakeBotAPI, llm: FakeOpenAI, db: str, secret: str):
        self.hook_port = free_port()
        tmp_path.mkdir(parents=True, exist_ok=True)
        super().__init__(
            tmp_path,
            tg,
            SCALE_OUT="true",
            DATABASE_URL=db,
            REDIS_URL=REDIS_URL,
            WEBHOOK_URL=f"http://127.0.0.1:{self.hook_port}/telegram",
            WEBHOOK_SECRET=secret,
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(self.hook_port),
            WORKER_CONCURRENCY="3",
            WORKER_STALLED_AFTER="3",
            OPENAI_API_KEY="sk-test-key-0123456789",
            OPENAI_BASE_URL=llm.base_url,
            LOG_LEVEL="WARNING",
        )

    @property
    def hook(self) -> str:
        return f"http://127.0.0.1:{self.hook_port}/telegram"


def answers(tg: FakeBotAPI) -> Counter[int]:
    """How many messages (sent, or a status edited into the answer) carried a summary, per chat."""
    seen: Counter[int] = Counter()
    for call in list(tg.calls):
        if call.ok and call.method in SEND_METHODS | EDIT_METHODS:
            result = call.result if isinstance(call.result, dict) else {}
            if NEEDLE in (result.get("text") or ""):
                seen[int(call.params["chat_id"])] += 1
    return seen


async def wait_answered(tg: FakeBotAPI, chats: list[int], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if set(chats) <= set(answers(tg)):
            return
        await asyncio.sleep(0.1)
    missing = sorted(set(chats) - set(answers(tg)))
    raise AssertionError(f"no answer in chats {missing}")


def ledger(db: str) -> dict[int, tuple[str, int]]:
    with psycopg.connect(procrastinate_conninfo(db)) as conn:
        rows = conn.execute("SELECT update_id, state, attempts FROM scale_updates").fetchall()
    return {int(u): (s, int(a)) for u, s, a in rows}


def busy_workers(db: str) -> int:
    """Workers with a job in progress."""
    with psycopg.connect(procrastinate_conninfo(db)) as conn:
        row = conn.execute(
            "SELECT count(DISTINCT worker_id) FROM procrastinate_jobs WHERE status = 'doing'"
        ).fetchone()
    return int(row[0]) if row else 0


async def _start(replicas: list[Replica]) -> None:
    for replica in replicas:
        await replica.start()
    for replica in replicas:
        await replica.wait_ready(within=90)


async def test_a_replica_killed_mid_work_loses_nothing_and_repeats_nothing(
    tmp_path: Path, scale_db: str
) -> None:
    secret = secrets.token_urlsafe(16)
    text = SPUN_EXAMPLE.read_text()
    with FakeBotAPI() as tg, FakeOpenAI(reply=LLM_REPLY) as llm:
        llm.delay_all(2.0)  # every summary is "in flight" for two seconds
        replicas = [Replica(tmp_path / f"r{i}", tg, llm, scale_db, secret) for i in range(3)]
        try:
            await _start(replicas)
            sender = WebhookSender(tg, [r.hook for r in replicas], secret)
            chats = list(range(5001, 5025))
            await asyncio.gather(*(sender.send(chat, text) for chat in chats))
            # Kill a replica while every replica's worker has summaries in flight.
            async with asyncio.timeout(30):
                while busy_workers(scale_db) < 3:  # noqa: ASYNC110 - polls the database
                    await asyncio.sleep(0.02)
            await replicas[0].kill()
            # Telegram re-delivers a few updates (as it does after a timeout): turned away.
            for update_id in (1, 2, 3):
                await sender.deliver({"update_id": update_id, "message": {"chat": {"id": 1}}})
            await wait_answered(tg, chats, within=90)
            await asyncio.sleep(2)  # anything sent twice would arrive now
        finally:
            for replica in replicas:
                await replica.kill()
        counts = answers(tg)
        assert {chat: counts[chat] for chat in chats} == dict.fromkeys(chats, 1)
        assert not [c for c in tg.calls if c.status == 429]
        states = ledger(scale_db)
        assert {state for state, _a in states.values()} == {"done"}
        assert len(states) == len(chats)
        # The kill landed mid-work: some updates needed a second attempt on another replica.
        assert max(attempts for _s, attempts in states.values()) >= 2, replicas[0].log()


async def test_a_rolling_restart_under_load_loses_nothing(tmp_path: Path, scale_db: str) -> None:
    secret = secrets.token_urlsafe(16)
    text = SPUN_EXAMPLE.read_text()
    with FakeBotAPI() as tg, FakeOpenAI(reply=LLM_REPLY) as llm:
        llm.delay_all(0.3)
        replicas = [Replica(tmp_path / f"r{i}", tg, llm, scale_db, secret) for i in range(2)]
        try:
            await _start(replicas)
            sender = WebhookSender(tg, [r.hook for r in replicas], secret)
            chats = list(range(6001, 6031))

            async def load() -> None:
                for chat in chats:
                    await sender.send(chat, text)
                    await asyncio.sleep(0.3)

            async def roll() -> None:
                for i, replica in enumerate(replicas):
                    await asyncio.sleep(1.5)
                    code, _took = await replica.terminate(within=40)  # drains its running jobs
                    assert code == 0, replica.log()
                    await replica.kill()
                    fresh = Replica(tmp_path / f"r{i}b", tg, llm, scale_db, secret)
                    fresh.hook_port = replica.hook_port  # the load balancer's upstream stays
                    fresh.env["WEBHOOK_PORT"] = str(replica.hook_port)
                    fresh.env["WEBHOOK_URL"] = replica.hook
                    replicas[i] = fresh
                    await _start([fresh])

            await asyncio.gather(load(), roll())
            await wait_answered(tg, chats, within=90)
            await asyncio.sleep(2)
        finally:
            for replica in replicas:
                await replica.kill()
        counts = answers(tg)
        assert {chat: counts[chat] for chat in chats} == dict.fromkeys(chats, 1)
        assert not [c for c in tg.calls if c.status == 429]
        assert sender.redeliveries > 0  # the restarts did refuse some posts, re-delivered
        assert {state for state, _a in ledger(scale_db).values()} == {"done"}
