"""Digest merge quality: does the digest merge copies of one article, and only those?

    python -m bench.quality.digest_merge            # tuning and held-out figures
    python -m bench.quality.digest_merge --sweep    # also the threshold sweep on the tuning part

Pairs are built from news-dev (NEWS_DEV_CORPUS, default ../shared/corpora/news-dev); every text
goes through the cleanup stage first, as the pipeline does before it fingerprints an article.

Positives (the same article twice):
- spun: the article vs the corruption generator's copy (bench/cleanup/corrupt.py: spinner
  synonyms, lowercasing, glued quotes, comment-form and related-post boilerplate);
- extracted: the ground-truth body vs our own extraction of the stored HTML page;
- syndicated: vs a wire copy (credit line, tail cut by 10-30%, agency footer);
- spun syndicated: a spun copy of that wire copy.
Negatives (different stories):
- same site: two different stories of one site (news-dev has two per site);
- other: every other pair of different stories (the four same-story pairs of different
  outlets are left out of both sides and reported apart).
Every pair carries LLM-template-like summaries: the two copies of one article are summarised from
different sentences in different templates, two different stories in ONE template. That is the
failure the fingerprints are for: summaries alone merge templates and miss re-worded copies.

The decision scored is the digest's own: `group_articles([a, b])` puts both in one entry. Articles
are split by a hash of their id; a quarter is held out and was not looked at while choosing the
thresholds in bot/digests/selection.py.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bench.cleanup.corrupt import corrupt
from bench.cleanup.evaluate import NEWS_DEV, load_articles
from bot.clean import clean_text
from bot.clean.fingerprint import fingerprint, similarity
from bot.digests.selection import COPY_THRESHOLD, group_articles
from bot.ingest.html import extract_document
from bot.storage.digests import DigestArticle

T0 = datetime(2025, 1, 1, tzinfo=UTC)
# The same stories carried by two outlets in news-dev (read by hand): URL fragments of each pair.
# The first four are tests/digests/test_selection.py's; the NASA lander pair was found by this
# bench (a "false" merge that was right) and confirmed by reading both (CLPS, 18 Nov 2019).
SAME_STORY = [
    ("bbc.com/news/newsbeat-50470672", "scooter-braun-frustrated"),
    ("doobie-brothers-reunite", "doobie-brothers-michael-mcdonald"),
    ("nasa-finds-water-plumes", "europa-water-vapor-confirmed"),
    ("feather-duvet-lung/", "livescience.com/feather-duvet-lung"),
    ("nasas-commercial-moon-shot", "nasa-picks-spacex-blue-origin"),
]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")

# Two summary templates as LLMs write them: fixed scaffolding around a few of the article's words.
TEMPLATE_A = (
    "**Key points**\n"
    "- The article reports that {0}\n"
    "- According to the report, officials said the situation is still developing and that more "
    "details are expected in the coming days.\n"
    "- The article also notes that {1}\n"
    "- Overall, the piece highlights the importance of the issue and its impact on the people "
    "involved."
)
TEMPLATE_B = (
    "Summary:\n"
    "* {0}\n"
    "* {1}\n"
    "* Experts quoted in the piece say it is too early to tell what the long-term consequences "
    "will be.\n"
    "* The story is expected to continue to unfold."
)


PLAIN = "- {0}\n- {1}"


def held_out(article_id: str) -> bool:
    """A fixed quarter of the articles, by a hash of the id."""
    return int(hashlib.sha256(article_id.encode()).hexdigest()[:8], 16) % 4 == 0


def sentences(text: str) -> list[str]:
    """Sentences of a text (a naive splitter is enough for template fillers)."""
    out = [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if len(s.split()) >= 5]
    return out or [" ".join(text.split()[:30])]


def summary(text: str, template: str, offset: int) -> str:
    """A template summary filled with two of the text's sentences (from `offset` on)."""
    found = sentences(text)
    picks = [found[(offset + k) % len(found)][:220] for k in range(2)]
    return template.format(*picks)


def syndicate(text: str, seed: int) -> str:
    """A wire copy: credit line, the tail cut by 10-30%, an agency footer."""
    rng = random.Random(seed)
    paragraphs = [p for p in text.split("\n") if p.strip()]
    if len(paragraphs) > 3:
        paragraphs = paragraphs[: max(2, round(len(paragraphs) * rng.uniform(0.7, 0.9)))]
    return "\n".join(
        [
            "(Wire) —",
            *paragraphs,
            "Reporting by staff writers; editing by the news desk.",
            "Our standards: the trust principles.",
        ]
    )


@dataclass(frozen=True)
class Pair:
    kind: str  # positive or negative kind
    positive: bool
    held_out: bool
    a: DigestArticle
    b: DigestArticle
    plain: tuple[str, str] = ("", "")  # the same summaries without the template scaffolding


def _article(i: int, url: str, text: str, summary_text: str) -> DigestArticle:
    return DigestArticle(
        i, url, "", "", f"h{i}", summary_text, T0, fingerprint=fingerprint(text), text=text
    )


