"""Extraction scoring shared by the extraction bench and the extraction floor test.

The Article Extraction Benchmark's metric (scrapinghub/article-extraction-benchmark,
evaluate.py, reimplemented): `\\w+` tokens, 4-token shingles counted as multisets, per-page
TP/FP/FN normalised to sum 1, precision averaged over pages that predicted something, recall over
pages whose truth is non-empty; plus the runners that put news-dev through the bot's own fetch →
extract path over local HTTP, or trafilatura alone on the raw files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import BotError
from bot.ingest.documents import document_from_fetched
from bot.ingest.fetch import Fetcher
from bot.ingest.html import SECOND_OPINIONS, extract_article
from bot.models import Fetched
from testsupport.corpora import NEWS_DEV
from testsupport.pages import PageServer

TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4
TpFpFn = tuple[float, float, float]
# Pages whose sha256("news-dev-holdout:" + id) starts with a byte below this are held out (~30%).
HOLDOUT_BYTE = 77


def tokens(text: str) -> list[str]:
    """The benchmark's tokenisation: runs of word characters, case kept."""
    return TOKEN.findall(text or "")


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles; a text shorter than n gives one short shingle."""
    toks = tokens(text)
    grams = (tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)))
    return Counter(g for g in grams if g)


def match(true: str, pred: str) -> TpFpFn:
    """Per-page TP, FP, FN over shingles, normalised to sum 1 so long pages weigh the same."""
    t, p = shingles(true), shingles(pred)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def page_f1(true: str, pred: str) -> float:
    """F1 of one page (0 when nothing was predicted), for per-page comparisons."""
    tp, fp, fn = match(true, pred)
    p, r = _precision(tp, fp, fn), _recall(tp, fp, fn)
    return 2 * p * r / (p + r) if p + r else 0.0


def metrics(counts: Sequence[TpFpFn]) -> dict[str, float]:
    """Precision, recall and F1 averaged over pages as the benchmark does."""
    precision = statistics.mean(_precision(*c) for c in counts if c[0] + c[1] > 0)
    recall = statistics.mean(_recall(*c) for c in counts if c[0] + c[2] > 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def score(truth: dict[str, str], predicted: dict[str, str], n_bootstrap: int = 1000) -> dict:
    """Benchmark metrics plus bootstrap standard deviations and exact-match accuracy."""
    keys = sorted(truth)
    counts = [match(truth[k], predicted.get(k, "")) for k in keys]
    result: dict[str, float] = metrics(counts)
    accuracy = [float(tokens(truth[k]) == tokens(predicted.get(k, ""))) for k in keys]
    result["accuracy"] = statistics.mean(accuracy)
    rng = random.Random(0)  # fixed seed: the same run prints the same ± every time
    samples: dict[str, list[float]] = {}
    for _ in range(n_bootstrap):
        idx = [rng.randrange(len(counts)) for _ in counts]
        for name, value in metrics([counts[i] for i in idx]).items():
            samples.setdefault(name, []).append(value)
    for name, values in samples.items():
        result[f"{name}_std"] = statistics.stdev(values) if len(values) > 1 else 0.0
    for name in ("precision", "recall", "f1"):
        result.setdefault(f"{name}_std", 0.0)
    return result


def load_truth(news_dir: Path = NEWS_DEV) -> dict[str, str]:
    """{id: articleBody} from news-dev's ground truth."""
    data = json.loads((news_dir / "ground-truth.json").read_text("utf-8"))
    return {key: value.get("articleBody") or "" for key, value in data.items()}


def held_out(page_id: str) -> bool:
    """True for the ~30% of news-dev kept aside: scored, never looked at while tuning."""
    return hashlib.sha256(f"news-dev-holdout:{page_id}".encode()).digest()[0] < HOLDOUT_BYTE


@dataclass
class Run:
    """Predictions of one extractor, with failures, wall time and (ours) the path per page."""

    predicted: dict[str, str]
    errors: dict[str, str]
    seconds: float
    paths: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    page_seconds: dict[str, float] = field(default_factory=dict)
    analysed: set[str] = field(default_factory=set)


async def fetch_all(server: PageServer, ids: Sequence[str]) -> dict[str, Fetched]:
    """Every page through the bot's own fetcher over HTTP from the local server."""
    fetcher = Fetcher(allow_private=True)  # the server is on 127.0.0.1
    try:
        return {i: await fetcher.fetch(server.url(f"/news/{i}")) for i in ids}
    finally:
        await fetcher.aclose()


def run_fetched(
    fetched: dict[str, Fetched], second_opinions: tuple[str, ...] = SECOND_OPINIONS
) -> Run:
    """Our extraction on fetched pages: HTML through extract_article, the rest as the bot does."""
    run = Run({}, {}, 0.0)
    start = time.perf_counter()
    for page_id, page in fetched.items():
        began = time.perf_counter()
        try:
            if page.content_type in ("text/html", "application/xhtml+xml"):
                got = extract_article(
                    page.text, url=page.url, source=page.url, second_opinions=second_opinions
                )
                run.predicted[page_id] = got.document.text
                run.paths[page_id], run.reasons[page_id] = got.path, got.reasons
                if got.analysed:
                    run.analysed.add(page_id)
            else:
                run.predicted[page_id] = document_from_fetched(page, page.url).text
                run.paths[page_id] = page.content_type
        except BotError as exc:
            run.predicted[page_id] = ""
            run.paths[page_id] = f"refused ({type(exc).__name__})"
            run.errors[page_id] = f"{type(exc).__name__}: {exc.user_message} [{exc.detail or ''}]"
        run.page_seconds[page_id] = time.perf_counter() - began
    run.seconds = time.perf_counter() - start
    return run


async def run_ours(server: PageServer, ids: Sequence[str]) -> Run:
    """Every page through the bot's own fetch → extract path (over HTTP from the local server)."""
    start = time.perf_counter()
    run = run_fetched(await fetch_all(server, ids))
    run.seconds = time.perf_counter() - start
    return run


def run_plain(ids: Sequence[str], extract: Callable[[str], str | None], news_dir: Path) -> Run:
    """Trafilatura on the raw HTML files, no HTTP and none of our code."""
    run = Run({}, {}, 0.0)
    start = time.perf_counter()
    for page_id in ids:
        html = gzip.decompress((news_dir / "html" / f"{page_id}.html.gz").read_bytes()).decode()
        began = time.perf_counter()
        run.predicted[page_id] = extract(html) or ""
        run.page_seconds[page_id] = time.perf_counter() - began
    run.seconds = time.perf_counter() - start
    return run
