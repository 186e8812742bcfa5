"""Pure digest selection: group a chat's articles into entries, merging near-duplicate stories.

Two articles are one story when they have the same content hash, when their titles are nearly the
same (rapidfuzz), when the fingerprints of their cleaned texts (MinHash, bot.clean.fingerprint)
say they are copies of one article, or when their texts share enough word 3-shingles (more for
two pages of the same site, which share boilerplate). When both articles carry a fingerprint,
their summaries alone never merge them: two different stories summarised in one LLM template
read alike, so a summary match also needs the texts to share some shingles. Shingles survive spinning
partially (a synonym swap breaks only the three shingles around it), so a spun copy of an article
still overlaps its source far more than two different stories on the same topic do; the
thresholds below were measured on news-dev (see tests/digests/test_selection.py).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from bot.clean.fingerprint import similarity
from bot.digests.filters import ChatFilter
from bot.storage.digests import DigestArticle

SHINGLE = 3
# Containment of word 3-shingles. Measured on news-dev: the same story from two sites overlaps
# 0.137-0.196, unrelated articles of different sites at most 0.067, spun copies at least 0.66.
# Two different posts of one site share navigation/boilerplate (up to 0.204), hence a higher bar.
TEXT_THRESHOLD = 0.12
SAME_SITE_TEXT_THRESHOLD = 0.3
TITLE_THRESHOLD = 90.0  # rapidfuzz token_sort_ratio on normalised titles
MIN_TITLE_WORDS = 5  # shorter titles ("Live updates") say too little to merge on
MIN_SHINGLES = 8  # texts shorter than this are not compared by shingles
# Estimated Jaccard of two fingerprints. Tuned on news-dev pairs (bench/quality/digest_merge.py):
# copies of one article (spun, re-extracted, syndicated) >= 0.2, different stories <= 0.12.
COPY_THRESHOLD = 0.3
# A summary match between fingerprinted articles of two sites also needs this much text likeness:
# the same story told by two outlets shares names and quotes (0.04-0.14 on news-dev), two stories
# summarised in one template need not.
STORY_THRESHOLD = 0.03

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Source:
    """Where one copy of a story came from."""

    url: str
    site: str
    title: str


@dataclass(slots=True)
class Entry:
    """One story in a digest: a title, its key statements and every source that carried it."""

    title: str
    url: str
    summary: str
    sources: list[Source] = field(default_factory=list)
    latest: datetime | None = None  # when the newest copy arrived
    shared: bool = False  # the chat itself shared a copy (not only its feeds)

    @property
    def coverage(self) -> int:
        """How many distinct sites carried the story."""
        return len({s.site for s in self.sources}) or 1


@dataclass(slots=True)
class Selection:
    """What a digest shows: ranked entries, and what it left out."""

    entries: list[Entry]
    more: int = 0  # stories beyond the limit
    filtered: int = 0  # articles the chat's filters dropped


def words(text: str) -> list[str]:
    """Lowercased word tokens (casing damage from content farms must not matter)."""
    return _WORD.findall(text.lower())


def shingles(text: str, k: int = SHINGLE) -> frozenset[int]:
    """Hashed word k-shingles of a text."""
    tokens = words(text)
    if len(tokens) < k:
        return frozenset({zlib.crc32(" ".join(tokens).encode())}) if tokens else frozenset()
    return frozenset(
        zlib.crc32(" ".join(tokens[i : i + k]).encode()) for i in range(len(tokens) - k + 1)
    )


def overlap(a: frozenset[int], b: frozenset[int]) -> float:
    """Containment of the smaller shingle set in the larger (robust to one text being a digest)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def same_title(a: str, b: str) -> bool:
    """True when two titles name the same story (ignoring case and word order)."""
    wa, wb = words(a), words(b)
    if len(wa) < MIN_TITLE_WORDS or len(wb) < MIN_TITLE_WORDS:
        return False
    return fuzz.token_sort_ratio(" ".join(wa), " ".join(wb)) >= TITLE_THRESHOLD