def build_pairs() -> list[Pair]:
    """Every positive and negative pair described in the module docstring."""
    truth = json.loads((NEWS_DEV / "ground-truth.json").read_text(encoding="utf-8"))
    articles = load_articles()
    titles = tuple(a.title for a in articles if a.title)
    cleaned: list[DigestArticle] = []
    pairs: list[Pair] = []
    counter = itertools.count(10_000)
    for index, art in enumerate(articles):
        url = truth[art.id]["url"]
        text = clean_text(art.body, title=art.title).text
        mine = _article(index, url, text, summary(text, TEMPLATE_A, 0))
        cleaned.append(mine)
        out = held_out(art.id)
        copies: dict[str, str] = {}
        spun = corrupt(art.body, index, related_titles=titles[index % 7 :: 7][:6]).text
        copies["spun"] = clean_text(spun).text
        page = NEWS_DEV / "html" / f"{art.id}.html.gz"
        if page.exists():
            html = gzip.decompress(page.read_bytes()).decode("utf-8", errors="replace")
            try:
                copies["extracted"] = clean_text(extract_document(html, url=url).text).text
            except Exception:  # an extraction failure is a missed copy, not a crash
                copies["extracted"] = ""
        wire = syndicate(art.body, index)
        copies["syndicated"] = clean_text(wire).text
        copies["spun syndicated"] = clean_text(corrupt(wire, index + 1).text).text
        for kind, copy in copies.items():
            other = _article(
                next(counter), f"https://copy.example/{index}/{kind}", copy,
                summary(copy, TEMPLATE_B, 2),
            )  # fmt: skip
            plain = (summary(text, PLAIN, 0), summary(copy, PLAIN, 2))
            pairs.append(Pair(kind, True, out, mine, other, plain))
    hosts = [a.url.split("/")[2] for a in cleaned]
    for i, j in itertools.combinations(range(len(cleaned)), 2):
        out_i, out_j = held_out(articles[i].id), held_out(articles[j].id)
        if out_i != out_j:
            continue  # a pair never straddles the split
        if any(
            (x in cleaned[i].url and y in cleaned[j].url)
            or (y in cleaned[i].url and x in cleaned[j].url)
            for x, y in SAME_STORY
        ):
            kind = "same story, two outlets"
        else:
            kind = "same site" if hosts[i] == hosts[j] else "other"
        # Both different stories summarised in ONE template.
        b = replace(cleaned[j], summary=summary(cleaned[j].text, TEMPLATE_A, 0))
        plain = (summary(cleaned[i].text, PLAIN, 0), summary(cleaned[j].text, PLAIN, 0))
        positive = kind not in ("same site", "other")
        pairs.append(Pair(kind, positive, out_i, cleaned[i], b, plain))
    return pairs


def merged(pair: Pair, *, fingerprints: bool, template: bool = True) -> bool:
    """The digest's decision: do the two land in one entry?"""
    a, b = pair.a, pair.b
    if not template:
        a, b = replace(a, summary=pair.plain[0]), replace(b, summary=pair.plain[1])
    if not fingerprints:  # the old way: summaries only
        a, b = replace(a, fingerprint=b""), replace(b, fingerprint=b"")
    return len(group_articles([a, b])) == 1


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, positive: bool, predicted: bool) -> None:
        if positive and predicted:
            self.tp += 1
        elif positive:
            self.fn += 1
        elif predicted:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(
    pairs: Iterable[Pair], *, fingerprints: bool, template: bool = True
) -> tuple[Score, dict[str, Score]]:
    """Overall and per-kind scores (the same-story-two-outlets pairs are scored apart)."""
    total = Score()
    kinds: dict[str, Score] = defaultdict(Score)
    for pair in pairs:
        decision = merged(pair, fingerprints=fingerprints, template=template)
        kinds[pair.kind].add(pair.positive, decision)
        if pair.kind != "same story, two outlets":
            total.add(pair.positive, decision)
    return total, dict(kinds)


def sweep(pairs: list[Pair]) -> None:
    """Fingerprint similarity alone at several thresholds (tuning pairs only)."""
    scored = [
        (similarity(p.a.fingerprint, p.b.fingerprint), p.positive)
        for p in pairs
        if not p.held_out and p.kind != "same story, two outlets"
    ]
    positives = sorted(s for s, pos in scored if pos)
    negatives = sorted(s for s, pos in scored if not pos)
    print(f"tuning: lowest positive similarities {[round(s, 3) for s in positives[:5]]}")
    print(f"tuning: highest negative similarities {[round(s, 3) for s in negatives[-5:]]}")
    for threshold in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        score = Score()
        for value, positive in scored:
            score.add(positive, value >= threshold)
        print(f"  threshold {threshold:.2f}: P {score.precision:.4f} R {score.recall:.4f}")


def _line(name: str, score: Score) -> str:
    return (
        f"{name:<38} P {score.precision:.4f}  R {score.recall:.4f}  "
        f"(tp {score.tp}, fp {score.fp}, fn {score.fn}, tn {score.tn})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="threshold sweep on the tuning part")
    args = parser.parse_args(argv)
    if not (NEWS_DEV / "ground-truth.json").exists():
        print(f"news-dev corpus not found at {NEWS_DEV}; set NEWS_DEV_CORPUS", file=sys.stderr)
        return 2
    pairs = build_pairs()
    if args.sweep:
        sweep(pairs)
    print(f"copy threshold {COPY_THRESHOLD} (bot/digests/selection.py)")
    for part, chosen in (("tuning", False), ("held-out", True)):
        subset = [p for p in pairs if p.held_out is chosen]
        methods = (
            ("plain summaries, before", False, False),
            ("template summaries, before", False, True),
            ("plain summaries, now", True, False),
            ("template summaries, now", True, True),
        )
        for method, flag, template in methods:
            total, kinds = evaluate(subset, fingerprints=flag, template=template)
            print(_line(f"{part}: {method}", total))
            for kind in sorted(kinds):
                score = kinds[kind]
                merged_count = score.tp + score.fp
                size = score.tp + score.fp + score.fn + score.tn
                print(f"    {kind:<26} merged {merged_count}/{size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
