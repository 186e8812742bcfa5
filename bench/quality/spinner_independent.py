"""Spinner repair on lists it was not built from: coverage, and the ceiling of WordNet knowledge.

    python -m bench.quality.spinner_independent --wordnet DIR [--tortured CSV]

Test lists (never used to build anything):
- bench/cleanup/spinner_holdout.tsv: news spinner pairs written apart from the curated table;
- `--tortured`: the "tortured phrases" list of the Problematic Paper Screener (Cabanac, Labbé &
  Magazinov 2021), as collected in github.com/hahuyhoang411/tortured-phrase, data/tortured.csv
  (repository MIT; the list's own provenance is PubPeer/PPS, so it is read in place and not
  committed). Note: the curated bot/data/spinner_phrases.tsv names these lists among its
  sources, so its figure on them is NOT independent; the WordNet figures are.

For every multi-word pair (spun → original, same number of words) it reports the share that
- the curated table repairs (exact spun phrase with that original);
- WordNet could produce at all: every changed word is a WordNet synonym of the original word;
- also has a WordNet multi-word expression as the original (the "known collocation" condition);
- the WordNet candidate generator (bench/builders/spinner_wordnet.py) actually produces.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from bench.builders.spinner_wordnet import candidates, read_wordnet

HOLDOUT = Path(__file__).resolve().parents[1] / "cleanup" / "spinner_holdout.tsv"


def _holdout_pairs() -> list[tuple[str, str]]:
    pairs = []
    for line in HOLDOUT.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        original, spun = (field.strip().lower() for field in line.split("\t")[:2])
        pairs.append((spun, original))
    return pairs


def _tortured_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    with path.open(encoding="utf-8") as handle:
        for row in list(csv.reader(handle))[1:]:
            quoted = re.findall(r'"([^"]+)"', row[0])
            if not quoted or len(row) < 2:
                continue
            original = re.sub(r"\s*\(.*?\)", "", row[1]).strip().lower()
            pairs.append((quoted[0].lower(), original))
    return pairs


def report(name: str, pairs: list[tuple[str, str]], wordnet: Path | None) -> None:
    """Print the coverage figures for one list."""
    from bot.clean.spinner import load_spinner_table

    multi = [
        (s, o)
        for s, o in pairs
        if len(s.split()) >= 2
        and len(s.split()) == len(o.split())
        and re.fullmatch(r"[a-z' -]+", o)
        and s != o
    ]
    curated = {(e.spun, e.original.lower()) for e in load_spinner_table()}
    print(f"{name}: {len(multi)} multi-word pairs")
    print(f"  curated table repairs:            {_share(sum(p in curated for p in multi), multi)}")
    if wordnet is None:
        return
    synonyms, expressions, attested = read_wordnet(wordnet)
    generated = candidates(synonyms, expressions, attested)
    possible = [
        (s, o)
        for s, o in multi
        if all(
            a == b or a in synonyms.get(b, ()) for a, b in zip(s.split(), o.split(), strict=True)
        )
    ]
    collocation = [(s, o) for s, o in possible if o in expressions]
    made = sum(generated.get(s) == o for s, o in multi)
    print(f"  WordNet synonyms could produce:   {_share(len(possible), multi)}")
    print(f"  ... with a WordNet original:      {_share(len(collocation), multi)}")
    print(f"  WordNet generator produces:       {_share(made, multi)}")


def _share(count: int, of: list[object]) -> str:
    return f"{count:5d} = {100 * count / max(len(of), 1):5.1f}%"


def main(argv: list[str] | None = None) -> int:
    """Print the figures for each available list."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, help="WordNet 3.0 dict directory (see builder)")
    parser.add_argument("--tortured", type=Path, help="tortured.csv (see the module docstring)")
    args = parser.parse_args(argv)
    report("news held-out list (spinner_holdout.tsv)", _holdout_pairs(), args.wordnet)
    if args.tortured is not None and args.tortured.exists():
        report("tortured phrases (PPS)", _tortured_pairs(args.tortured), args.wordnet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
