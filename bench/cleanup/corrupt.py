"""Corruption generator: turns clean article text into what a content farm publishes.

It imitates the pipeline behind `examples/spun-article.txt`, step by step:
1. spinner: phrases replaced by "synonyms" (from the repairer's table inverted, AND from an
   independently written list, `spinner_holdout.tsv`, so the score is not a mirror of the table);
2. dotted acronyms broken ("U.S." → "U. S."), as a naive sentence splitter does;
3. EVERYTHING lowercased, then only naive sentence starts (after ". ", "! ", "? " and at paragraph
   starts) capitalised, so "u. S. Secretary" and "“we" come out exactly as in the example;
4. the space after a closing quote dropped at a realistic rate ("country.”for");
5. comment-form / share / related-post boilerplate appended (sometimes glued to the last line).

Deterministic for a given seed. Returns what was done so the evaluation can score each repair.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent

SPIN_RATE = 0.6  # share of eligible phrase occurrences a spinner replaces
QUOTE_GLUE_RATE = 0.5  # share of "” word" boundaries that lose their space
GLUED_FORM_RATE = 0.25  # share of documents whose comment form is glued to the last paragraph

_WORD_RE = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
_ACRONYM_RE = re.compile(r"\b([A-Za-z])\.([A-Za-z])\.(?:([A-Za-z])\.)?")
_SENTENCE_START_RE = re.compile(r"(?:^|(?<=\n)|(?<=[.!?] ))([^\W\d_])")
_QUOTE_SPACE_RE = re.compile(r"(?<=”) (?=[^\W\d_])")

# Comment forms as WordPress themes print them (several themes' wording), one list per variant.
COMMENT_FORMS: tuple[tuple[str, ...], ...] = (
    ("Leave a Reply", "Your email address will not be published."),
    (
        "Leave a Reply Cancel reply",
        "Your email address will not be published. Required fields are marked *",
        "Comment *",
        "Name *",
        "Email *",
        "Website",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Δ",
    ),
    (
        "Leave a Comment",
        "You must be logged in to post a comment.",
    ),
    (
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
        "Notify me of follow-up comments by email.",
        "Notify me of new posts by email.",
        "This site uses Akismet to reduce spam. Learn how your comment data is processed.",
    ),
    ("Post a Comment", "Cancel reply", "Δ"),
)
# Other end-of-page lines: share buttons, newsletter and cookie notices.
OTHER_LINES: tuple[tuple[str, ...], ...] = (
    ("Share this:", "Twitter", "Facebook", "Like this:", "Loading..."),
    ("Share on Facebook", "Share on Twitter", "Share via Email"),
    ("Sign up for our newsletter to get the latest news delivered to your inbox.",),
    ("We use cookies to ensure that we give you the best experience on our website.",),
    ("Follow us on Twitter",),
    ("Advertisement",),
)
RELATED_HEADERS = ("Related Posts", "You may also like", "Related Articles", "More from News")


@dataclass(frozen=True, slots=True)
class Substitution:
    """One spinner replacement: `original[start:end]` became `spun`."""

    start: int
    end: int
    original: str
    spun: str
    # "always"/"ambiguous": from the repairer's table (inverted), by how the table marks the
    # entry; "holdout": from the independently written list.
    source: str

    @property
    def multiword(self) -> bool:
        """True for multi-word artefacts ("demanding situations"), False for single words."""
        return len(self.spun.split()) > 1


@dataclass(frozen=True, slots=True)
class Corrupted:
    """A corrupted article and the record of what was done to it."""

    original: str
    text: str
    substitutions: tuple[Substitution, ...]
    comment_lines: tuple[str, ...]  # appended comment-form lines (must all be removed)
    other_lines: tuple[str, ...]  # appended share/newsletter/related lines
    glued: bool  # the comment form was glued to the last paragraph
    glued_quotes: int  # closing quotes whose following space was dropped


@dataclass(frozen=True, slots=True)
class SpinPair:
    """A phrase the spinner replaces and what it writes instead."""

    original: str
    spun: str
    source: str


def _read_holdout() -> list[SpinPair]:
    pairs = []
    for line in (HERE / "spinner_holdout.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            original, spun = line.split("\t")
            pairs.append(SpinPair(original.strip(), spun.strip(), "holdout"))
    return pairs


@cache
def spin_pairs() -> tuple[SpinPair, ...]:
    """The repairer's spinner table inverted (original → spun), plus the independent list.

    A table pair is in group "always" when every table entry for it is marked unambiguous, and in
    "ambiguous" when any is marked `spun_doc` (the repairer may fix it only in spun documents).
    """
    from bot.clean.spinner import load_spinner_table

    table: dict[tuple[str, str], SpinPair] = {}
    for entry in load_spinner_table():
        original, spun_text = entry.original.strip(), entry.spun.strip()
        if not original or original.lower() == spun_text.lower():
            continue  # nothing to invert
        key = (original.lower(), spun_text.lower())
        group = "always" if entry.condition == "always" else "ambiguous"
        known = table.get(key)
        if known is None or known.source != group:
            table[key] = SpinPair(original, spun_text, group if known is None else "ambiguous")
    # A held-out phrase that the table has (meanwhile) learnt is no longer held out: it is used
    # through the table like any other entry, so "holdout" stays a measure of generalisation.
    known_spun = {pair.spun.lower() for pair in table.values()}
    holdout = [p for p in _read_holdout() if p.spun.lower().replace("’", "'") not in known_spun]
    return (*table.values(), *holdout)


def holdout_overlap() -> tuple[int, int]:
    """How many held-out phrases the repairer's table also has, out of how many."""
    pairs = _read_holdout()
    used = sum(p.source == "holdout" for p in spin_pairs())
    return len(pairs) - used, len(pairs)


