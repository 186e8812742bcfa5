"""Scale-out bench (issue 13): summaries per second with 1 vs 2 replicas, and the shared flood
budget with 3 replica processes.

1. Throughput. `python -m bot run` with SCALE_OUT=true, 1 then 2 replicas, on a fresh PostgreSQL
   database each, Redis for the budget, the fake Bot API and a fake LLM answering at once (0 s):
   the work is fetching and extracting news-dev pages (trafilatura, CPU-bound) from the local
   page server. Every page is posted once, as a link in its own chat, through the webhooks
   (round-robin, as Caddy would). Reports summaries/s (first post → last answer) and the CPU
   seconds the replicas used (user+system), since the machine is shared.
2. Budget. 3 processes each send `--sends` messages to distinct chats as fast as the shared budget
   (`bot.scale.budget`) lets them, to the fake Bot API, which answers 429 above 30 messages/s.
   Reports the rate, the most messages that reached the fake in any rolling second, and 429s.

Needs TEST_DATABASE_URL (PostgreSQL) and Redis (TEST_REDIS_URL, default 127.0.0.1:6379/15), and
the news-dev corpus for part 1 (NEWS_DEV_CORPUS or ../shared/corpora/news-dev).

    .venv/bin/python bench/scaleout.py [--pages 40] [--sends 100] [--only throughput|budget]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testsupport.botapi import EDIT_METHODS, SEND_METHODS, FakeBotAPI  # noqa: E402
from testsupport.corpora import postgres_url  # noqa: E402
from testsupport.openai_server import FakeOpenAI  # noqa: E402
from testsupport.pages import PageServer  # noqa: E402
from testsupport.redis import REDIS_URL, redis_available  # noqa: E402
from testsupport.scaledb import fresh_database  # noqa: E402
from testsupport.webhooks import WebhookSender  # noqa: E402

LLM_REPLY = "- **The minister** said the plan is ready."
NEEDLE = "The minister"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """user+system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_replica(workdir: Path, tg: FakeBotAPI, llm: FakeOpenAI, db: str, secret: str):
    hook_port, metrics_port = free_port(), free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_URL=tg.api_url,
        DATA_DIR=str(workdir / "data"),
        DATABASE_URL=db,
        REDIS_URL=REDIS_URL,
        SCALE_OUT="true",
        WEBHOOK_URL=f"http://127.0.0.1:{hook_port}/telegram",
        WEBHOOK_SECRET=secret,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(hook_port),
        METRICS_PORT=str(metrics_port),
        WORKER_CONCURRENCY=os.environ.get("BENCH_WORKER_CONCURRENCY", "4"),
        OPENAI_API_KEY="sk-bench-0123456789",
        OPENAI_BASE_URL=llm.base_url,
        FETCH_ALLOW_PRIVATE="true",
        LOG_LEVEL="WARNING",
    )
    log = (workdir / "bot.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stdout=log, stderr=log
    )
    return proc, f"http://127.0.0.1:{hook_port}/telegram", metrics_port


