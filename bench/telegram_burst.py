"""Burst benchmark for the Telegram front end: 1,000 chats send a link within 10 s (issue #12).

The bot runs as `python -m bot run` in its own process (as deployed), on SQLite by default or on
PostgreSQL (`--database-url`), against the local fake Bot API (testsupport/botapi.py, with
whatever flood limits it enforces), a fake OpenAI server that takes `--llm-delay` seconds per call
and a local page server with one distinct article per chat (nothing shared by the cache).

Reports: chats answered with their summary, chats answered with an error (and which: an internal
"Something went wrong" is a bug; "busy" means the database queue bound was reached), ERROR lines
and tracebacks in the bot's log, time until every chat was answered, peak memory (VmHWM) of the
bot process and the peak PSS of the bot plus its CPU workers, and 429 answers from the Bot API.

    .venv/bin/python bench/telegram_burst.py [--chats 1000] [--within 10] [--llm-delay 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testsupport.botapi import FakeBotAPI  # noqa: E402
from testsupport.openai_server import FakeOpenAI  # noqa: E402
from testsupport.pages import ARTICLE_PARAGRAPHS, PageServer, article_html  # noqa: E402

GENERIC = "Something went wrong"


def free_port() -> int:
    """A TCP port nobody listens on now, for the bot's /metrics."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def histogram(metrics: str, name: str, labels: str = "") -> dict[str, float]:
    """Count, mean and the bound under which all observations fell, from Prometheus text."""
    buckets: list[tuple[float, float]] = []
    total = count = 0.0
    for line in metrics.splitlines():
        if not line.startswith(name) or (labels and labels not in line):
            continue
        value = float(line.rsplit(" ", 1)[1])
        if line.startswith(f"{name}_bucket"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(bound), value))
        elif line.startswith(f"{name}_sum"):
            total = value
        elif line.startswith(f"{name}_count"):
            count = value
    if not count:
        return {"count": 0}
    all_under = min(bound for bound, n in buckets if n >= count)
    return {"count": count, "mean_s": round(total / count, 3), "all_under_s": all_under}


FIRST_CHAT = 20_000