@cache
def _pairs_by_first_word() -> dict[str, list[tuple[tuple[str, ...], SpinPair]]]:
    index: dict[str, list[tuple[tuple[str, ...], SpinPair]]] = {}
    for pair in spin_pairs():
        words = tuple(w.lower() for w in _WORD_RE.findall(pair.original))
        if words:
            index.setdefault(words[0], []).append((words, pair))
    for candidates in index.values():
        candidates.sort(key=lambda c: -len(c[0]))  # longest phrase first
    return index


def _match_case(spun: str, original: str) -> str:
    """Give the spun phrase the original's leading capital (the rest is lowercased later)."""
    if original[:1].isupper():
        return spun[:1].upper() + spun[1:]
    return spun


def spin(text: str, rng: random.Random, rate: float = SPIN_RATE) -> tuple[str, list[Substitution]]:
    """Replace phrase occurrences the way a spinner does; returns text and substitutions."""
    index = _pairs_by_first_word()
    words = list(_WORD_RE.finditer(text))
    subs: list[Substitution] = []
    i = 0
    while i < len(words):
        matched = None
        for phrase, pair in index.get(words[i].group().lower(), ()):
            span = words[i : i + len(phrase)]
            if len(span) == len(phrase) and all(
                w.group().lower() == p for w, p in zip(span, phrase, strict=True)
            ):
                # The phrase must be contiguous words (no sentence break inside it).
                gap = text[span[0].start() : span[-1].end()]
                if not re.search(r"[.!?;:\n]", gap):
                    matched = (span, pair)
                    break
        if matched and rng.random() < rate:
            span, pair = matched
            start, end = span[0].start(), span[-1].end()
            alternatives = [
                p
                for _, p in index[words[i].group().lower()]
                if p.original.lower() == pair.original.lower()
            ]
            chosen = rng.choice(alternatives)
            subs.append(
                Substitution(
                    start,
                    end,
                    text[start:end],
                    _match_case(chosen.spun, text[start:end]),
                    chosen.source,
                )
            )
            i += len(span)
        else:
            i += 1
    parts, cursor = [], 0
    for sub in subs:
        parts += [text[cursor : sub.start], sub.spun]
        cursor = sub.end
    parts.append(text[cursor:])
    return "".join(parts), subs


def lowercase_like_pipeline(text: str) -> str:
    """Break dotted acronyms, lowercase everything, capitalise naive sentence starts only."""
    broken = _ACRONYM_RE.sub(lambda m: ". ".join(g for g in m.groups() if g) + ".", text)
    lowered = broken.lower()
    return _SENTENCE_START_RE.sub(lambda m: m.group(1).upper(), lowered)


def glue_quotes(text: str, rng: random.Random, rate: float = QUOTE_GLUE_RATE) -> tuple[str, int]:
    """Drop the space after some closing quotes; returns the text and how many were glued."""
    glued = 0

    def maybe_drop(match: re.Match[str]) -> str:
        nonlocal glued
        if rng.random() < rate:
            glued += 1
            return ""
        return match.group()

    return _QUOTE_SPACE_RE.sub(maybe_drop, text), glued


def corrupt(text: str, seed: int, related_titles: tuple[str, ...] = ()) -> Corrupted:
    """Spin, lowercase, glue quotes and append boilerplate to `text`, deterministically."""
    rng = random.Random(seed)
    spun, subs = spin(text, rng)
    body, glued_quotes = glue_quotes(lowercase_like_pipeline(spun), rng)

    comment = rng.choice(COMMENT_FORMS)
    other: list[str] = []
    if rng.random() < 0.5:
        other.extend(rng.choice(OTHER_LINES))
    if related_titles and rng.random() < 0.5:
        other.append(rng.choice(RELATED_HEADERS))
        other.extend(rng.sample(related_titles, k=min(len(related_titles), rng.randint(2, 5))))
    glued = rng.random() < GLUED_FORM_RATE
    if glued:
        body = body.rstrip() + " " + " ".join(comment)
        tail = other
    else:
        tail = list(comment) + other if rng.random() < 0.5 else other + list(comment)
    separator = rng.choice(["\n\n", "\n"])
    corrupted = body.rstrip() + "".join(separator + line for line in tail)
    return Corrupted(
        original=text,
        text=corrupted,
        substitutions=tuple(subs),
        comment_lines=tuple(comment),
        other_lines=tuple(other),
        glued=glued,
        glued_quotes=glued_quotes,
    )
