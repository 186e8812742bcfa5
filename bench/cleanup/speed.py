"""Cleanup speed: median time for a 1,000-word article, throughput, first-call load, memory.

    python -m bench.cleanup.speed [--rounds 5]

Runs on one core (the process is pinned to CPU 0 where the OS allows it). Articles are the
news-dev English bodies cut into 1,000-word pieces, both as published (clean) and corrupted by
`bench.cleanup.corrupt` (what the stage really has to repair). Targets: median ≤ 10 ms per
1,000 words, throughput ≥ 1 MB/s.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import time
import timeit
import zlib
from pathlib import Path

from bench.cleanup.corrupt import corrupt
from bench.cleanup.evaluate import NEWS_DEV, load_articles

WORDS = 1000


def pieces(texts: list[str], words: int = WORDS) -> list[str]:
    """Concatenate `texts` and cut the result into pieces of exactly `words` words."""
    joined = "\n\n".join(texts)
    starts = [m.start() for m in re.finditer(r"\S+", joined)]
    return [
        joined[starts[i] : starts[i + words] if i + words < len(starts) else len(joined)].strip()
        for i in range(0, len(starts) - words + 1, words)
    ]


def per_pass(chunks: list[str]) -> dict[str, float]:
    """Median milliseconds each pass takes on a piece (run as `clean_text` runs them)."""
    from bot.clean import CleanContext, _passes
    from bot.clean.edits import apply_edits

    timings: dict[str, list[float]] = {}
    for chunk in chunks:
        context = CleanContext()
        for find_edits, _ in _passes():
            name = f"{find_edits.__module__.rsplit('.', 1)[-1]}.{find_edits.__name__}"
            t0 = time.perf_counter()
            chunk, _ = apply_edits(chunk, find_edits(chunk, context))
            timings.setdefault(name, []).append(time.perf_counter() - t0)
    return {name: 1000 * statistics.median(values) for name, values in timings.items()}


def main(argv: list[str] | None = None) -> int:
    """Print the speed figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over all pieces")
    parser.add_argument("--corpus", type=Path, default=NEWS_DEV)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    from bot.clean import clean_text

    clean_text("Warm up: the u. S. Secretary of country said so.”it loads every table.")
    first_call = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    articles = [a for a in load_articles(args.corpus) if a.english]
    bodies = [a.body for a in articles]
    spun = [corrupt(a.body, zlib.crc32(a.id.encode())).text for a in articles]
    print(
        f"cleanup speed, one core, {args.rounds} rounds; first call (imports + tables) "
        f"{1000 * first_call:.0f} ms; max RSS {rss_before / 1024:.0f} MB before import, "
        f"{rss_after / 1024:.0f} MB after"
    )
    for name, texts in (("clean", bodies), ("corrupted", spun)):
        chunks = pieces(texts)
        timings: list[float] = []
        total = 0.0
        for _ in range(args.rounds):
            for chunk in chunks:
                t0 = time.perf_counter()
                clean_text(chunk)
                elapsed = time.perf_counter() - t0
                timings.append(elapsed)
                total += elapsed
        size = args.rounds * sum(len(c.encode("utf-8")) for c in chunks)
        print(
            f"  {name:<9} {len(chunks)} pieces of {WORDS} words: median "
            f"{1000 * statistics.median(timings):.2f} ms, p90 "
            f"{1000 * statistics.quantiles(timings, n=10)[-1]:.2f} ms, "
            f"throughput {size / total / 1e6:.2f} MB/s"
        )
    print("  median ms per 1,000 words by pass (corrupted pieces):")
    print("    " + ", ".join(f"{name} {ms:.2f}" for name, ms in per_pass(pieces(spun)).items()))
    whole = "\n\n".join(spun)
    t0 = time.perf_counter()
    clean_text(whole)
    elapsed = time.perf_counter() - t0
    print(
        f"  whole corrupted corpus as one text ({len(whole.encode('utf-8')) / 1e6:.2f} MB): "
        f"{elapsed:.2f} s, {len(whole.encode('utf-8')) / elapsed / 1e6:.2f} MB/s"
    )
    print(
        f"  max RSS at the end: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    # The same code runs 2-3x apart on different (shared) machines: this line lets figures from
    # two machines be compared.
    calibration = min(timeit.repeat("sum(range(10**6))", number=5, repeat=5)) / 5
    print(f"  machine: sum(range(10**6)) takes {calibration * 1000:.1f} ms on this core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