def status_kib(pid: int, key: str) -> int:
    """A /proc/PID/status field (VmHWM, VmRSS) in KiB, 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root: int) -> set[int]:
    """A process's children, grandchildren, … (the bot's fork server and workers)."""
    parents: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            for line in status.read_text().splitlines():
                if line.startswith("PPid:"):
                    parents[int(status.parent.name)] = int(line.split()[1])
                    break
        except OSError:
            continue
    tree, frontier = set(), [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return tree


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU time of a process (plus its reaped children's with `reaped`)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_pss_kib(root: int) -> int:
    """PSS of a process and all its descendants (the bot, its fork server and workers), KiB."""
    total = 0
    for pid in {root} | descendants(root):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


class PeakSampler:
    """Samples the bot tree's PSS every 0.5 s in a thread; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, tree_pss_kib(self.pid))

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Start the fakes here and the bot in its own process; push the burst; measure."""
    chats = args.chats
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeBotAPI() as tg,
        FakeOpenAI() as llm,
        PageServer() as pages,
    ):
        llm.delay_all(args.llm_delay)
        urls = []
        for i in range(chats):
            paragraphs = [f"Story {i}: {p}" for p in ARTICLE_PARAGRAPHS]
            urls.append(pages.add_route(f"/s/{i}", article_html(f"Story {i}", paragraphs)))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
        metrics_port = free_port()
        env.update(
            TELEGRAM_BOT_TOKEN=tg.token,
            TELEGRAM_API_URL=tg.api_url,
            OPENAI_API_KEY="sk-bench",
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_TIMEOUT="60",
            DATABASE_URL=args.database_url or f"sqlite:///{Path(tmp) / 'bot.db'}",
            FETCH_ALLOW_PRIVATE="true",
            LOG_LEVEL="WARNING",
            METRICS_PORT=str(metrics_port),
            METRICS_LISTEN="127.0.0.1",
            PYTHONPATH=str(ROOT),
        )
        log_path = Path(tmp) / "bot.log"
        # cProfile of the bot's main process, written when it stops (SIGTERM ends it cleanly).
        profile = ["-m", "cProfile", "-o", args.profile] if args.profile else []
        with log_path.open("w") as log_file:
            started_at = time.monotonic()
            bot = subprocess.Popen(  # noqa: ASYNC220 - a long-lived child, not awaited
                [sys.executable, *profile, "-m", "bot", "run"],
                cwd=tmp,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log_file,
            )
            try:
                await tg.wait_for("deleteWebhook", within=120)
                startup_s = time.monotonic() - started_at
                await asyncio.sleep(1.0)
                idle_kib = tree_pss_kib(bot.pid)
                main_cpu_before = cpu_seconds(bot.pid)
                workers_cpu_before = sum(
                    cpu_seconds(pid, reaped=True) for pid in descendants(bot.pid)
                )
                chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + chats))
                for chat_id in chat_ids:
                    tg.chat(chat_id)
                with PeakSampler(bot.pid) as sampler:
                    start = time.monotonic()
                    gap = args.within / chats
                    for n, (chat_id, url) in enumerate(zip(chat_ids, urls, strict=True)):
                        # Evenly over `within` seconds, as a wave of users would send them.
                        delay = start + n * gap - time.monotonic()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        tg.push_message(chat_id, url)
                    pushed_s = time.monotonic() - start
                    answered: dict[int, tuple[float, str]] = {}
                    deadline = start + args.deadline
                    seen = 0
                    while len(answered) < chats and time.monotonic() < deadline:
                        calls = list(tg.calls)
                        for call in calls[seen:]:
                            if call.method != "sendMessage" and call.method != "editMessageText":
                                continue
                            if not call.ok:
                                continue
                            text = call.params.get("text", "")
                            chat_id = int(call.params.get("chat_id", 0) or 0)
                            if chat_id < FIRST_CHAT or chat_id in answered:
                                continue
                            if "Story" in text:
                                answered[chat_id] = (call.at - start, "summary")
                            elif "⚠" in text or GENERIC in text:
                                answered[chat_id] = (call.at - start, text[:120])
                        seen = len(calls)
                        await asyncio.sleep(0.2)
                bot_peak_kib = status_kib(bot.pid, "VmHWM")
                import urllib.request

                with urllib.request.urlopen(  # noqa: ASYNC210 - once, at the end
                    f"http://127.0.0.1:{metrics_port}/metrics", timeout=30
                ) as answer:
                    metrics = answer.read().decode()
                main_cpu = cpu_seconds(bot.pid) - main_cpu_before
                workers_cpu = (
                    sum(cpu_seconds(pid, reaped=True) for pid in descendants(bot.pid))
                    - workers_cpu_before
                )
            finally:
                bot.send_signal(signal.SIGTERM)
                try:
                    bot.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    bot.wait()
        log = log_path.read_text(errors="replace")
        errors = [v[1] for v in answered.values() if v[1] != "summary"]
        times = sorted(v[0] for v in answered.values())
        result = {
            "chats": chats,
            "pushed_within_s": round(pushed_s, 2),
            "llm_delay_s": args.llm_delay,
            "database": "postgresql" if args.database_url else "sqlite",
            "answered": len(answered),
            "answered_with_summary": len(answered) - len(errors),
            "answered_with_error": len(errors),
            "internal_errors": sum(GENERIC in e for e in errors),
            "busy_errors": sum("busy" in e for e in errors),
            "error_samples": sorted(set(errors))[:5],
            "log_error_lines": sum("ERROR" in line[:60] for line in log.splitlines()),
            "log_tracebacks": log.count("Traceback"),
            "all_answered_s": round(times[-1], 1) if times else None,
            "answer_p50_s": round(times[len(times) // 2], 1) if times else None,
            "bot_api_429": sum(1 for c in tg.errors() if c.status == 429),
            "bot_api_errors": len(tg.errors()),
            "llm_calls": len(llm.completions),
            "db_wait_write": histogram(metrics, "bot_db_wait_seconds", 'kind="write"'),
            "db_wait_read": histogram(metrics, "bot_db_wait_seconds", 'kind="read"'),
            "cpu_task_extract": histogram(metrics, "bot_cpu_task_seconds", 'stage="extract"'),
            "bot_main_cpu_s": round(main_cpu, 1),
            "workers_cpu_s": round(workers_cpu, 1),
            "startup_s": round(startup_s, 2),
            "bot_peak_rss_mib": round(bot_peak_kib / 1024, 1),
            "tree_idle_pss_mib": round(idle_kib / 1024, 1),
            "tree_peak_pss_mib": round(sampler.peak / 1024, 1),
            "bot_exit_code": bot.returncode,
        }
        if args.trace:
            print(log[-4000:], file=sys.stderr)
        return result


@contextlib.contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server of `url`, dropped afterwards."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"burst_{uuid.uuid4().hex[:10]}"
    admin = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--within", type=float, default=10.0, help="seconds to send them over")
    parser.add_argument("--llm-delay", type=float, default=2.0)
    parser.add_argument("--deadline", type=float, default=300.0, help="give up after (s)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server (a fresh database is made there and dropped); default SQLite",
    )
    parser.add_argument("--trace", action="store_true", help="print the bot's log tail")
    parser.add_argument("--profile", default="", help="write a cProfile of the bot here")
    args = parser.parse_args()
    args.profile = os.path.abspath(args.profile) if args.profile else ""  # the bot runs elsewhere
    print(f"load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    with contextlib.ExitStack() as stack:
        if args.database_url:
            # Never the server's own database: the bench writes 1,000 chats' rows.
            args.database_url = stack.enter_context(fresh_database(args.database_url))
        result = asyncio.run(run(args))
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    ok = result["answered_with_summary"] == args.chats and result["internal_errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