def site_of(url: str, site: str = "") -> str:
    """A short source name: the site name when known, else the host without 'www.'."""
    if site:
        return site
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def group_articles(
    articles: Sequence[DigestArticle], texts: Sequence[str] | None = None
) -> list[Entry]:
    """Merge near-duplicates; entries keep the order of each story's first appearance.

    `texts` (same order as `articles`) are what is compared by shingles; by default each
    article's summary.
    """
    compare = list(texts) if texts is not None else [a.summary for a in articles]
    sets = [shingles(t) for t in compare]
    hosts = [site_of(a.url) for a in articles]

    def score(i: int, j: int) -> float:
        # > 0 when i and j are the same story; larger = surer (used to merge surest pairs first).
        a, b = articles[i], articles[j]
        if same_title(a.title, b.title):
            return 2.0
        both = bool(a.fingerprint) and bool(b.fingerprint)
        likeness = similarity(a.fingerprint, b.fingerprint) if both else 0.0
        if likeness >= COPY_THRESHOLD:
            return 1.0 + likeness
        if len(sets[i]) < MIN_SHINGLES or len(sets[j]) < MIN_SHINGLES:
            return 0.0
        same_site = hosts[i] and hosts[i] == hosts[j]
        # Fingerprinted pages of one site share its boilerplate, and a second page of the same
        # site adds no coverage: only a copy (above) merges them.
        if both and (same_site or likeness < STORY_THRESHOLD):
            return 0.0
        value = overlap(sets[i], sets[j])
        return (
            value if value >= (SAME_SITE_TEXT_THRESHOLD if same_site else TEXT_THRESHOLD) else 0.0
        )

    # Identical content is one node from the start; a node matches another when any of their
    # articles do.
    node_of: list[int] = []
    nodes: list[list[int]] = []
    by_hash: dict[str, int] = {}
    for i, article in enumerate(articles):
        key = article.content_hash
        if key and key in by_hash:
            node_of.append(by_hash[key])
            nodes[by_hash[key]].append(i)
            continue
        if key:
            by_hash[key] = len(nodes)
        node_of.append(len(nodes))
        nodes.append([i])
    m = len(nodes)
    pairs = []
    for x in range(m):
        for y in range(x + 1, m):
            best = max(score(i, j) for i in nodes[x] for j in nodes[y])
            if best > 0:
                pairs.append((best, x, y))
    pairs.sort(reverse=True)
    linked = {(x, y) for _, x, y in pairs}
    cluster = list(range(m))  # cluster id of each node (its smallest member)
    members: dict[int, list[int]] = {x: [x] for x in range(m)}
    for _, x, y in pairs:
        a, b = cluster[x], cluster[y]
        if a == b:
            continue
        # Complete linkage: every member must match every other, so one page that resembles two
        # different stories (shared site boilerplate) cannot chain them into one entry.
        if all((min(p, q), max(p, q)) in linked for p in members[a] for q in members[b]):
            keep, drop = min(a, b), max(a, b)
            for z in members[drop]:
                cluster[z] = keep
            members[keep].extend(members.pop(drop))

    def find(i: int) -> int:
        return cluster[node_of[i]]

    entries: dict[int, Entry] = {}
    for i, article in enumerate(articles):
        root = find(i)
        entry = entries.get(root)
        if entry is None:
            entry = entries[root] = Entry(
                title=article.title or _first_words(article.summary) or site_of(article.url),
                url=article.url,
                summary=article.summary,
            )
        elif not entry.summary and article.summary:
            entry.summary = article.summary
        if entry.latest is None or article.created_at > entry.latest:
            entry.latest = article.created_at
        entry.shared = entry.shared or article.origin != "feed"
        source = Source(article.url, site_of(article.url, article.site), article.title)
        if all(s.url != source.url for s in entry.sources):
            entry.sources.append(source)
    return list(entries.values())


def rank(entries: Sequence[Entry]) -> list[Entry]:
    """Stories carried by more distinct sites first; ties: shared by the chat itself, then newest.

    Stable, so entries equal on all three keep their first-appearance order.
    """

    def key(entry: Entry) -> tuple[int, bool, float]:
        latest = entry.latest.timestamp() if entry.latest else float("-inf")
        return (-entry.coverage, not entry.shared, -latest)

    return sorted(entries, key=key)


def select(
    articles: Sequence[DigestArticle],
    *,
    chat_filter: ChatFilter | None = None,
    limit: int | None = None,
) -> Selection:
    """Filter the chat's articles, merge copies of one story, rank, and keep the first `limit`."""
    kept, filtered = chat_filter.apply(articles) if chat_filter else (list(articles), 0)
    ranked = rank(group_articles(kept))
    if limit is not None and limit > 0 and len(ranked) > limit:
        return Selection(ranked[:limit], more=len(ranked) - limit, filtered=filtered)
    return Selection(ranked, filtered=filtered)


def _first_words(text: str, limit: int = 12) -> str:
    tokens = text.split()
    if not tokens:
        return ""
    head = " ".join(tokens[:limit])
    return head + ("…" if len(tokens) > limit else "")
