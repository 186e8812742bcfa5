"""Cleanup pass: spinner artefacts ("tortured phrases") back to the words they replaced.

Article spinners swap words for "synonyms" one by one: "Secretary of State" becomes "Secretary of
country", "challenges" becomes "demanding situations". The curated table
`bot/data/spinner_phrases.tsv` maps each artefact back (its header documents the format). Entries
marked `always` are phrases that essentially never occur in edited English (some only in a local
context the table states); entries marked `spun_doc` are ambiguous ("extra", "function") and fire
only when the document has shown itself to be spun (`SpunEvidence.spun`): unambiguous artefacts
count 1 and ambiguous ones in a matching context 1/2; the document needs `SPUN_MIN_DISTINCT`
different unambiguous artefacts and `SPUN_MIN_COUNT` of that
score (half as much when its names are lowercased mid-sentence, the content-farm pipeline's other
mark) at a density of at least `SPUN_MIN_DENSITY` per 1,000 words. The evidence is left in
`context.notes` ("spun_score" = unambiguous count, "spun_ambiguous", "spun_density", "spun") for
the casing pass, and "spinner_spans" says where each replacement sits in this pass's output.

Matching is one Aho-Corasick scan of the case-folded text (’ read as '), on word boundaries; the
replacement takes the matched text's case pattern (lowercase → as written in the table, leading
capital → leading capital, all caps → all caps) and its apostrophe style.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import ahocorasick

from bot.clean.edits import Edit

if TYPE_CHECKING:
    from bot.clean import CleanContext

TABLE_FILE = "spinner_phrases.tsv"
CONDITIONS = ("always", "spun_doc")
SPUN_MIN_COUNT = 2  # evidence score needed before ambiguous entries may fire
# ... and that many different unambiguous artefacts: ambiguous matches alone ("function" in a
# programming text) or one artefact repeated are no proof that a spinner went over the text.
SPUN_MIN_DISTINCT = 2
SPUN_MIN_DENSITY = 0.5  # ... at a score of at least this much per 1,000 words
# A text whose words inside sentences are (almost) never capitalised went through the farm's
# lowercasing pipeline: half the evidence is then enough.
_LOWERCASED_MAX_CAPITALS = 0.02
_MIN_MID_WORDS = 40
_WINDOW = 80  # characters of context the prev/next patterns may look at

# Apostrophe-like characters read as ' for matching; all map one character to one character, so
# offsets in the folded text are offsets in the input.
_APOSTROPHES = ("’", "‘", "ʼ", "′", "`")
_MACRO_RE = re.compile(r"@([a-z_]+)")
# A word of 2+ letters inside a sentence: right after a lowercase word, a number or , ; : and a space.
_MID_WORD_RE = re.compile(r"(?<=[a-z0-9,;:] )[^\W\d_]{2,}")
# A capital right after a broken dotted acronym ("the u. S. Function") was made by the pipeline's
# naive sentence splitter, not by the author: the replacement stays lowercase there.
_AFTER_BROKEN_ACRONYM_RE = re.compile(r"(?<!\w)[a-z]\. ?[A-Z]\.\s+$")


@dataclass(frozen=True, slots=True)
class SpinnerEntry:
    """One table row: `spun` (lowercase, ' apostrophes) is repaired to `original` when allowed.

    `prev`/`next` are regular expressions (table macros expanded) the text just before/after the
    phrase must match; `not_prev`/`not_next` must not match. Empty means no constraint.
    """

    spun: str
    original: str
    condition: str
    prev: str = ""
    next: str = ""
    not_prev: str = ""
    not_next: str = ""

    @property
    def multiword(self) -> bool:
        """True for multi-word artefacts ("demanding situations"), False for single words."""
        return len(self.spun.split()) > 1


@dataclass(frozen=True, slots=True)
class _Rule:
    """An entry with its context patterns, compiled on first use (most never are)."""

    entry: SpinnerEntry

    def allows(self, folded: str, start: int, end: int) -> bool:
        """True when the entry's context conditions hold around `folded[start:end]`."""
        entry = self.entry
        before = folded[max(0, start - _WINDOW) : start]
        after = folded[end : end + _WINDOW]
        if entry.prev and not _prev_pattern(entry.prev).search(before):
            return False
        if entry.next and not _next_pattern(entry.next).match(after):
            return False
        if entry.not_prev and _prev_pattern(entry.not_prev).search(before):
            return False
        return not (entry.not_next and _next_pattern(entry.not_next).match(after))


@cache
def _prev_pattern(source: str) -> re.Pattern[str]:
    # The pattern must start at a word boundary and end where the phrase begins.
    return re.compile(rf"(?<!\w)(?:{source})\s*$")


@cache
def _next_pattern(source: str) -> re.Pattern[str]:
    # The pattern must start after the phrase (spaces aside) and end on a word boundary.
    return re.compile(rf"\s*(?:{source})(?:(?<=\W)|(?!\w))")


def _parse(text: str) -> list[SpinnerEntry]:
    """Parse the table file: `@macro<TAB>regex` lines, then entries (see the file's header)."""
    macros: dict[str, str] = {}

    def expand(pattern: str) -> str:
        pattern = "" if pattern.strip() in ("", "-") else pattern.strip()
        return _MACRO_RE.sub(lambda m: f"(?:{macros[m.group(1)]})", pattern)

    entries: list[SpinnerEntry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if line.startswith("@"):
            macros[fields[0][1:].strip()] = expand(fields[1])
            continue
        fields += [""] * (7 - len(fields))
        spun, original, condition = (f.strip() for f in fields[:3])
        if condition not in CONDITIONS or not spun or len(fields) > 7:
            raise ValueError(f"{TABLE_FILE}:{number}: malformed entry {line!r}")
        entries.append(
            SpinnerEntry(
                spun=" ".join(_fold(spun).split()),
                original=original,
                condition=condition,
                prev=expand(fields[3]),
                next=expand(fields[4]),
                not_prev=expand(fields[5]),
                not_next=expand(fields[6]),
            )
        )
    return entries


@cache
def load_spinner_table() -> list[SpinnerEntry]:
    """Every entry of the spinner table, in file order (loaded once per process)."""
    data = resources.files("bot.data").joinpath(TABLE_FILE).read_text(encoding="utf-8")
    return _parse(data)


@cache
def _matcher() -> tuple[ahocorasick.Automaton, dict[str, tuple[_Rule, ...]]]:
    """The automaton over every spun phrase, and each phrase's rules in table order."""
    rules: dict[str, list[_Rule]] = {}
    for entry in load_spinner_table():
        rules.setdefault(entry.spun, []).append(_Rule(entry))
    automaton = ahocorasick.Automaton()
    for phrase in rules:
        automaton.add_word(phrase, phrase)
    automaton.make_automaton()
    return automaton, {phrase: tuple(found) for phrase, found in rules.items()}


def _fold(text: str) -> str:
    """Lowercase with ' apostrophes, keeping every character at its offset."""
    lowered = text.lower()
    if len(lowered) != len(text):  # e.g. "İ" lowercases to two characters
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for apostrophe in _APOSTROPHES:  # str.replace is much faster than str.translate here
        if apostrophe in lowered:
            lowered = lowered.replace(apostrophe, "'")
    return lowered


def _on_word_boundaries(folded: str, start: int, end: int) -> bool:
    """The match is whole words: not inside a word nor a hyphenated compound."""
    if start > 0 and folded[start] != "-":  # "-primarily based" is meant to follow a word
        before = folded[start - 1]
        if before.isalnum() or before == "_":
            return False
        # Inside a hyphenated compound, except after a number: the spinner turns "60-year-old"
        # into "60-12 months antique".
        if before == "-" and start > 1 and folded[start - 2].isalpha():
            return False
        if before in "'." and start > 1 and folded[start - 2].isalnum():
            return False  # "don't", "thai.net page"
    if end < len(folded):
        after = folded[end]
        if after.isalnum() or after == "_":
            return False
        if after == "-" and end + 1 < len(folded) and folded[end + 1].isalnum():
            return False
    return True


def _transfer_case(text: str, start: int, end: int, replacement: str, curly: bool) -> str:
    """Give the replacement the matched text's case pattern and apostrophe style."""
    matched = text[start:end]
    if start > 1 and text[start - 1] == "-" and text[start - 2].isdigit():
        replacement = replacement.replace(" ", "-")  # "60-12 months antique" → "60-year-old"
    if "’" in matched or ("'" not in matched and curly):
        replacement = replacement.replace("'", "’")
    letters = [c for c in matched if c.isalpha()]
    if not letters or not letters[0].isupper():
        return replacement
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return replacement.upper()
    if _AFTER_BROKEN_ACRONYM_RE.search(text[max(0, start - 8) : start]):
        return replacement
    for i, char in enumerate(replacement):
        if char.isalpha():
            return replacement[:i] + char.upper() + replacement[i + 1 :]
    return replacement


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    always: _Rule | None  # first `always` rule whose context holds
    spun_doc: _Rule | None  # first `spun_doc` rule whose context holds


def _candidates(folded: str) -> list[_Candidate]:
    automaton, rules = _matcher()
    found: list[_Candidate] = []
    for last, phrase in automaton.iter(folded):
        end = last + 1
        start = end - len(phrase)
        if not _on_word_boundaries(folded, start, end):
            continue
        always = spun_doc = None
        for rule in rules[phrase]:
            if rule.entry.condition == "always":
                if always is None and rule.allows(folded, start, end):
                    always = rule
            elif spun_doc is None and rule.allows(folded, start, end):
                spun_doc = rule
        if always is not None or spun_doc is not None:
            found.append(_Candidate(start, end, always, spun_doc))
    return found


def _select(candidates: Iterable[tuple[int, int, _Rule]]) -> list[tuple[int, int, _Rule]]:
    """Leftmost-longest non-overlapping choice."""
    chosen: list[tuple[int, int, _Rule]] = []
    last_end = -1
    for start, end, rule in sorted(candidates, key=lambda c: (c[0], c[0] - c[1])):
        if start >= last_end:
            chosen.append((start, end, rule))
            last_end = end
    return chosen


@dataclass(frozen=True, slots=True)
class SpunEvidence:
    """How strongly a text shows it went through a spinner (see `spun_evidence`)."""

    unambiguous: int  # artefacts matched by `always` entries
    ambiguous: int  # matches of `spun_doc` entries whose local context holds
    distinct: int  # different phrases among the unambiguous artefacts
    words: int  # whitespace-separated tokens
    # Names lowercased mid-sentence, as the content-farm pipeline does; None when the score alone
    # decides (measuring it costs a scan of the text).
    lowercased: bool | None

    @property
    def score(self) -> float:
        """Unambiguous artefacts count 1, ambiguous ones in a matching context 1/2."""
        return self.unambiguous + 0.5 * self.ambiguous

    @property
    def density(self) -> float:
        """Score per 1,000 words."""
        return 1000.0 * self.score / self.words if self.words else 0.0

    @property
    def spun(self) -> bool:
        """True when ambiguous entries may fire: enough evidence, densely enough."""
        # Lowercased names are an artefact of the same pipeline: they count as one of the
        # different artefacts, and halve the score needed.
        lowercased = bool(self.lowercased)
        return (
            self.distinct + lowercased >= SPUN_MIN_DISTINCT
            and self.score >= (SPUN_MIN_COUNT / 2 if lowercased else SPUN_MIN_COUNT)
            and self.density >= SPUN_MIN_DENSITY
        )


def _lowercased(text: str) -> bool:
    """True when names inside sentences are written lowercase: known names (the casing pass's
    resources) mostly lowercase, and words inside sentences (almost) never capitalised."""
    from bot.clean.casing.evidence import DAMAGE_MIN_NAMES, DAMAGE_SHARE, _known_name

    mid = _MID_WORD_RE.findall(text)
    if len(mid) < _MIN_MID_WORDS:
        return False
    capitals = sum(word[0].isupper() for word in mid)
    if capitals / len(mid) >= _LOWERCASED_MAX_CAPITALS:
        return False
    names = [word for word in mid if _known_name(word.lower())]
    lowered = [word for word in names if word.islower()]
    return len(set(lowered)) >= DAMAGE_MIN_NAMES and len(lowered) >= DAMAGE_SHARE * len(names)


def _assess(text: str, candidates: list[_Candidate]) -> SpunEvidence:
    chosen = _select((c.start, c.end, c.always or c.spun_doc) for c in candidates)  # type: ignore[misc]
    unambiguous = sum(1 for _, _, rule in chosen if rule.entry.condition == "always")
    distinct = len({rule.entry.spun for _, _, rule in chosen if rule.entry.condition == "always"})
    ambiguous = len(chosen) - unambiguous
    score = unambiguous + 0.5 * ambiguous
    # Measured only where it decides: one artefact short, or half the score short.
    short = distinct == SPUN_MIN_DISTINCT - 1 or (
        distinct >= SPUN_MIN_DISTINCT and SPUN_MIN_COUNT / 2 <= score < SPUN_MIN_COUNT
    )
    lowercased = _lowercased(text) if short and score >= SPUN_MIN_COUNT / 2 else None
    return SpunEvidence(unambiguous, ambiguous, distinct, len(text.split()), lowercased)


def spun_evidence(text: str) -> SpunEvidence:
    """The spinner evidence in `text` (what `find_edits` bases its decisions on)."""
    return _assess(text, _candidates(_fold(text)))


def find_edits(text: str, context: CleanContext) -> Iterable[Edit]:
    """Propose spinner repairs for `text`; record the document's spun score in `context.notes`."""
    candidates = _candidates(_fold(text))
    evidence = _assess(text, candidates)
    context.notes["spun_score"] = evidence.unambiguous
    context.notes["spun_ambiguous"] = evidence.ambiguous
    context.notes["spun_density"] = round(evidence.density, 3)
    context.notes["spun"] = evidence.spun
    if evidence.spun:
        chosen = _select(
            (c.start, c.end, c.always or c.spun_doc)  # type: ignore[misc]
            for c in candidates
        )
    else:
        chosen = _select((c.start, c.end, c.always) for c in candidates if c.always)
    curly = text.count("’") > text.count("'")
    edits = [
        Edit(start, end, _transfer_case(text, start, end, rule.entry.original, curly), "spinner")
        for start, end, rule in chosen
    ]
    context.notes["spinner_spans"] = _output_spans(edits)
    return edits


def _output_spans(edits: list[Edit]) -> tuple[tuple[int, int, str], ...]:
    """Where each replacement sits in this pass's OUTPUT text (the casing pass's input).

    Lets the casing pass keep capitals the table wrote on purpose ("L.A. Declaration") instead
    of taking them for capitals the lowercasing pipeline put after an acronym.
    """
    spans = []
    shift = 0
    for edit in edits:  # sorted and non-overlapping
        start = edit.start + shift
        spans.append((start, start + len(edit.replacement), edit.replacement))
        shift += len(edit.replacement) - (edit.end - edit.start)
    return tuple(spans)
