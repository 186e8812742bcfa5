"""Cleanup pass: spacing around quotes and sentence ends, stray spaces before punctuation.

Repairs what spinner pipelines break: `country.”for` → `country.” for` (the casing pass then
capitalises the sentence start), `said.“We` → `said. “We`, `end.The` → `end. The`,
`Yobe North , Ahmad` → `Yobe North, Ahmad`. Never touches URLs, e-mail addresses, domain names,
decimals (3.14), times (10:30) or abbreviations (e.g.); single-letter dotted sequences such as
`u. S.` are left to the casing pass's acronym table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.clean.edits import Edit

if TYPE_CHECKING:
    from bot.clean import CleanContext

_LATIN = "A-Za-zÀ-ÖØ-öø-ÿ"
# Closing double quote glued to the next word; the quote must follow text, not a space (a ” after
# a space is a misused opening quote, as in `said: ”Bird flu`).
_CLOSE_DOUBLE_RE = re.compile(rf"(?<=[^\s“‘(\[])”(?=[{_LATIN}“])")
# Straight or single closing quote after a lowercase word's punctuation, glued to the next word
# (after an acronym it is a possessive: `the U.K.’s election`).
_CLOSE_AFTER_PUNCT_RE = re.compile(rf"(?<=[a-z0-9)][.!?,])[\"’](?=[{_LATIN}])")
# Opening double quote glued to the previous word or sentence end.
_OPEN_DOUBLE_RE = re.compile(rf"(?<=[{_LATIN}.,:;!?])“(?=[{_LATIN}0-9‘])")
# Sentence end glued to a capitalised word: a lowercase word of 2+ letters that does not continue
# a dotted token (so not `example.com`, `e.g.`, `Node.js`), then `.!?`, then `Xx`.
_GLUED_SENTENCE_RE = re.compile(r"(?<![\w.@/-])[A-Za-z]*[a-z]{2}[.!?](?=[A-Z][a-z]+)")
# Lowercased sentence start glued to a full stop: only words that are not domain suffixes.
_GLUED_LOWER_RE = re.compile(
    r"(?<![\w.@/-])[A-Za-z]*[a-z]{3}[.!?](?=(?:the|this|these|those|they|we|he|she|but|however|"
    r"there|then|when|while|after|before)\b)"
)
# Things that look like `word.Word` but are names: `Amazon.Com`, `Booking.Com`.
_DOMAIN_SUFFIXES = frozenset(
    {"com", "net", "org", "gov", "edu", "io", "co", "uk", "de", "js", "ai"}
)
# Space before `,` or `.` that ends a word (not `...`, not `.5`).
_SPACE_BEFORE_RE = re.compile(r"(?<=[\w)\]”’\"])[^\S\n]+(?=[,.](?:\s|$|[”’\")]))")
# Space before `;!?`: only when the document does not follow the French convention.
_SPACE_BEFORE_STRONG_RE = re.compile(r"(?<=[\w)\]”’\"])[^\S\n]+(?=[;!?](?:\s|$))")
_STRONG_UNSPACED_RE = re.compile(r"[\w)\]”’\"][;!?](?:\s|$)")
# Spans never touched: URLs, e-mail addresses, bare domains.
_PROTECTED_RE = re.compile(
    r"(?:https?://|ftp://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+(?:\.[\w-]+)*"
    r"\.(?:com|org|net|gov|edu|io|co|uk|de|fr|ru|br|jp|kr|info|news|ai|me|tv|ly|gl|to)\b(?:/\S*)?",
    re.IGNORECASE,
)


def _protected(text: str) -> list[tuple[int, int]]:
    """Spans of URLs, e-mail addresses and domains, which must be left exactly as they are."""
    return [(m.start(), m.end()) for m in _PROTECTED_RE.finditer(text)]


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    """True when `position` falls strictly inside or at the edge of a protected span."""
    return any(start <= position <= end for start, end in spans)


def find_edits(text: str, context: CleanContext) -> Iterable[Edit]:
    """Propose spacing edits: missing spaces after quotes/sentence ends, stray spaces before ,.;!?"""
    spans = _protected(text) if ("." in text or "@" in text) else []
    edits: list[Edit] = []

    def insert_space(position: int) -> None:
        if not _inside(position, spans):
            edits.append(Edit(position, position, " ", "spacing"))

    for pattern in (_CLOSE_DOUBLE_RE, _CLOSE_AFTER_PUNCT_RE):
        for match in pattern.finditer(text):
            insert_space(match.end())
    for match in _OPEN_DOUBLE_RE.finditer(text):
        insert_space(match.start())
    for match in _GLUED_SENTENCE_RE.finditer(text):
        following = re.match(r"[A-Za-z]+", text[match.end() :])
        if following and following.group().lower() not in _DOMAIN_SUFFIXES:
            insert_space(match.end())
    for match in _GLUED_LOWER_RE.finditer(text):
        insert_space(match.end())

    stray = [_SPACE_BEFORE_RE]
    spaced_strong = len(_SPACE_BEFORE_STRONG_RE.findall(text))
    if spaced_strong and spaced_strong < len(_STRONG_UNSPACED_RE.findall(text)):
        stray.append(_SPACE_BEFORE_STRONG_RE)  # a slip, not the French convention
    for pattern in stray:
        for match in pattern.finditer(text):
            if not _inside(match.start(), spans):
                edits.append(Edit(match.start(), match.end(), "", "spacing"))
    return edits
