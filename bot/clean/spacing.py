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
# Every pattern starts with the punctuation it is about, so the regex engine can scan for that
# character quickly; what must come before it is checked by a lookbehind placed after it.
# Closing double quote glued to the next word; the quote must follow text, not a space (a ” after
# a space is a misused opening quote, as in `said: ”Bird flu`).
_CLOSE_DOUBLE_RE = re.compile(rf"”(?<=[^\s“‘(\[]”)(?=[{_LATIN}“])")
# Straight or single closing quote after a lowercase word's punctuation, glued to the next word
# (after an acronym it is a possessive: `the U.K.’s election`).
_CLOSE_AFTER_PUNCT_RE = re.compile(rf"[\"’](?<=[a-z0-9)][.!?,][\"’])(?=[{_LATIN}])")
# Opening double quote glued to the previous word or sentence end.
_OPEN_DOUBLE_RE = re.compile(rf"“(?<=[{_LATIN}.,:;!?]“)(?=[{_LATIN}0-9‘])")
# Sentence end glued to a capitalised word (`end.The`), or to a lowercased sentence start that
# cannot be a domain suffix (`efficiently.the`).
_GLUED_UPPER_RE = re.compile(r"[.!?](?=[A-Z][a-z]+)")
_GLUED_LOWER_RE = re.compile(
    r"[.!?](?=(?:the|this|these|those|they|we|he|she|but|however|there|then|when|while|after|"
    r"before)\b)"
)
# The word before such a full stop: 2+ (or 3+) lowercase letters at its end, and not the tail of a
# dotted token (`example.com`, `e.g.`, `Node.js`, `a.m.`).
_WORD_BEFORE_UPPER_RE = re.compile(r"(?:^|[^\w.@/-])[A-Za-z]*[a-z]{2}$")
_WORD_BEFORE_LOWER_RE = re.compile(r"(?:^|[^\w.@/-])[A-Za-z]*[a-z]{3}$")
# Things that look like `word.Word` but are names: `Amazon.Com`, `Booking.Com`.
_DOMAIN_SUFFIXES = frozenset(
    {"com", "net", "org", "gov", "edu", "io", "co", "uk", "de", "js", "ai"}
)
# Space before `,` or `.` that ends a word (not `...`, not `.5`), and before `;!?`.
_SPACE_BEFORE_RE = re.compile(r" +(?<=[\w)\]”’\"] )(?=[,.](?:\s|$|[”’\")]))")
_SPACE_BEFORE_STRONG_RE = re.compile(r" +(?<=[\w)\]”’\"] )(?=[;!?](?:\s|$))")
_STRONG_UNSPACED_RE = re.compile(r"[;!?](?<=[\w)\]”’\"][;!?])(?=\s|$)")
_WEAK_UNSPACED_RE = re.compile(r"[,.](?<=[\w)\]”’\"][,.])(?=\s|$)")
# A space before punctuation is a slip only in prose: after a word that can end a clause (not
# "the !", "with ,", which name the character), before more prose, away from code ("expr1 ;
# expr2", "[ word ] ; do").
_NOT_CLAUSE_END = frozenset(
    "the a an of in on at by to for from with without and or nor but as is are was be if unless "
    "than like via per an single double".split()
)
_CODE_CHARS = frozenset("{}[]=<>$|&;()*/\\`~^")
_CODE_WINDOW = 30
_WORD_END_RE = re.compile(r"[^\W\d_]+$")
HOUSE_STYLE_MIN = 3  # spaced commas/full stops needed before they can be a house style
HOUSE_STYLE_SHARE = 0.25  # ... and their share of all comma/full-stop word ends
# Spans never touched: URLs, e-mail addresses, bare domains.
_PROTECTED_RE = re.compile(
    r"(?:https?://|ftp://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+(?:\.[\w-]+)*"
    r"\.(?:com|org|net|gov|edu|io|co|uk|de|fr|ru|br|jp|kr|info|news|ai|me|tv|ly|gl|to)\b(?:/\S*)?",
    re.IGNORECASE,
)
_LOOK_BACK = 60  # characters examined before a full stop to find the word it ends


def _protected(text: str, position: int) -> bool:
    """True when `position` touches a URL, e-mail address or domain."""
    # They contain no spaces, so only the whitespace-delimited token around it needs looking at.
    start = max(text.rfind(" ", 0, position), text.rfind("\n", 0, position)) + 1
    ends = [i for i in (text.find(" ", position), text.find("\n", position)) if i >= 0]
    token = text[start : min(ends, default=len(text))]
    return any(m.start() <= position - start <= m.end() for m in _PROTECTED_RE.finditer(token))


def _starters() -> frozenset[str]:
    from bot.clean.casing.words import STARTERS

    return STARTERS


