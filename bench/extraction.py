"""Extraction quality on news-dev: our fetch → extract path against trafilatura alone.

    .venv/bin/python -m bench.extraction [--json] [--per-page]

Every page is served from a local HTTP server (testsupport/pages.py) and goes through
bot.ingest.fetch.Fetcher and bot.ingest.documents.document_from_fetched, exactly as a link sent to the bot.
Scores use the Article Extraction Benchmark's metric (scrapinghub/article-extraction-benchmark,
evaluate.py): `\\w+` tokens, 4-token shingles counted as multisets, per-page TP/FP/FN normalised
to sum 1, precision averaged over pages that predicted something, recall over pages whose truth
is non-empty, F1 = harmonic mean of the two averages; ± is a bootstrap standard deviation.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # allow `python bench/extraction.py` as well as `-m`
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from bot.errors import BotError  # noqa: E402
from bot.ingest.documents import document_from_fetched  # noqa: E402
from bot.ingest.fetch import Fetcher  # noqa: E402
from testsupport.corpora import NEWS_DEV  # noqa: E402
from testsupport.pages import PageServer  # noqa: E402

TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4
TpFpFn = tuple[float, float, float]


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


@dataclass
class Run:
    """Predictions of one extractor, with failures and wall time."""

    predicted: dict[str, str]
    errors: dict[str, str]
    seconds: float


async def run_ours(server: PageServer, ids: Sequence[str]) -> Run:
    """Every page through the bot's own fetch → extract path (over HTTP from the local server)."""
    fetcher = Fetcher(allow_private=True)  # the server is on 127.0.0.1
    predicted: dict[str, str] = {}
    errors: dict[str, str] = {}
    start = time.perf_counter()
    try:
        for page_id in ids:
            url = server.url(f"/news/{page_id}")
            try:
                doc = document_from_fetched(await fetcher.fetch(url), url)
                predicted[page_id] = doc.text
            except BotError as exc:
                predicted[page_id] = ""
                errors[page_id] = f"{type(exc).__name__}: {exc.user_message}"
    finally:
        await fetcher.aclose()
    return Run(predicted, errors, time.perf_counter() - start)


def run_plain(ids: Sequence[str], extract: Callable[[str], str | None], news_dir: Path) -> Run:
    """Trafilatura on the raw HTML files, no HTTP and none of our code."""
    predicted: dict[str, str] = {}
    start = time.perf_counter()
    for page_id in ids:
        html = gzip.decompress((news_dir / "html" / f"{page_id}.html.gz").read_bytes()).decode()
        predicted[page_id] = extract(html) or ""
    return Run(predicted, {}, time.perf_counter() - start)


def _line(name: str, m: dict, run: Run) -> str:
    return (
        f"{name:<34} precision={m['precision']:.3f} ± {m['precision_std']:.3f}  "
        f"recall={m['recall']:.3f} ± {m['recall_std']:.3f}  F1={m['f1']:.3f} ± {m['f1_std']:.3f}  "
        f"accuracy={m['accuracy']:.3f}  failed={len(run.errors)}  {run.seconds:.1f}s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run both extractors over news-dev and print the benchmark figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument("--per-page", action="store_true", help="also print per-page F1 deltas")
    args = parser.parse_args(argv)
    truth = load_truth()
    ids = sorted(truth)
    with PageServer() as server:
        ours = asyncio.run(run_ours(server, ids))
    runs = {
        "ours (fetch → extract over HTTP)": ours,
        "trafilatura.extract (defaults)": run_plain(ids, trafilatura.extract, NEWS_DEV),
        "trafilatura.extract (no comments)": run_plain(
            ids, lambda h: trafilatura.extract(h, include_comments=False), NEWS_DEV
        ),
    }
    scores = {name: score(truth, run.predicted) for name, run in runs.items()}
    if args.json:
        out = {
            name: {**scores[name], "failed": len(run.errors), "seconds": run.seconds}
            for name, run in runs.items()
        }
        print(json.dumps({"pages": len(ids), "trafilatura": trafilatura.__version__, **out}))
        return 0
    print(f"news-dev: {len(ids)} pages, trafilatura {trafilatura.__version__}")
    for name, run in runs.items():
        print(_line(name, scores[name], run))
    for page_id, error in ours.errors.items():
        print(f"  ours refused {page_id[:12]} (scored as empty): {error}")
    if ours.errors:
        kept = [i for i in ids if i not in ours.errors]
        sub = {i: truth[i] for i in kept}
        base = runs["trafilatura.extract (no comments)"].predicted
        a, b = score(sub, ours.predicted, 0), score(sub, base, 0)
        print(
            f"  on the {len(kept)} pages ours did not refuse: ours F1={a['f1']:.3f}, "
            f"trafilatura (no comments) F1={b['f1']:.3f}"
        )
    if args.per_page:
        base = runs["trafilatura.extract (defaults)"].predicted
        for page_id in ids:
            a = page_f1(truth[page_id], ours.predicted[page_id])
            b = page_f1(truth[page_id], base[page_id])
            if abs(a - b) > 0.001:
                print(f"  {page_id[:12]} ours F1={a:.3f} trafilatura F1={b:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
