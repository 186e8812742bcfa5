"""Speed of digest filtering and ranking for one chat: 2,000 candidate items, 50 terms.

    python -m bench.digest_filters [--items 2000] [--repeat 20]

Items carry a title and a cleaned text (news-dev bodies when NEWS_DEV_CORPUS is there, else
generated text), as the digest reads them from the database (texts capped at 20,000 characters).
The chat's 50 terms mix words, phrases, emoji, right-to-left text and regex syntax. Timed apart:
building the chat's automaton, filtering every item, ranking the entries, and — for reference,
not part of the target — grouping copies of one story (pairwise, so it grows with n²).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bench.cleanup.evaluate import NEWS_DEV
from bot.digests.filters import ChatFilter
from bot.digests.selection import Entry, Source, group_articles, rank
from bot.storage.articles import MAX_STORED_TEXT, filter_text
from bot.storage.digests import DigestArticle
from bot.storage.filters import FilterRow

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TERMS = [
    "football", "tennis", "climate change", "interest rates", "🚀", "שלום", "(a|b)*", "c++",
    "elections", "transfer rumours", "sponsored", "advertisement", "nasa", "europa", "taylor swift",
    "budget", "minister", "strike", "court ruling", "ai", "vaccine", "oil price", "inflation",
    "merger", "earnings", "wildfire", "flood", "earthquake", "olympics", "world cup", "bitcoin",
    "crypto", "startup", "layoffs", "recall", "lawsuit", "privacy", "apple", "google", "microsoft",
    "amazon", "tesla", "spacex", "boeing", "airbus", "united nations", "nato", "brexit", "tariffs",
    "heatwave",
]  # fmt: skip


def _texts() -> list[str]:
    path = NEWS_DEV / "ground-truth.json"
    if path.exists():
        truth = json.loads(path.read_text(encoding="utf-8"))
        return [v["articleBody"] for v in truth.values()]
    rng = random.Random(1)
    words = "the minister said on tuesday that council budget vote river bridge would go".split()
    return [" ".join(rng.choice(words) for _ in range(800)) for _ in range(100)]


def items(n: int) -> list[DigestArticle]:
    """n candidate items: titles, texts, a few sites, some shared by the chat."""
    texts = _texts()
    # Tokenised once when stored, as the bot does (not part of the digest's time).
    prepared = [filter_text(t[:MAX_STORED_TEXT]) for t in texts]
    rng = random.Random(7)
    return [
        DigestArticle(
            i,
            f"https://site{i % 40}.example/{i}",
            f"Story {i}: {' '.join(texts[i % len(texts)].split()[:8])}",
            f"site{i % 40}.example",
            f"h{i}",
            "",
            T0 + timedelta(minutes=i),
            origin="message" if rng.random() < 0.1 else "feed",
            feed_id=i % 25 + 1,
            text=prepared[i % len(texts)],
        )
        for i in range(n)
    ]


def entries(n: int) -> list[Entry]:
    """n grouped entries with 1-8 sources each."""
    rng = random.Random(3)
    out = []
    for i in range(n):
        sources = [
            Source(f"https://s{k}.example/{i}", f"s{k}.example", "")
            for k in range(rng.randint(1, 8))
        ]
        out.append(
            Entry(f"t{i}", f"https://x/{i}", "", sources, T0 + timedelta(minutes=i), i % 9 == 0)
        )
    return out


CPU: list[float] = []  # CPU time of each _time call, in ms (shared machines inflate wall time)


def _time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    runs, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU.append(statistics.median(cpu) * 1000)
    return statistics.median(runs) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    candidates = items(args.items)
    rows = [FilterRow("include" if i % 3 == 0 else "exclude", t, 0) for i, t in enumerate(TERMS)]
    chars = sum(len(a.title) + len(a.text) for a in candidates)
    built = _time(lambda: ChatFilter(rows), args.repeat)
    chat_filter = ChatFilter(rows)
    kept, dropped = chat_filter.apply(candidates)
    filtering = _time(lambda: chat_filter.apply(candidates), args.repeat)
    grouped = entries(args.items)
    ranking = _time(lambda: rank(grouped), args.repeat)
    cpu_built, cpu_filtering, cpu_ranking = CPU[-3:]
    print(
        f"{args.items} items, {chars / 1e6:.1f} M characters, {len(rows)} terms (median wall / CPU)"
    )
    print(f"  build automaton   {built:8.2f} / {cpu_built:6.2f} ms")
    print(
        f"  filter            {filtering:8.2f} / {cpu_filtering:6.2f} ms"
        f"  ({len(kept)} kept, {dropped} filtered out)"
    )
    print(f"  rank entries      {ranking:8.2f} / {cpu_ranking:6.2f} ms")
    total, total_cpu = built + filtering + ranking, cpu_built + cpu_filtering + cpu_ranking
    print(f"  filter + rank     {total:8.2f} / {total_cpu:6.2f} ms  (target <= 50 ms)")
    # The same items with only the first 600 characters of text (a summary's length).
    short = [replace(a, text=a.text[:600]) for a in candidates]
    short_ms = _time(lambda: chat_filter.apply(short), args.repeat)
    print(f"  filter, 600-character texts {short_ms:8.2f} / {CPU[-1]:6.2f} ms")
    sample = kept[:200]
    grouping = _time(lambda: group_articles(sample), 3)
    print(f"  (reference) group 200 kept items {grouping:.0f} ms; grows with n²")
    return 0


if __name__ == "__main__":
    sys.exit(main())
