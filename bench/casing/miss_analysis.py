"""What the casing pass still misses on corrupted news-dev, and what fixing each kind would give.

    python -m bench.casing.miss_analysis [--title] [--show 30]

Runs the same corpus and word alignment as `bench.cleanup.evaluate` and sorts every capitalised
word of the original that the cleanup output gets wrong into one kind:
- "common word": the lowercase word is among the 30,000 most frequent ordinary English words
  (bot/data/casing_vocab.txt order) and the original has only its first letter capitalised —
  "Blue Origin", "Live Nation", "Range and Charging": only knowing the name tells it from prose;
- "rare/unknown word": a rarer word or one outside the vocabulary;
- "all caps" ("SPACE", "LED") and "mixed case" ("GiveWell" written "Givewell").
For each kind it prints the F1 the pass would reach if every miss of that kind (and the false
positive that a wrong form of the same word adds) were fixed, i.e. the ceiling left to rules that
cannot know names made of ordinary words.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from difflib import SequenceMatcher
from importlib import resources

from bench.cleanup.evaluate import _tokens, corrupted_corpus, load_articles

COMMON_RANK = 30_000


def _vocab_rank() -> dict[str, int]:
    lines = resources.files("bot").joinpath("data/casing_vocab.txt").read_text(encoding="utf-8")
    words = [w.strip() for w in lines.splitlines() if w.strip() and not w.startswith("#")]
    return {word: rank for rank, word in enumerate(words)}


def _kind(expected: str, got: str, rank: dict[str, int]) -> str:
    if len(expected) > 1 and expected.isupper():
        return "all caps"
    if any(c.isupper() for c in expected[1:]):
        return "mixed case"
    if got.lower() == expected.lower() and got[:1].isupper():
        return "other form"
    if rank.get(expected.lower(), COMMON_RANK) < COMMON_RANK:
        return "common word"
    return "rare/unknown word"


def main(argv: list[str] | None = None) -> int:
    """Print the misses by kind and the F1 ceiling each kind leaves."""
    from bot.clean import clean_text

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", action="store_true", help="clean with the page's cased title")
    parser.add_argument("--show", type=int, default=20, help="most frequent misses to list")
    args = parser.parse_args(argv)
    rank = _vocab_rank()
    tp = fp = 0
    misses: Counter[str] = Counter()
    false_positives: Counter[str] = Counter()
    examples: Counter[tuple[str, str, str]] = Counter()
    for article, corrupted in corrupted_corpus(load_articles()):
        output = clean_text(corrupted.text, title=article.title if args.title else "").text
        source, result = _tokens(corrupted.original), _tokens(output)
        matcher = SequenceMatcher(
            None,
            [t.group().lower() for t in source],
            [t.group().lower() for t in result],
            autojunk=False,
        )
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                expected = source[block.a + k].group()
                got = result[block.b + k].group()
                wrong = got != expected
                if any(c.isupper() for c in expected):
                    if not wrong:
                        tp += 1
                    else:
                        kind = _kind(expected, got, rank)
                        misses[kind] += 1
                        examples[(kind, expected, got)] += 1
                        if any(c.isupper() for c in got):
                            false_positives[kind] += 1  # a wrong form is also a false positive
                if wrong and any(c.isupper() for c in got) and expected.islower():
                    fp += 1
    fn = sum(misses.values())
    fp_all = fp + sum(false_positives.values())

    def f1(tp_: int, fp_: int, fn_: int) -> float:
        return 2 * tp_ / (2 * tp_ + fp_ + fn_)

    print(
        f"casing misses on corrupted news-dev ({'cased title' if args.title else 'no title'}): "
        f"F1 {f1(tp, fp_all, fn):.3f}, {tp} right, {fn} missed, {fp_all} false positives"
    )
    print(f"  {'kind':<18} {'missed':>7} {'share':>6}  F1 if all of this kind were fixed")
    for kind, count in misses.most_common():
        fixed = f1(tp + count, fp_all - false_positives[kind], fn - count)
        print(f"  {kind:<18} {count:7d} {count / fn:6.1%}  {fixed:.3f}")
    everything_but_common = misses["common word"]
    rest = fn - everything_but_common
    ceiling = f1(
        tp + rest,
        fp_all - (sum(false_positives.values()) - false_positives["common word"]),
        everything_but_common,
    )
    print(f"  every kind but 'common word' fixed: F1 {ceiling:.3f}")
    print("  most frequent misses (kind, original, output):")
    for (kind, expected, got), count in examples.most_common(args.show):
        print(f"    {count:4d}  {kind:<18} {expected!r} → {got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
