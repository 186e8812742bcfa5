"""Speed of recaps and inline answers.

1. Offline recap of 500 messages: reading them from the store (SQLite), `offline_recap`, and
   rendering the HTML, median and p95 over repeated runs.
2. LLM recap of 500 messages against a local fake OpenAI server that takes `--llm-delay` seconds
   per request (default 2 s): requests made and wall time, for chat-length messages (~15 words)
   and for long ones (~60 words, which need map-reduce at a 16k context).
3. Inline answers for a cached article through the real python-telegram-bot Application and the
   fake Bot API: the time from the inline query's arrival at the fake to its answer, p50/p95.

The conversations are made of sentences from the summaries-dev corpus (read at run time, never
stored), cut to chat length, with replies to recent messages; without the corpus, from the page
server's stand-in article. Nothing here tunes anything: these are speed figures only.

    .venv/bin/python -m bench.recap [--messages 500] [--llm-delay 2.0] [--inline 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.groups.llm import llm_recap
from bot.groups.recap import offline_recap
from bot.models import ChatMessage
from bot.storage.db import Database
from bot.storage.group_messages import GroupMessages
from bot.summarise.llm import OpenAIChatClient
from bot.summarise.prompts import load_prompt
from bot.telegram.recap_command import RecapView, render_recap
from testsupport.corpora import SUMMARIES_DEV
from testsupport.openai_server import FakeOpenAI, RecordedRequest
from testsupport.pages import ARTICLE_PARAGRAPHS

GROUP = -1001555000001
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NAMES = [f"{first} {last}" for first in ("Ann", "Bob", "Cem", "Dia", "Eli") for last in "ABCD"]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def sentences() -> list[str]:
    """Sentences to chat with: the summaries-dev articles', else the stand-in article's."""
    path = SUMMARIES_DEV / "summeval-cnndm.jsonl"
    texts: list[str] = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines()[:40]:
            texts.append(json.loads(line)["article"])
    else:
        texts = list(ARTICLE_PARAGRAPHS)
    found: list[str] = []
    for text in texts:
        found.extend(s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4)
    return found


def conversation(count: int, words: int, seed: int = 7) -> list[ChatMessage]:
    """`count` messages of about `words` words, a third of them replies to recent messages."""
    rng = random.Random(seed)
    pool = sentences()
    messages: list[ChatMessage] = []
    for i in range(1, count + 1):
        text_words: list[str] = []
        while len(text_words) < words:
            text_words.extend(rng.choice(pool).split())
        reply = None
        if messages and rng.random() < 0.35:
            reply = rng.choice(messages[-12:]).message_id
        messages.append(
            ChatMessage(
                message_id=i,
                author=rng.choice(NAMES),
                text=" ".join(text_words[: max(3, int(rng.gauss(words, words / 3)))]),
                at=T0 + timedelta(seconds=20 * i),
                user_id=1000 + i % 20,
                reply_to=reply,
            )
        )
    return messages


async def offline_figures(count: int, runs: int) -> dict[str, float]:
    """Store → offline recap → HTML, timed."""
    messages = conversation(count, 15)
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(f"sqlite:///{tmp}/bench.db")
        try:
            store = GroupMessages(db)
            await store.enable(GROUP, 1)
            for message in messages:
                await store.record(GROUP, message)
            timings, core = [], []
            for _ in range(runs):
                started = time.perf_counter()
                loaded, left_out = await store.since(GROUP, T0 - timedelta(hours=1), limit=count)
                middle = time.perf_counter()
                points = offline_recap(loaded)
                core.append(time.perf_counter() - middle)
                view = RecapView(GROUP, "", None, len(loaded), left_out, T0)
                render_recap(points, view, quoted=True)
                timings.append(time.perf_counter() - started)
        finally:
            await db.close()
    return {
        "messages": float(len(loaded)),
        "points": float(len(points)),
        "total_median_s": statistics.median(timings),
        "total_p95_s": percentile(timings, 95),
        "recap_only_median_s": statistics.median(core),
    }


def _cite(request: RecordedRequest) -> str:
    ids = re.findall(r"^\[#(\d+)\] ([^:(]+)", request.text, flags=re.M)
    picked = ids[:: max(1, len(ids) // 5)][:5]
    return "\n".join(f"- {name.strip()} made a point [#{mid}]" for mid, name in picked)


async def llm_figures(count: int, delay: float, context: int) -> dict[str, dict[str, float]]:
    """LLM recaps of chat-length and long messages against a slow fake server."""
    out: dict[str, dict[str, float]] = {}
    with FakeOpenAI(reply=_cite) as server:
        server.delay_all(delay)
        for label, words in (("chat_length_15_words", 15), ("long_60_words", 60)):
            client = OpenAIChatClient(
                api_key="sk-bench", base_url=server.base_url, model="gpt-4o-mini", timeout=60.0
            )
            before = len(server.requests)
            started = time.perf_counter()
            recap = await llm_recap(
                client, load_prompt("recap"), conversation(count, words), context_tokens=context
            )
            elapsed = time.perf_counter() - started
            await client.aclose()
            out[label] = {
                "requests": float(len(server.requests) - before),
                "wall_s": elapsed,
                "points": float(len(recap.points)),
            }
    return out


async def inline_figures(queries: int, rate: float) -> dict[str, float]:
    """p50/p95 of inline answers for a cached article, through the real Application, with
    queries arriving at `rate` per second from 50 users."""
    from tests.telegram.harness import running_bot  # the e2e harness: fakes + real PTB

    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(Path(tmp)) as h:
            url = h.pages.url("/article")
            h.tg.push_message(77, url)
            await h.tg.wait_for("sendMessage", chat_id=77)
            ids = []
            started = time.perf_counter()
            for index in range(queries):
                inline = h.tg.push_inline_query(100 + index % 50, url)
                ids.append(inline["id"])
                pause = started + (index + 1) / rate - time.perf_counter()
                if pause > 0:
                    await asyncio.sleep(pause)
            for query_id in ids:
                await h.tg.wait_for("answerInlineQuery", inline_query_id=query_id, within=30)
            answers = [h.tg.inline_answers[i] for i in ids]
            assert all(a["cache_time"] > 0 for a in answers), "not answered from the cache"
            latencies = [a["at"] for a in answers]
    return {
        "queries": float(queries),
        "rate_per_s": rate,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * percentile(latencies, 95),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("offline", "llm", "inline"), default=None)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--llm-delay", type=float, default=2.0)
    parser.add_argument("--context", type=int, default=16000)
    parser.add_argument("--inline", type=int, default=200)
    parser.add_argument("--inline-rate", type=float, default=20.0, help="queries per second")
    args = parser.parse_args()
    report: dict[str, object] = {}
    if args.only in (None, "offline"):
        report["offline"] = await offline_figures(args.messages, args.runs)
    if args.only in (None, "llm"):
        report["llm"] = await llm_figures(args.messages, args.llm_delay, args.context)
    if args.only in (None, "inline"):
        report["inline"] = await inline_figures(args.inline, args.inline_rate)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
