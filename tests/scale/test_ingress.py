"""The webhook ingress of a replica: secret checked, the update queued, 200 at once; a database
outage answers 503 so Telegram delivers the update again (delayed, never lost)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from prometheus_client import CollectorRegistry, Counter
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application

from bot.pacing import Priority, send_priority
from bot.telegram.ratelimit import FloodLimiter, Limits, budget_short
from bot.telegram.replicas import SECRET_HEADER, IngressHandler, SharedBudgetGate, shared_limits


class FakeQueue:
    def __init__(self) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.down = False

    async def accept(self, update: dict[str, Any]) -> bool:
        if self.down:
            raise OSError("connection refused")
        new = update["update_id"] not in {u["update_id"] for u in self.accepted}
        if new:
            self.accepted.append(update)
        return new


class FakeReplica:
    def __init__(self) -> None:
        self.secret = "right-secret"
        self.queue = FakeQueue()
        self.jobs = Counter("jobs", "", ["outcome"], registry=CollectorRegistry())


async def test_ingress_checks_the_secret_and_queues_once() -> None:
    replica = FakeReplica()
    sockets = bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]
    server = HTTPServer(Application([("/hook", IngressHandler, {"replica": replica})]))
    server.add_sockets(sockets)
    url = f"http://127.0.0.1:{port}/hook"
    update = {"update_id": 7, "message": {"chat": {"id": 1}, "text": "hi"}}
    try:
        async with httpx.AsyncClient() as client:

            async def post(body: Any, secret: str = "right-secret") -> int:
                content = body if isinstance(body, bytes) else json.dumps(body).encode()
                response = await client.post(url, content=content, headers={SECRET_HEADER: secret})
                return response.status_code

            assert await post(update, secret="wrong") == 403
            assert await post(update, secret="") == 403
            assert await post(b"not json") == 400
            assert await post({"message": {}}) == 400
            assert await post(update) == 200
            assert await post(update) == 200  # Telegram re-delivers: answered, not queued again
            replica.queue.down = True
            assert await post({"update_id": 8}) == 503  # Telegram keeps it and tries again
            replica.queue.down = False
            assert await post({"update_id": 8}) == 200
    finally:
        server.stop()
        await asyncio.sleep(0)
    assert [u["update_id"] for u in replica.queue.accepted] == [7, 8]
    samples = {
        s.labels["outcome"]: s.value
        for metric in replica.jobs.collect()
        for s in metric.samples
        if s.name == "jobs_total"
    }
    assert samples == {"queued": 2.0, "duplicate": 1.0, "ingress_unavailable": 1.0}


def test_the_shared_budget_keeps_the_pacers_windows() -> None:
    local, shared = Limits(), shared_limits(Limits())
    for name in ("overall", "chat", "group"):
        assert (getattr(shared, name).limit, getattr(shared, name).seconds) == (
            getattr(local, name).limit,
            getattr(local, name).seconds,
        )


class NullContextBudget:
    def __init__(self) -> None:
        self.slots: list[tuple[Any, bool, int, int]] = []

    def slot(self, chat: Any, *, group: bool, weight: int, priority: int):
        self.slots.append((chat, group, weight, priority))

        class Slot:
            async def __aenter__(self) -> None:
                return None

            async def __aexit__(self, *exc: object) -> None:
                return None

        return Slot()


async def test_the_gate_takes_a_shared_slot_per_flood_limited_call_with_its_priority() -> None:
    budget = NullContextBudget()
    pacer = FloodLimiter()
    gate = SharedBudgetGate(pacer, budget)  # type: ignore[arg-type]

    async def call(**kwargs: Any) -> dict[str, Any]:
        return {"ok": True}

    await gate.process_request(call, (), {}, "sendMessage", {"chat_id": -100}, None)
    with send_priority(Priority.BULK):
        await gate.process_request(call, (), {}, "sendMessage", {"chat_id": 5}, None)
    await gate.process_request(call, (), {}, "getMe", {}, None)  # not flood-limited: no slot
    media = {"chat_id": 5, "media": [1, 2, 3]}
    await gate.process_request(call, (), {}, "sendMediaGroup", media, None)
    assert budget.slots == [
        (-100, True, 1, Priority.INTERACTIVE),
        (5, False, 1, Priority.BULK),
        (5, False, 3, Priority.INTERACTIVE),
    ]

    class Bot:
        rate_limiter = gate

    # budget_short reaches the pacer through the wrapper: chat 5 used its window, 77 did not.
    assert budget_short(Bot(), 5) is True
    assert budget_short(Bot(), 77) is False
    await pacer.shutdown()
