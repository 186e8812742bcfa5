"""Quick truecasing evaluation on the news-dev ground truth (the casing pass alone).

Corrupts every `articleBody` the way the content-farm pipeline does (lowercase everything except
the first word of each sentence, as split by sentencex — or, with --pipeline, C1's corruption:
lowercase everything, break dotted acronyms, capitalise naive sentence starts), runs
`bot.clean.casing` alone with and without the page's cased title, and compares capitalised words
with the original. "first" counts a word as right when its first letter's case is right; "exact"
(C1's measure) only when the whole word is ("Nato" for "NATO" is wrong):

    .venv/bin/python -m bench.casing.quick_eval [--pipeline] [--baselines] [--show-errors N]
        [--errors-for "title"|"no title"]

Also runs the pass over the untouched originals and reports casing edits per 10,000 words (clean
text must stay clean). C1's `bench/cleanup/evaluate.py` is the full harness; this one isolates
casing so its figures are not mixed with the other passes.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import time
from collections import Counter
from dataclasses import fields
from pathlib import Path

from sentencex import segment

from bot.clean import CleanContext, casing
from bot.clean.edits import apply_edits

ROOT = Path(__file__).resolve().parents[2]
NEWS_DEV = Path(
    os.environ.get("NEWS_DEV_CORPUS") or ROOT.parent / "shared" / "corpora" / "news-dev"
)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
TITLE_RE = re.compile(
    r'<meta[^>]+property=["\']og:title["\'][^>]+content=["\']([^"\']+)|<title[^>]*>(.*?)</title>',
    re.I | re.S,
)


def load() -> list[tuple[str, str, str]]:
    """(id, title, articleBody) for every news-dev document."""
    truth = json.loads((NEWS_DEV / "ground-truth.json").read_text(encoding="utf-8"))
    docs = []
    for doc_id, item in sorted(truth.items()):
        raw = gzip.decompress((NEWS_DEV / "html" / f"{doc_id}.html.gz").read_bytes())
        page = raw.decode("utf-8", errors="replace")
        match = TITLE_RE.search(page)
        title = html.unescape(next(g for g in match.groups() if g)).strip() if match else ""
        docs.append((doc_id, " ".join(title.split()), item["articleBody"]))
    return docs


def corrupt(text: str) -> str:
    """Lowercase everything but the first word of each sentence (paragraph by paragraph)."""
    out = []
    for paragraph in text.split("\n"):
        parts = []
        for sentence in segment("en", paragraph):
            first = WORD.search(sentence)
            if first is None:
                parts.append(sentence.lower())
                continue
            end = first.end()
            parts.append(sentence[:end] + sentence[end:].lower())
        out.append("".join(parts))
    return "\n".join(out)


def run_casing(text: str, title: str) -> tuple[str, int]:
    """Apply the casing pass alone; returns the new text and the number of edits."""
    new_text, applied = apply_edits(text, casing.find_edits(text, CleanContext(title=title)))
    return new_text, len(applied)


def capitalised(text: str) -> list[tuple[int, str, bool]]:
    """(offset, word, starts with a capital) for every word; case edits keep offsets stable."""
    return [(m.start(), m.group(), m.group()[0].isupper()) for m in WORD.finditer(text)]


def score(original: str, predicted: str, counts: Counter, errors: list | None = None) -> None:
    """Accumulate capitalised-word TP/FP/FN and exact-form matches between aligned texts."""
    gold = capitalised(original)
    pred = capitalised(predicted)
    if len(gold) != len(pred):
        counts["misaligned"] += 1
        return
    for (offset, gword, gcap), (_, pword, pcap) in zip(gold, pred, strict=True):
        counts["words"] += 1
        counts["exact"] += gword == pword
        if gcap and pcap:
            counts["tp"] += 1
        elif pcap:
            counts["fp"] += 1
            if errors is not None:
                errors.append(("FP", pword, predicted[max(0, offset - 40) : offset + 40]))
        elif gcap:
            counts["fn"] += 1
            if errors is not None:
                errors.append(("FN", gword, original[max(0, offset - 40) : offset + 40]))


def f1(counts: Counter) -> tuple[float, float, float]:
    """Precision, recall, F1 from accumulated counts."""
    p = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    r = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    return p, r, 2 * p * r / max(1e-9, p + r)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", type=int, default=0)
    parser.add_argument("--baselines", action="store_true")
    parser.add_argument("--errors-for", choices=("title", "no title"), default="no title")
    parser.add_argument("--pipeline", action="store_true", help="C1's corruption and scoring")
    args = parser.parse_args()
    if args.pipeline:
        return pipeline_eval(args.baselines, args.show_errors, args.errors_for)
    docs = load()
    corrupted = [(i, t, b, corrupt(b)) for i, t, b in docs]
    systems = {
        "casing (title)": lambda text, title: run_casing(text, title)[0],
        "casing (no title)": lambda text, title: run_casing(text, "")[0],
    }
    if args.baselines:
        systems = {"do nothing": lambda text, title: text, **systems}
    for name, system in systems.items():
        counts: Counter = Counter()
        errors: list = []
        started = time.perf_counter()
        for _, title, body, bad in corrupted:
            score(body, system(bad, title), counts, errors)
        elapsed = time.perf_counter() - started
        p, r, f = f1(counts)
        print(
            f"{name:20} P={p:.4f} R={r:.4f} F1={f:.4f} exact={counts['exact'] / counts['words']:.4f}"
            f" misaligned={counts['misaligned']} ({elapsed:.2f}s)"
        )
        if args.show_errors and "no title" in name:
            kinds = Counter((k, w.lower()) for k, w, _ in errors)
            print("  most frequent errors:", kinds.most_common(60))
            for kind, word, ctx in errors[: args.show_errors]:
                print(f"  {kind} {word!r}: …{ctx!r}…")
    words = 0
    edits: Counter = Counter()
    examples = []
    for doc_id, title, body in docs:
        words += len(body.split())
        for edit in casing.find_edits(body, CleanContext(title=title)):
            if body[edit.start : edit.end] != edit.replacement:
                edits[edit.kind] += 1
                examples.append((doc_id[:8], body[max(0, edit.start - 30) : edit.end + 30], edit))
    total = sum(edits.values())
    print(
        f"clean text: {total} casing edits over {words} words = {total * 1e4 / words:.2f}/10k {dict(edits)}"
    )
    for example in examples[:20]:
        print("  ", example)


def pipeline_eval(baselines: bool, show_errors: int = 0, errors_for: str = "no title") -> None:
    """Score with C1's corruption (lowercase_like_pipeline) and word alignment (exact forms)."""
    from bench.cleanup.corrupt import Corrupted, lowercase_like_pipeline
    from bench.cleanup.evaluate import (
        RepairScore,
        _score_document,
        capitalise_sentence_starts,
        load_articles,
    )

    systems = {
        "casing (title)": lambda text, title: run_casing(text, title)[0],
        "casing (no title)": lambda text, title: run_casing(text, "")[0],
    }
    if baselines:
        systems = {
            "do nothing": lambda text, title: text,
            "sentence starts": lambda text, title: capitalise_sentence_starts(text),
            **systems,
        }

    def corrupted(body: str) -> Corrupted:
        # Only the lowercasing; every other record of C1's corruption stays empty.
        values: dict[str, object] = {"original": body, "text": lowercase_like_pipeline(body)}
        for f in fields(Corrupted):
            kind = str(f.type)
            empty = (
                () if "tuple" in kind else False if "bool" in kind else 0 if "int" in kind else None
            )
            values.setdefault(f.name, empty)
        return Corrupted(**values)

    corpus = [
        (a.title, corrupted(a.body))
        for a in load_articles(NEWS_DEV)
        if a.english  # as C1's harness: the casing repair is English-only
    ]
    for name, system in systems.items():
        score = RepairScore()
        started = time.perf_counter()
        for title, corrupted in corpus:
            _score_document(corrupted, system(corrupted.text, title), "", score)
        elapsed = time.perf_counter() - started
        for label, case in (("all", score.case_all), ("mid", score.case_mid)):
            p = case.tp / max(1, case.tp + case.fp)
            r = case.tp / max(1, case.tp + case.fn)
            print(f"{name:20} {label}: P={p:.4f} R={r:.4f} F1={case.f1:.4f} ({elapsed:.2f}s)")
        if show_errors and name == f"casing ({errors_for})":
            _print_pipeline_errors(corpus, system, show_errors)


def _print_pipeline_errors(corpus, system, limit: int) -> None:
    """Word-level FN/FP (expected vs got) with context, most frequent first."""
    from bench.cleanup.evaluate import _tokens as words

    errors: list[tuple[str, str, str, str]] = []
    for title, corrupted in corpus:
        original, output = corrupted.original, system(corrupted.text, title)
        gold, got = words(original), words(output)
        if len(gold) != len(got):
            continue
        for g, o in zip(gold, got, strict=True):
            expected, found = g.group(), o.group()
            if expected == found:
                continue
            if any(c.isupper() for c in expected) or any(c.isupper() for c in found):
                kind = "FP" if expected.islower() else "FN"
                ctx = original[max(0, g.start() - 40) : g.end() + 40].replace("\n", " / ")
                errors.append((kind, expected, found, ctx))
    kinds = Counter((k, e) for k, e, _, _ in errors)
    print("  errors:", Counter(k for k, *_ in errors))
    print("  most frequent:", kinds.most_common(80))
    for kind, expected, found, ctx in errors[:limit]:
        print(f"  {kind} {expected!r}->{found!r}: …{ctx}…")


if __name__ == "__main__":
    main()