def _prose_slip(text: str, match: re.Match[str]) -> bool:
    """Whether the spaces `match` found before a punctuation mark are a slip in prose."""
    start, end = match.span()
    if end - start != 1:
        return False  # a slip is one space; justified or aligned text has more
    word = _WORD_END_RE.search(text[max(0, start - _LOOK_BACK) : start])
    if word is None or word.group().lower() in _NOT_CLAUSE_END:
        return False
    after = text[end + 1 : end + 3]
    if after[:1] not in ("", " ", "\n", "”", "’", '"', ")") or (after[1:2].isdigit()):
        return False
    # After a sentence's end the next sentence starts with a capital; "the trailing ? may be
    # omitted" names the character.
    # (Quotes and brackets closing after the mark, and spaces, are looked past: this pass adds
    # a space after a glued quote, and cleaning twice must give the same text.)
    following = text[end + 1 : end + 8].lstrip("”’\"') ")
    if text[end] in ".!?" and following[:1].isalpha() and not following[:1].isupper():
        return False
    window = text[max(0, start - _CODE_WINDOW) : start] + text[end + 1 : end + 1 + _CODE_WINDOW]
    return not any(char in _CODE_CHARS for char in window)


def _mostly_english(text: str) -> bool:
    """Whether English function words outnumber other languages' ones among the words."""
    from bot.clean.casing.words import FOREIGN_FUNCTION_WORDS, FUNCTION_WORDS

    english = foreign = 0
    for word in text.lower().split():
        english += word in FUNCTION_WORDS
        foreign += word in FOREIGN_FUNCTION_WORDS
    return english > foreign


def _house_style(spaced: int, unspaced: int) -> bool:
    """True when spaces before punctuation are too frequent to be slips."""
    return spaced >= HOUSE_STYLE_MIN and spaced >= HOUSE_STYLE_SHARE * (spaced + unspaced)


def _candidates(text: str) -> list[Edit]:
    """All edits the rules propose, before protected spans are taken into account."""
    edits: list[Edit] = []
    for pattern in (_CLOSE_DOUBLE_RE, _CLOSE_AFTER_PUNCT_RE):
        edits.extend(Edit(m.end(), m.end(), " ", "spacing") for m in pattern.finditer(text))
    edits.extend(Edit(m.start(), m.start(), " ", "spacing") for m in _OPEN_DOUBLE_RE.finditer(text))
    for match in _GLUED_UPPER_RE.finditer(text):
        before = text[max(0, match.start() - _LOOK_BACK) : match.start()]
        following = re.match(r"[A-Za-z]+", text[match.end() : match.end() + _LOOK_BACK])
        # Only a word that usually opens a sentence: "binascii.Error", "typing.Any" are names.
        if (
            _WORD_BEFORE_UPPER_RE.search(before)
            and following
            and following.group().lower() not in _DOMAIN_SUFFIXES
            and following.group().lower() in _starters()
        ):
            edits.append(Edit(match.end(), match.end(), " ", "spacing"))
    for match in _GLUED_LOWER_RE.finditer(text):
        if _WORD_BEFORE_LOWER_RE.search(text[max(0, match.start() - _LOOK_BACK) : match.start()]):
            edits.append(Edit(match.end(), match.end(), " ", "spacing"))

    # Spaces before punctuation are judged in English text only (French spaces ";", and other
    # languages have their own conventions).
    spaced_weak = [m for m in _SPACE_BEFORE_RE.finditer(text) if _prose_slip(text, m)]
    spaced_strong = [m for m in _SPACE_BEFORE_STRONG_RE.finditer(text) if _prose_slip(text, m)]
    if (spaced_weak or spaced_strong) and not _mostly_english(text):
        spaced_weak = spaced_strong = []
    # Some outlets put a space before commas and full stops throughout (a house style, as in
    # "Yobe North , Ahmad Lawan ,"): that is the editor's choice, not damage. A stray space is
    # a slip only when it is rare next to the document's unspaced commas and full stops.
    if spaced_weak and not _house_style(len(spaced_weak), len(_WEAK_UNSPACED_RE.findall(text))):
        edits.extend(Edit(m.start(), m.end(), "", "spacing") for m in spaced_weak)
    # A space before ;!? is a slip only when the document does not follow the French convention.
    if spaced_strong and len(spaced_strong) < len(_STRONG_UNSPACED_RE.findall(text)):
        edits.extend(Edit(m.start(), m.end(), "", "spacing") for m in spaced_strong)
    return edits


def find_edits(text: str, context: CleanContext) -> Iterable[Edit]:
    """Propose spacing edits: missing spaces after quotes/sentence ends, stray spaces before ,.;!?"""
    return [edit for edit in _candidates(text) if not _protected(text, edit.start)]
