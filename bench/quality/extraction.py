"""Extraction quality on news-dev: our fetch → extract path against trafilatura alone.

    .venv/bin/python -m bench.quality.extraction [--json] [--per-page] [--split all|tuning|holdout]

Every page is served from a local HTTP server (testsupport/pages.py) and goes through
bot.ingest.fetch.Fetcher and bot.ingest.html.extract_article (what document_from_fetched calls for HTML),
exactly as a link sent to the bot. The report names, per page, which path produced the body
(trafilatura's precise body, or a second opinion: trafilatura balanced or recall mode, JSON-LD
articleBody), lists the 10 worst pages, measures each second opinion alone (pages where it was
kept, F1 gain, extra time), scores the tuning and held-out splits apart (held out: ~30% of the
pages by a hash of the id, see held_out), and times ours against trafilatura per page (p50).
trafilatura alone and trafilatura in recall mode are rows of the same run.
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
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence

import lxml.html
import trafilatura

from bot.errors import BotError, PaywallError
from bot.ingest.html import SECOND_OPINIONS, TRAFILATURA_OPTIONS, _key, extract_article
from bot.models import Fetched
from testsupport.corpora import NEWS_DEV, ROOT
from testsupport.extraction_eval import (
    Run,
    fetch_all,
    held_out,
    load_truth,
    page_f1,
    run_fetched,
    run_plain,
    score,
)
from testsupport.pages import PageServer


def trafilatura_recall(html: str) -> str | None:
    """trafilatura.extract in recall mode (comments off, as ours)."""
    return trafilatura.extract(html, include_comments=False, favor_recall=True)


def timing(fetched: dict[str, Fetched], repeat: int) -> dict[str, float]:
    """Per-page extraction time, interleaved and best of `repeat`: p50 of ours and of trafilatura.

    "trafilatura alone" is trafilatura.extract with defaults; "trafilatura as we call it" is the
    same bare_extraction call our path makes first (precision, metadata), so the ratio to it is
    the cost of our page analysis and second opinions.
    """
    ours_call = trafilatura.bare_extraction
    calls: dict[str, Callable[[str], object]] = {
        "ours": lambda h: _safe(extract_article, h),
        "trafilatura alone": trafilatura.extract,
        "trafilatura as we call it": lambda h: ours_call(
            h, favor_precision=True, with_metadata=True, **TRAFILATURA_OPTIONS
        ),
    }
    best: dict[str, dict[str, float]] = {name: {} for name in calls}
    for _ in range(repeat):
        for page_id, page in fetched.items():
            for name, call in calls.items():
                began = time.perf_counter()
                call(page.text)
                took = time.perf_counter() - began
                best[name][page_id] = min(took, best[name].get(page_id, took))
    out = {f"p50 {name} ms": 1000 * statistics.median(v.values()) for name, v in best.items()}
    for name in ("trafilatura alone", "trafilatura as we call it"):
        out[f"p50 ratio ours / {name}"] = statistics.median(
            best["ours"][i] / best[name][i] for i in fetched
        )
    return out


def _safe(extract: Callable[..., object], html: str) -> object:
    try:
        return extract(html)
    except BotError:
        return None


def drop_tail_page(html: str, truth: str, share: float = 0.3) -> str | None:
    """The page with the last `share` of its article paragraphs marked class="bottom".

    A stress test for the second opinions: trafilatura's precision mode drops elements whose
    class starts or ends with "bottom" (template names like "article-bottom"), so its body loses
    the article's tail, as on the older layouts of the issue. None when the page has too few
    article paragraphs in <p> elements to mark.
    """
    tree = lxml.html.fromstring(html)
    whole = _key(truth)
    paragraphs = [
        p for p in tree.iter("p") if len(k := _key(p.text_content())) >= 40 and k in whole
    ]
    marked = paragraphs[len(paragraphs) - int(len(paragraphs) * share) :]
    if len(paragraphs) < 4 or not marked:
        return None
    for p in marked:
        p.set("class", "bottom")
    return lxml.html.tostring(tree, encoding="unicode")


def stress(ids: Sequence[str], truth: dict[str, str]) -> dict[str, dict]:
    """Ours, ours without second opinions and trafilatura on pages with a dropped tail."""
    pages = {}
    for page_id in ids:
        html = gzip.decompress((NEWS_DEV / "html" / f"{page_id}.html.gz").read_bytes()).decode()
        changed = drop_tail_page(html, truth[page_id])
        if changed is not None:
            pages[page_id] = changed
    variants: dict[str, tuple[str, ...]] = {
        "ours": SECOND_OPINIONS,
        "ours without second opinions": (),
        **{f"ours with {which} only": (which,) for which in SECOND_OPINIONS},
    }
    runs: dict[str, dict[str, str]] = {name: {} for name in variants}
    runs["trafilatura.extract (defaults)"] = {}
    used: Counter[str] = Counter()
    for page_id, html in pages.items():
        for name, which in variants.items():
            try:
                got = extract_article(html, second_opinions=which)
                runs[name][page_id] = got.document.text
                if name == "ours":
                    used[got.path] += 1
            except BotError:
                runs[name][page_id] = ""
        runs["trafilatura.extract (defaults)"][page_id] = trafilatura.extract(html) or ""
    sub = _subset(truth, list(pages))
    out = {name: score(sub, predicted, 0) for name, predicted in runs.items()}
    return {"pages": {"n": len(pages), **{k: float(v) for k, v in used.items()}}, **out}


PAYWALL_FIXTURES = ROOT / "tests" / "fixtures" / "paywall"


def paywall_fixtures() -> dict[str, list[str]]:
    """Free fixture pages refused and teaser pages not refused (both should be empty)."""
    wrong: dict[str, list[str]] = {"free refused": [], "teasers missed": []}
    counts = {"free": 0, "teaser": 0}
    for kind in counts:
        for path in sorted((PAYWALL_FIXTURES / kind).glob("*.html")):
            counts[kind] += 1
            try:
                extract_article(path.read_text("utf-8"))
                refused = False
            except PaywallError:
                refused = True
            except BotError:
                refused = False  # another refusal ("no article text") is not a paywall call
            if kind == "free" and refused:
                wrong["free refused"].append(path.stem)
            if kind == "teaser" and not refused:
                wrong["teasers missed"].append(path.stem)
    return {**wrong, "free pages": [str(counts["free"])], "teaser pages": [str(counts["teaser"])]}


def _line(name: str, m: dict, run: Run) -> str:
    return (
        f"{name:<36} P={m['precision']:.3f} ± {m['precision_std']:.3f}  "
        f"R={m['recall']:.3f} ± {m['recall_std']:.3f}  F1={m['f1']:.3f} ± {m['f1_std']:.3f}  "
        f"acc={m['accuracy']:.3f}  refused={len(run.errors)}  {run.seconds:.1f}s"
    )


def _subset(truth: dict[str, str], ids: Sequence[str]) -> dict[str, str]:
    return {i: truth[i] for i in ids}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ours and trafilatura over news-dev and print the benchmark figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument("--per-page", action="store_true", help="print every page's path and F1")
    parser.add_argument(
        "--split",
        choices=("all", "tuning", "holdout"),
        default="all",
        help="score only the tuning pages, only the held-out pages, or all (default)",
    )
    parser.add_argument("--repeat", type=int, default=2, help="timing passes (best of)")
    parser.add_argument(
        "--stress",
        action="store_true",
        help="also score pages whose article tail is marked class=bottom (see drop_tail_page)",
    )
    args = parser.parse_args(argv)
    truth = load_truth()
    ids = sorted(truth)
    if args.split != "all":
        ids = [i for i in ids if held_out(i) == (args.split == "holdout")]
    truth = _subset(truth, ids)
    with PageServer() as server:
        start = time.perf_counter()
        fetched = asyncio.run(fetch_all(server, ids))
        fetch_seconds = time.perf_counter() - start
    ours = run_fetched(fetched)
    ours.seconds += fetch_seconds
    runs = {
        "ours (fetch → extract over HTTP)": ours,
        "ours without second opinions": run_fetched(fetched, ()),
        "trafilatura.extract (defaults)": run_plain(ids, trafilatura.extract, NEWS_DEV),
        "trafilatura.extract (no comments)": run_plain(
            ids, lambda h: trafilatura.extract(h, include_comments=False), NEWS_DEV
        ),
        "trafilatura.extract (recall mode)": run_plain(ids, trafilatura_recall, NEWS_DEV),
    }
    # Each fallback alone, on the same fetched pages: its gain is measured against no fallback.
    alone = {which: run_fetched(fetched, (which,)) for which in SECOND_OPINIONS}
    scores = {name: score(truth, run.predicted) for name, run in runs.items()}
    times = timing(fetched, args.repeat)
    fixtures = paywall_fixtures()
    stressed = stress(ids, truth) if args.stress else {}
    used = Counter(ours.paths.values())
    triggered = sum(1 for r in ours.reasons.values() if r)
    per_page = {
        i: {
            "path": ours.paths.get(i, ""),
            "f1": page_f1(truth[i], ours.predicted[i]),
            "trafilatura_f1": page_f1(
                truth[i], runs["trafilatura.extract (defaults)"].predicted[i]
            ),
            "reasons": list(ours.reasons.get(i, ())),
            "held_out": held_out(i),
        }
        for i in ids
    }
    worst = sorted(ids, key=lambda i: per_page[i]["f1"])[:10]
    base = score(truth, runs["ours without second opinions"].predicted, 0)["f1"]
    fallbacks = {}
    for which, run in alone.items():
        pages = [i for i, p in run.paths.items() if p == which]
        fallbacks[which] = {
            "pages kept": len(pages),
            "F1 gain": score(truth, run.predicted, 0)["f1"] - base,
            "extra seconds": sum(run.page_seconds.values())
            - sum(runs["ours without second opinions"].page_seconds.values()),
        }
    splits = {}
    for name, keep in (("tuning", False), ("held-out", True)):
        sub = [i for i in ids if held_out(i) == keep]
        if sub:
            splits[name] = {
                label: score(_subset(truth, sub), run.predicted, 0)
                for label, run in runs.items()
                if label.startswith("ours") or "recall" in label or "defaults" in label
            }
    if args.json:
        out = {
            name: {**scores[name], "refused": len(run.errors), "seconds": run.seconds}
            for name, run in runs.items()
        }
        print(
            json.dumps(
                {
                    "pages": len(ids),
                    "trafilatura": trafilatura.__version__,
                    "paths": dict(used),
                    "second opinion sought": triggered,
                    "analysed": len(ours.analysed),
                    "timing": times,
                    "fallbacks": fallbacks,
                    "splits": splits,
                    "refused": ours.errors,
                    "paywall fixtures": fixtures,
                    "stress": stressed,
                    "worst": {i: per_page[i] for i in worst},
                    **({"per_page": per_page} if args.per_page else {}),
                    **out,
                }
            )
        )
        return 0
    print(f"news-dev ({args.split}): {len(ids)} pages, trafilatura {trafilatura.__version__}")
    for name, run in runs.items():
        print(_line(name, scores[name], run))
    for name, by_run in splits.items():
        n = sum(1 for i in ids if held_out(i) == (name == "held-out"))
        print(
            f"  {name} ({n} pages): "
            + ";  ".join(
                f"{label.split(' (')[0] if label.startswith('ours') else label.split('(')[1][:-1]} "
                f"F1={m['f1']:.3f} P={m['precision']:.3f} R={m['recall']:.3f}"
                for label, m in by_run.items()
            )
        )
    print(
        f"paths: {dict(used)}; the page analysis ran on {len(ours.analysed)} of {len(ids)} "
        f"pages, a second opinion was sought on {triggered}"
    )
    for which, f in fallbacks.items():
        print(
            f"  fallback {which:<22} kept on {f['pages kept']:>2} pages, "
            f"F1 {f['F1 gain']:+.4f}, +{f['extra seconds']:.2f}s over all pages"
        )
    print(f"timing (best of {args.repeat}): " + ", ".join(f"{k}={v:.2f}" for k, v in times.items()))
    n_free, n_teaser = fixtures["free pages"][0], fixtures["teaser pages"][0]
    caught = int(n_teaser) - len(fixtures["teasers missed"])
    print(
        f"paywall fixtures: {len(fixtures['free refused'])} of {n_free} free articles refused "
        f"{fixtures['free refused'] or ''}, {caught} of {n_teaser} teasers caught "
        f"{fixtures['teasers missed'] or ''}"
    )
    for page_id, error in ours.errors.items():
        print(f"  ours refused {page_id[:12]} (scored as empty): {error}")
    if ours.errors:
        kept = [i for i in ids if i not in ours.errors]
        a = score(_subset(truth, kept), ours.predicted, 0)
        b = score(_subset(truth, kept), runs["trafilatura.extract (defaults)"].predicted, 0)
        print(
            f"  on the {len(kept)} pages ours did not refuse: ours F1={a['f1']:.3f} "
            f"(P={a['precision']:.3f} R={a['recall']:.3f}), trafilatura (defaults) "
            f"F1={b['f1']:.3f} (P={b['precision']:.3f} R={b['recall']:.3f})"
        )
    if stressed:
        info = stressed["pages"]
        print(f"stress (article tail marked class=bottom on {info['n']:.0f} pages; paths {info}):")
        for name, m in stressed.items():
            if name != "pages":
                print(f"  {name:<34} F1={m['f1']:.3f} P={m['precision']:.3f} R={m['recall']:.3f}")
    print("10 worst pages (ours):")
    for i in worst:
        p = per_page[i]
        print(
            f"  {i[:12]} F1={p['f1']:.3f} (trafilatura {p['trafilatura_f1']:.3f}) "
            f"via {p['path']}{' [held out]' if p['held_out'] else ''}"
        )
    if args.per_page:
        for i in ids:
            p = per_page[i]
            why = "; ".join(p["reasons"])
            print(f"  {i[:12]} {p['path']:<22} F1={p['f1']:.3f} {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