async def wait_ready(port: int, proc: subprocess.Popen, within: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("a replica exited during start-up")
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("a replica never became ready")


def finished(db: str) -> int:
    """Updates whose job is done or parked."""
    import psycopg

    with psycopg.connect(db) as conn:
        row = conn.execute(
            "SELECT count(*) FROM scale_updates WHERE state IN ('done', 'parked')"
        ).fetchone()
    return int(row[0]) if row else 0


def answered_chats(tg: FakeBotAPI) -> set[int]:
    chats = set()
    for call in list(tg.calls):
        if call.ok and call.method in SEND_METHODS | EDIT_METHODS:
            result = call.result if isinstance(call.result, dict) else {}
            if NEEDLE in (result.get("text") or ""):
                chats.add(int(call.params["chat_id"]))
    return chats


async def throughput(replicas: int, pages: int, base_db: str) -> dict[str, float]:
    """Summaries per second (and per CPU second) with `replicas` replica processes."""
    secret = secrets.token_urlsafe(16)
    with (
        fresh_database(base_db) as db,
        FakeBotAPI() as tg,
        FakeOpenAI(reply=LLM_REPLY) as llm,
        PageServer() as site,
        tempfile.TemporaryDirectory() as tmp,
    ):
        ids = site.news_ids[:pages]
        started = [start_replica(Path(tmp) / f"r{i}", tg, llm, db, secret) for i in range(replicas)]
        try:
            for proc, _hook, port in started:
                await wait_ready(port, proc)
            sender = WebhookSender(tg, [hook for _p, hook, _m in started], secret)
            print(f"{replicas} replica(s) ready; posting {len(ids)} links", file=sys.stderr)
            cpu_before = sum(cpu_seconds(proc.pid) for proc, _h, _m in started)
            chats = [10_000 + i for i in range(len(ids))]
            t0 = time.monotonic()
            await asyncio.gather(
                *(
                    sender.send(chat, site.url(f"/news/{news_id}"))
                    for chat, news_id in zip(chats, ids, strict=True)
                )
            )
            # Finished = every update's job is done (or parked) in the ledger: some pages get an
            # error reply rather than a summary (paywalls, too short), which is an answer too.
            while finished(db) < len(chats):
                if time.monotonic() - t0 > 600:
                    raise RuntimeError("not every page was answered within 10 minutes")
                await asyncio.sleep(0.05)
            elapsed = time.monotonic() - t0
            cpu = sum(cpu_seconds(proc.pid) for proc, _h, _m in started) - cpu_before
            summaries = len(answered_chats(tg) & set(chats))
            messages = sum(1 for c in tg.calls if c.ok and c.method in SEND_METHODS | EDIT_METHODS)
            too_many = sum(1 for c in tg.calls if c.status == 429)
        finally:
            for proc, _h, _m in started:
                proc.kill()
                proc.wait()
    return {
        "replicas": replicas,
        "pages": len(ids),
        "seconds": round(elapsed, 2),
        "summaries": summaries,  # the rest were answered with an error (paywall, too short)
        "updates_per_s": round(len(ids) / elapsed, 2),
        "replica_cpu_s": round(cpu, 1),
        "updates_per_cpu_s": round(len(ids) / cpu, 2) if cpu else 0.0,
        "messages": messages,
        "http_429": too_many,
    }


def _budget_sender(prefix: str, api: str, token: str, first_chat: int, sends: int, out) -> None:
    import httpx
    import redis.asyncio as aioredis

    from bot.scale.budget import SharedBudget

    async def main() -> int:
        client = aioredis.Redis.from_url(REDIS_URL)
        budget = SharedBudget(client, prefix, poll=0.01)
        refused = 0
        async with httpx.AsyncClient(timeout=10) as http:

            async def one(i: int) -> None:
                nonlocal refused
                chat = first_chat + i
                async with budget.slot(chat):
                    response = await http.post(
                        f"{api}/bot{token}/sendMessage", json={"chat_id": chat, "text": f"m{i}"}
                    )
                refused += response.status_code == 429

            await asyncio.gather(*(one(i) for i in range(sends)))
        await client.aclose()
        return refused

    out.put(asyncio.run(main()))


def budget(processes: int, sends: int) -> dict[str, float]:
    """The shared budget with `processes` senders against a fake that enforces 30/s."""
    with FakeBotAPI() as tg:
        prefix = f"bench:{uuid.uuid4().hex}"
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        workers = [
            ctx.Process(
                target=_budget_sender,
                args=(prefix, tg.api_url, tg.token, 100_000 * (p + 1), sends, out),
            )
            for p in range(processes)
        ]
        for worker in workers:
            worker.start()
        refused = sum(out.get(timeout=300) for _ in workers)
        for worker in workers:
            worker.join(timeout=30)
        arrivals = sorted(c.at for c in tg.calls if c.method == "sendMessage")
    # The most arrivals in any rolling second (a window starting at each arrival).
    worst, j = 0, 0
    for i, at in enumerate(arrivals):
        while arrivals[j] <= at - 1.0:
            j += 1
        worst = max(worst, i - j + 1)
    span = arrivals[-1] - arrivals[0]
    return {
        "processes": processes,
        "messages": len(arrivals),
        "seconds": round(span, 2),
        "messages_per_s": round((len(arrivals) - 1) / span, 1) if span else 0.0,
        "max_in_any_second": worst,
        "http_429": refused,
    }


def main() -> int:
    """Run both parts and print one JSON object per measurement."""
    import faulthandler

    faulthandler.dump_traceback_later(900, exit=True)  # a hung run says where, then ends
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--sends", type=int, default=100)
    parser.add_argument("--only", choices=["throughput", "budget"])
    args = parser.parse_args()
    if not redis_available():
        print(f"skipped: no Redis at {REDIS_URL}")
        return 0
    if args.only in (None, "budget"):
        print(json.dumps({"bench": "budget", **budget(3, args.sends)}), flush=True)
    if args.only in (None, "throughput"):
        base = postgres_url()
        if base is None:
            print("skipped throughput: TEST_DATABASE_URL is not set")
            return 0
        one = asyncio.run(throughput(1, args.pages, base))
        print(json.dumps({"bench": "throughput", **one}), flush=True)
        two = asyncio.run(throughput(2, args.pages, base))
        print(json.dumps({"bench": "throughput", **two}), flush=True)
        ratio = two["updates_per_s"] / one["updates_per_s"]
        print(json.dumps({"bench": "throughput", "speed-up 2 vs 1": round(ratio, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
