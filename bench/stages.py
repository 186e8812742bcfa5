"""Per-stage time per article on news-dev, and prompt tokens against the extracted text's tokens.

    .venv/bin/python -m bench.stages [--json] [--rounds N]

Stages, each timed per article over the 97 news-dev pages served from a local HTTP server:
fetch (bot.ingest.fetch over loopback), extract (bot.ingest.documents), clean (bot.clean), prompt build
(bot.summarise.LLMSummariser with an instant in-process client that records the messages: the
LLM itself is excluded). The overhead ratio compares the sum of the four stages with
`trafilatura.extract` alone on the same HTML. Token counts use the summariser's own counter for
the default model (OPENAI_MODEL), so they match what the bot would send.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import logging
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import trafilatura

from bot.clean import clean_document
from bot.config import Settings
from bot.errors import BotError
from bot.ingest.documents import document_from_fetched
from bot.ingest.fetch import Fetcher
from bot.models import SummaryOptions
from bot.summarise import Completion, LLMSummariser, count_tokens, load_prompts
from testsupport.corpora import NEWS_DEV
from testsupport.pages import PageServer

STAGES = ("fetch", "extract", "clean", "prompt")


class RecordingClient:
    """An LLM client that answers at once and counts the prompt tokens it was sent."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.prompt_tokens = 0
        self.calls = 0

    async def complete(self, messages: list[dict[str, str]], *, max_tokens: int) -> Completion:
        """Record the request; answer with a one-line note (used by map-reduce's reduce step)."""
        sent = sum(count_tokens(m["content"], self.model) for m in messages)
        self.prompt_tokens += sent
        self.calls += 1
        return Completion("- A short note.", sent, 5, self.model)

    async def aclose(self) -> None:
        """Nothing to close."""


@dataclass
class Timings:
    """Seconds per article for each stage, plus token counts."""

    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    pipeline: list[float] = field(default_factory=list)
    trafilatura: list[float] = field(default_factory=list)
    raw_tokens: list[int] = field(default_factory=list)
    prompt_tokens: list[int] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _pct(values: Sequence[float], q: int) -> float:
    """The q-th percentile (inclusive method, as numpy's default linear interpolation)."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def measure(server: PageServer, ids: Sequence[str], settings: Settings) -> Timings:
    """Run every page through the stages once, timing each."""
    out = Timings()
    fetcher = Fetcher(allow_private=True, max_bytes=settings.fetch_max_bytes)
    prompts = load_prompts()
    model = settings.openai_model
    try:
        for page_id in ids:
            url = server.url(f"/news/{page_id}")
            html = gzip.decompress((NEWS_DEV / "html" / f"{page_id}.html.gz").read_bytes()).decode()
            t0 = time.perf_counter()
            trafilatura.extract(html)
            alone = time.perf_counter() - t0
            client = RecordingClient(model)
            summariser = LLMSummariser(
                client,
                prompts,
                context_tokens=settings.openai_context_tokens,
                total_timeout=settings.openai_total_timeout,
            )
            try:
                t0 = time.perf_counter()
                fetched = await fetcher.fetch(url)
                t1 = time.perf_counter()
                document = document_from_fetched(fetched, url)
                t2 = time.perf_counter()
                cleaned, _result = clean_document(document)
                t3 = time.perf_counter()
                await summariser.summarise(cleaned, SummaryOptions())
                t4 = time.perf_counter()
            except BotError as exc:
                out.failed[page_id] = f"{type(exc).__name__}: {exc.user_message}"
                continue
            for stage, seconds in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                out.stages[stage].append(seconds)
            out.pipeline.append(t4 - t0)
            out.trafilatura.append(alone)  # only for pages that passed, to compare like with like
            out.raw_tokens.append(count_tokens(document.text, model))
            out.prompt_tokens.append(client.prompt_tokens)
            out.calls.append(client.calls)
    finally:
        await fetcher.aclose()
    return out


def report(t: Timings) -> dict[str, object]:
    """Percentiles in milliseconds, ratios and token figures."""
    ms = {
        name: {"p50": 1000 * statistics.median(v), "p95": 1000 * _pct(v, 95)}
        for name, v in (*t.stages.items(), ("pipeline", t.pipeline), ("trafilatura", t.trafilatura))
    }
    token_ratio = [p / r for p, r in zip(t.prompt_tokens, t.raw_tokens, strict=True) if r]
    return {
        "pages": len(t.pipeline) + len(t.failed),
        "failed": len(t.failed),
        "ms": ms,
        "overhead_ratio_total": sum(t.pipeline) / sum(t.trafilatura),
        "overhead_ratio_p50": statistics.median(
            p / x for p, x in zip(t.pipeline, t.trafilatura, strict=True)
        ),
        "raw_tokens_p50": statistics.median(t.raw_tokens),
        "prompt_tokens_p50": statistics.median(t.prompt_tokens),
        "prompt_tokens_p95": _pct(t.prompt_tokens, 95),
        "prompt_to_raw_p50": statistics.median(token_ratio),
        "prompt_to_raw_total": sum(t.prompt_tokens) / sum(t.raw_tokens),
        "map_reduce_articles": sum(1 for c in t.calls if c > 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the stage figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the corpus (best kept)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # one tiktoken fallback warning is not news here
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    truth = json.loads((NEWS_DEV / "ground-truth.json").read_text("utf-8"))
    ids = sorted(truth)
    with PageServer() as server:
        # Warm-up: imports, trafilatura's and the cleanup tables' first-use loading.
        asyncio.run(measure(server, ids[:3], settings))
        runs = [asyncio.run(measure(server, ids, settings)) for _ in range(max(1, args.rounds))]
    best = min(runs, key=lambda r: sum(r.pipeline))
    figures = report(best)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(
        f"news-dev: {figures['pages']} pages ({figures['failed']} refused by extraction), "
        f"model {settings.openai_model}, context {settings.openai_context_tokens} tokens"
    )
    ms = figures["ms"]
    assert isinstance(ms, dict)
    for name in (*STAGES, "pipeline", "trafilatura"):
        label = "trafilatura.extract alone" if name == "trafilatura" else name
        print(f"  {label:<26} p50 {ms[name]['p50']:8.1f} ms   p95 {ms[name]['p95']:8.1f} ms")
    print(
        f"  pipeline / trafilatura alone: {figures['overhead_ratio_total']:.2f}× in total, "
        f"{figures['overhead_ratio_p50']:.2f}× median per article"
    )
    print(
        f"  tokens per article: extracted text p50 {figures['raw_tokens_p50']:.0f}, "
        f"prompt sent p50 {figures['prompt_tokens_p50']:.0f} (p95 {figures['prompt_tokens_p95']:.0f}); "
        f"prompt/extracted {figures['prompt_to_raw_p50']:.2f}× median, "
        f"{figures['prompt_to_raw_total']:.2f}× overall; "
        f"{figures['map_reduce_articles']} articles needed map-reduce"
    )
    for page_id, error in best.failed.items():
        print(f"  refused {page_id[:12]}: {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
