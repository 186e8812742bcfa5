"""The durable update queue on PostgreSQL: once per update_id, in order per chat, parked after 3
failures, and a retried job's sends replayed rather than repeated."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from bot.scale.queue import SendJournal, UpdateQueue, current_job, update_chat_id
from bot.scale.replay import ReplayingLimiter
from testsupport.corpora import requires_postgres

pytestmark = requires_postgres


def message(update_id: int, chat_id: int, text: str = "hi") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "chat": {"id": chat_id}, "text": text},
    }


def test_chat_of_an_update() -> None:
    assert update_chat_id(message(1, 42)) == 42
    callback = {
        "update_id": 2,
        "callback_query": {"from": {"id": 7}, "message": {"chat": {"id": -5}}},
    }
    assert update_chat_id(callback) == -5
    assert update_chat_id({"update_id": 3, "inline_query": {"from": {"id": 9}}}) == 9
    assert update_chat_id({"update_id": 4}) is None


async def _drain(queue: UpdateQueue, until, limit: float = 30.0) -> None:
    worker = asyncio.create_task(queue.run_worker(concurrency=4, heartbeat=0.5, stalled_after=2))
    try:
        async with asyncio.timeout(limit):
            while not await until():  # noqa: ASYNC110 - polls the database
                await asyncio.sleep(0.1)
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker


async def test_redelivered_update_is_queued_once_and_chats_keep_their_order(scale_db) -> None:
    seen: list[tuple[int, int]] = []

    async def handler(update: dict[str, Any]) -> None:
        await asyncio.sleep(0.02)
        seen.append((update["message"]["chat"]["id"], update["update_id"]))

    queue = UpdateQueue(scale_db, handler)
    await queue.open()
    try:
        await queue.ensure_schema()
        await queue.ensure_schema()  # idempotent
        accepted = [await queue.accept(message(i, 100 + i % 2)) for i in range(1, 11)]
        assert all(accepted)
        assert not await queue.accept(message(3, 101))  # Telegram re-delivers update 3
        await _drain(queue, lambda: _done(queue, 10))
        assert not await queue.accept(message(3, 101))  # and again, after it was answered
    finally:
        await queue.close()
    assert sorted(seen) == sorted({(100 + i % 2, i) for i in range(1, 11)})
    for chat in (100, 101):
        ids = [u for c, u in seen if c == chat]
        assert ids == sorted(ids)  # per-chat order, though 4 jobs ran at once


async def _done(queue: UpdateQueue, n: int) -> bool:
    return (await queue.counts()).get("done", 0) >= n


async def test_an_update_failing_three_times_is_parked_with_its_error(scale_db) -> None:
    calls: list[int] = []
    parked: list[tuple[int, str]] = []

    async def handler(update: dict[str, Any]) -> None:
        calls.append(update["update_id"])
        if update["update_id"] == 1:
            raise ValueError("this page breaks the extractor")

    queue = UpdateQueue(
        scale_db, handler, retry_wait=0, on_parked=lambda u, e: parked.append((u, e))
    )
    await queue.open()
    try:
        await queue.ensure_schema()
        await queue.accept(message(1, 5))
        await queue.accept(message(2, 5))  # same chat: waits behind the failing one, then runs

        async def settled() -> bool:
            counts = await queue.counts()
            return counts.get("parked", 0) == 1 and counts.get("done", 0) == 1

        await _drain(queue, settled)
        assert await queue.parked() == [(1, "ValueError: this page breaks the extractor")]
        await asyncio.sleep(1.5)  # nothing retries a parked job
    finally:
        await queue.close()
    assert calls.count(1) == 3
    assert calls.count(2) == 1
    assert parked == [(1, "ValueError: this page breaks the extractor")]


async def test_a_retried_job_replays_the_sends_it_already_made(scale_db) -> None:
    queue = UpdateQueue(scale_db)
    await queue.open()
    sent: list[str] = []

    async def send(text: str) -> dict[str, Any]:
        sent.append(text)
        return {"message_id": len(sent), "text": text}

    try:
        limiter = ReplayingLimiter(None, SendJournal(queue))
        from bot.scale.queue import JobScope

        async def attempt(number: int, texts: list[str]) -> list[Any]:
            token = current_job.set(JobScope(77, number))
            try:
                return [
                    await limiter.process_request(
                        send, (t,), {}, "sendMessage", {"chat_id": 1}, None
                    )
                    for t in texts
                ]
            finally:
                current_job.reset(token)

        first = await attempt(1, ["status", "answer"])
        second = await attempt(2, ["status", "answer", "footer"])  # the worker had died after 2
        # Outside a job nothing is journalled.
        await limiter.process_request(send, ("free",), {}, "sendMessage", {"chat_id": 1}, None)
    finally:
        await queue.close()
    assert sent == ["status", "answer", "footer", "free"]
    assert second[:2] == first


@pytest.mark.parametrize("kind", ["kill"])
async def test_a_job_whose_worker_was_killed_is_retried_by_another(
    scale_db, tmp_path, kind
) -> None:
    import os
    import signal
    import sys

    marker = tmp_path / "started"
    script = f"""
import asyncio, pathlib
from bot.scale.queue import UpdateQueue

async def handler(update):
    pathlib.Path({str(marker)!r}).write_text("started")
    await asyncio.sleep(3600)  # never finishes: killed mid-work

async def main():
    queue = UpdateQueue({scale_db!r}, handler)
    await queue.open()
    await queue.run_worker(concurrency=1, heartbeat=0.5, stalled_after=2)

asyncio.run(main())
"""
    seen: list[int] = []

    async def handler(update: dict[str, Any]) -> None:
        seen.append(update["update_id"])

    queue = UpdateQueue(scale_db, handler)
    await queue.open()
    try:
        await queue.ensure_schema()
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", script)
        try:
            await queue.accept(message(1, 9))
            async with asyncio.timeout(30):
                while not marker.exists():  # noqa: ASYNC110 - another process writes it
                    await asyncio.sleep(0.1)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            await proc.wait()
        assert (await queue.counts()).get("running") == 1

        async def retried_and_done() -> bool:
            await queue.retry_stalled(stalled_after=2)
            return await _done(queue, 1)

        await _drain(queue, retried_and_done)
    finally:
        await queue.close()
    assert seen == [1]
