"""Summary quality on summaries-dev: the offline summariser against Lead-3, TextRank and LexRank.

    .venv/bin/python -m bench.summary_quality [--split tune|held-out|all|each] [--length short]
                                              [--llm] [--json] [--show N]

Corpus: SUMMARIES_DEV_CORPUS (a folder or the .jsonl file), else ../shared/corpora/summaries-dev.
Each article goes through the bot's cleanup (`clean_text`) and then the summariser, as a text sent
to the bot would; the baselines read the article as given.

Scores: ROUGE-1/2/Lsum F1 from the `rouge-score` package (Porter stemmer on), averaged over the
11 human references of each article, then over articles (x100). ROUGE-Lsum puts one sentence a
line: a bullet per line for our summaries, the simple regex split below for baselines and
references. Also: median words per summary, quotes verified against the cleaned article
(bot.summarise.quotes), caption run-ins (see `caption_runins`) and summaries per second: per
second of CPU time of the summariser alone (one thread, so one core), which a shared machine's
load does not change much; the LLM's figure is wall-clock time, as it mostly waits.

Held-out split: 30 % of the articles by a hash of the id (`split_of`), left alone while tuning.
`--llm` adds the LLM summariser, configured from the environment like the bot (OPENAI_API_KEY,
OPENAI_BASE_URL, OPENAI_MODEL); it is never needed by the tests.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from testsupport.summary_eval import (
    CORPUS,
    Output,
    Scores,
    evaluate,
    lead_system,
    llm_system,
    load_corpus,
    offline_system,
    split_of,
    sumy_system,
)


def print_table(title: str, results: dict[str, Scores]) -> None:
    """A Markdown table of the figures."""
    print(f"\n### {title}\n")
    print(
        "| system | R-1 | R-2 | R-Lsum | median words | quotes verified | caption run-ins "
        "| bullets > 220 chars | summaries/s (CPU) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, scores in results.items():
        row = scores.row(name)
        quotes = (
            f"{row['quotes_verified']}/{row['quotes']}"
            if name in ("offline", "llm") and row["quotes"]
            else ("0/0" if name in ("offline", "llm") else "–")
        )
        print(
            f"| {name} | {row['rouge1']:.2f} | {row['rouge2']:.2f} | {row['rougeLsum']:.2f} "
            f"| {row['median_words']:g} | {quotes} | {row['caption_runins']} "
            f"| {row['bullets_over_220']} | {row['per_second']:,.0f} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.summary_quality", description=__doc__)
    parser.add_argument("--split", choices=("tune", "held-out", "all", "each"), default="each")
    parser.add_argument("--length", choices=("short", "medium", "long"), default="short")
    parser.add_argument("--llm", action="store_true", help="also run the LLM from the environment")
    parser.add_argument("--no-baselines", action="store_true", help="only the offline summariser")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--show", type=int, default=0, help="print the first N offline summaries")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"summaries-dev corpus not found at {args.corpus} (set SUMMARIES_DEV_CORPUS)")
        return 2
    rows = load_corpus(args.corpus)
    if args.limit:
        rows = rows[: args.limit]
    systems: dict[str, Callable[[dict[str, object]], Output]] = {
        "offline": offline_system(args.length)
    }
    if not args.no_baselines:
        systems["lead-3"] = lead_system()
        systems["textrank"] = sumy_system("textrank")
        systems["lexrank"] = sumy_system("lexrank")
    if args.llm:
        systems["llm"] = llm_system(args.length)
    splits = ["tune", "held-out", "all"] if args.split == "each" else [args.split]
    # Each article is summarised once; the split tables are cut from the same per-article scores.
    chosen = [
        r for r in rows if args.split in ("all", "each") or split_of(str(r["id"])) == args.split
    ]
    per_article = evaluate(chosen, systems, show=args.show)
    figures: dict[str, dict[str, object]] = {}
    for split in splits:
        keep = [
            i for i, r in enumerate(chosen) if split == "all" or split_of(str(r["id"])) == split
        ]
        results = {name: scores.subset(keep) for name, scores in per_article.items()}
        figures[split] = {name: s.row(name) for name, s in results.items()}
        if not args.json:
            print_table(
                f"summaries-dev, {split} ({len(keep)} articles), length={args.length}", results
            )
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
