"""Load benchmark for the Telegram front end.

100 private chats send an article link at the same moment (24 distinct articles, at most 5 chats
each); the LLM (a local fake OpenAI server) takes 2 s per call. The real python-telegram-bot
Application runs against the local fake Bot API, which enforces Telegram's flood limits strictly
(testsupport/botapi.py FloodModel: 30 in any rolling second, 3 in any rolling 3 s per chat,
429 + growing retry_after beyond).

The bot runs as `python -m bot run` in its own process (as deployed), so its peak memory (VmHWM)
is its own and the fakes do not compete with it for the GIL.

Reports: time until all summaries are delivered (the floor is about 2 s of LLM latency plus
the 3.3 s the overall limit needs for 100 messages), time to the first visible reaction per chat
(the first Bot API call for that chat to arrive: typing action or message) as p50/p95, 429s and
every other refused call, and peak memory.

    .venv/bin/python bench/telegram_load.py [--chats 100] [--articles 24] [--llm-delay 2.0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testsupport.botapi import FakeBotAPI  # noqa: E402
from testsupport.openai_server import FakeOpenAI  # noqa: E402
from testsupport.pages import ARTICLE_PARAGRAPHS, PageServer, article_html  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def vm_hwm_mib(pid: int) -> float:
    """Peak resident set size (VmHWM) of a running process, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(
    chats: int, llm_delay: float, trace: bool = False, articles: int = 24
) -> dict[str, object]:
    """Start the fakes here and the bot as `python -m bot run` in its own process; measure."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeBotAPI() as tg,
        FakeOpenAI() as llm,
        PageServer() as pages,
    ):
        llm.delay_all(llm_delay)
        answered: list[float] = []  # when each LLM answer was made (after its delay)
        default_reply = llm.reply

        def reply(request):  # type: ignore[no-untyped-def]
            answered.append(time.monotonic())
            return default_reply(request) if callable(default_reply) else default_reply

        llm.reply = reply
        urls = []
        for i in range(min(articles, chats)):
            # Different text per page, so nothing is shared by the cache or single-flight.
            paragraphs = [f"Story {i}: {p}" for p in ARTICLE_PARAGRAPHS]
            page = article_html(title=f"Story {i}", paragraphs=paragraphs)
            urls.append(pages.add_route(f"/story/{i}", page))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=tg.token,
            TELEGRAM_API_URL=tg.api_url,
            OPENAI_API_KEY="sk-bench",
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_TIMEOUT="30",
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'bot.db'}",
            FETCH_ALLOW_PRIVATE="true",
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        bot = subprocess.Popen(  # noqa: ASYNC220 - a long-lived child, not awaited
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # Polling has begun once the webhook was deleted (run_polling does that first).
            await tg.wait_for("deleteWebhook", within=60)
            await asyncio.sleep(0.5)
            idle_rss = vm_hwm_mib(bot.pid)
            chat_ids = list(range(10_000, 10_000 + chats))
            for chat_id in chat_ids:
                tg.chat(chat_id)
            start = time.monotonic()
            for index, chat_id in enumerate(chat_ids):
                tg.push_message(chat_id, urls[index % len(urls)])
            done: dict[int, float] = {}
            deadline = start + 120
            while len(done) < chats and time.monotonic() < deadline:
                for call in list(tg.calls):
                    text = call.result.get("text", "") if isinstance(call.result, dict) else ""
                    if call.method == "sendMessage" and call.ok and "Story" in text:
                        done.setdefault(int(call.params["chat_id"]), call.at - start)
                await asyncio.sleep(0.02)
            peak_rss = vm_hwm_mib(bot.pid)
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                _, stderr = bot.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                bot.kill()
                _, stderr = bot.communicate()
        first: dict[int, float] = {}
        for call in tg.calls:
            chat_id = call.params.get("chat_id")
            if chat_id is not None and int(chat_id) in done:
                first.setdefault(int(chat_id), call.at - start)
        reactions = list(first.values())
        refused = Counter(f"{c.method} {c.status} {c.description}" for c in tg.errors())
        deliveries = list(done.values())
        if trace:
            print(sorted(round(v, 2) for v in deliveries), file=sys.stderr)
            limited = [
                (round(c.at - start, 3), c.method, c.params.get("chat_id"))
                for c in tg.calls
                if c.ok and c.method in ("sendMessage", "editMessageText", "sendDocument")
            ]
            print("flood-limited calls:", sorted(limited), file=sys.stderr)
            print(stderr[-2000:], file=sys.stderr)
        return {
            "chats": chats,
            "articles": len(urls),
            "llm_delay_s": llm_delay,
            "delivered": len(done),
            "llm_calls": len(llm.completions),
            # Where the time goes: the pipeline before the LLM (fetch, extract, clean), then
            # the LLM's delay, then the sends.
            "llm_requests_from_s": round(min(answered) - llm_delay - start, 2)
            if answered
            else None,
            "llm_requests_until_s": round(max(answered) - llm_delay - start, 2)
            if answered
            else None,
            "all_delivered_s": round(max(deliveries), 2) if deliveries else None,
            "delivery_p50_s": round(statistics.median(deliveries), 2) if deliveries else None,
            "first_reaction_p50_s": round(percentile(reactions, 50), 3) if reactions else None,
            "first_reaction_p95_s": round(percentile(reactions, 95), 3) if reactions else None,
            "http_429": sum(1 for c in tg.errors() if c.status == 429),
            "bot_api_errors": len(tg.errors()),
            "refused": dict(refused),
            "status_messages": sum(
                1
                for c in tg.calls
                if c.method == "sendMessage" and c.ok and "⏳" in (c.params.get("text") or "")
            ),
            "bot_exit_code_after_sigterm": bot.returncode,
            "bot_peak_rss_mib": round(peak_rss, 1),
            "bot_idle_rss_mib": round(idle_rss, 1),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--articles", type=int, default=24, help="distinct articles")
    parser.add_argument("--llm-delay", type=float, default=2.0)
    parser.add_argument("--trace", action="store_true", help="print every delivery time")
    args = parser.parse_args()
    result = asyncio.run(run(args.chats, args.llm_delay, args.trace, args.articles))
    print(json.dumps(result, indent=2))
    return 0 if result["delivered"] == args.chats else 1


if __name__ == "__main__":
    raise SystemExit(main())
