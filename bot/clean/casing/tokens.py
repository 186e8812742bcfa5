"""Casing: the word tokens of a text, their sentence positions, and the spans never recased."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from bot.clean.casing.words import ABBREVIATIONS, CONTRACTIONS

GLUED = frozenset("0123456789" + "".join(map(chr, range(0x80, 0xA0))))


WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


WORD_OR_GAP = re.compile(f"({WORD.pattern})")  # splits text into gap, word, gap, … , gap


APOSTROPHE = re.compile(r"['’]")


# Non-space chunks that may not be prose: URLs, e-mail addresses, domains, handles, hashtags,
# paths. Found cheaply first, then checked one by one.
MARKER = re.compile(r"[@#/\\]|\w\.\w")


NOT_PROSE = re.compile(
    r"(?:https?://|www\.).*|[^@\s]+@[^@\s]+\.\w+|[@#]\w+.*|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/.*)?"
    r"|[~.]?[/\\].*|\w+:[/\\].*|.*[/\\].*\.\w{1,4}",  # paths: "/usr/x", "c:\\x", "a/b.txt"
    re.IGNORECASE,
)


SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+[\"'“‘(\[]*$")


# A quotation opened after a colon starts a sentence; after a comma it usually goes on one.
QUOTE_OPEN = re.compile(r":\s*[\"“‘]$")


KIND_CASING = "casing"


KIND_ACRONYM = "acronym"


@dataclass(slots=True)
class _Token:
    start: int
    end: int  # end of the stem: a possessive "’s" or contraction is not part of it
    text: str  # the stem as written
    key: str  # stem lowercased, apostrophes normalised
    contraction: bool
    free: bool  # prose word (not in a URL, not glued to digits): may be recased
    possessive: bool
    start_of_sentence: bool = False
    after_stop: bool = False  # follows ". " etc.: a lowercasing pipeline capitalises it anyway
    form: str | None = None  # decided cased form
    kind: str = KIND_CASING
    proper: bool = False  # a name by lexical evidence (drives the context rules)


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the whitespace-delimited chunks that are URLs, addresses, domains, handles, paths."""
    spans: list[tuple[int, int]] = []
    for marker in MARKER.finditer(text):
        position = marker.start()
        if spans and position < spans[-1][1]:
            continue
        start = max(text.rfind(" ", 0, position), text.rfind("\n", 0, position)) + 1
        end = position
        size = len(text)
        while end < size and not text[end].isspace():
            end += 1
        chunk = text[start:end].rstrip(".,;:!?)]}”’\"'")
        if NOT_PROSE.fullmatch(chunk):
            spans.append((start, start + len(chunk)))
        else:
            spans.append((end, end))  # prose: skip the chunk's other markers
    return [span for span in spans if span[0] != span[1]]


def _tokens(text: str, protected: Iterable[tuple[int, int]] = ()) -> list[_Token]:
    """The words of `text`; those inside links, code and `protected` spans are not free."""
    tokens: list[_Token] = []
    append = tokens.append
    # Padded by one space at each end, so both neighbours of a word exist (one lookup each).
    padded = f" {text} "
    # Split by a capturing WORD: gaps and words alternate, and offsets are summed lengths (no
    # match object per word).
    parts = WORD_OR_GAP.split(text)
    position = 0  # where the text after the previous word starts
    for index in range(1, len(parts), 2):
        word = parts[index]
        start = position + len(parts[index - 1])
        end = position = start + len(word)
        # Words glued to digits ("5g", "256gb") are codes, not prose; so are words in URLs. A
        # letter next to a C1 control is leftover mojibake ("â\x81"): recasing it would turn it
        # into another sequence the unicode pass repairs, so cleaning twice would differ.
        free = padded[start] not in GLUED and padded[end + 1] not in GLUED
        contraction = possessive = False
        if "'" in word or "’" in word:
            last = APOSTROPHE.split(word)[-1].lower()
            if last == "s":
                end -= 2  # possessive: recase the stem only
                word = word[:-2]
                possessive = True
            elif last in CONTRACTIONS:
                contraction = True
            key = word.lower().replace("’", "'")
        else:
            key = word.lower()
        append(_Token(start, end, word, key, contraction, free, possessive))
    # Few texts hold links or paths: their words are found by position, not tested one by one.
    for span_start, span_end in sorted({*_protected_spans(text), *protected}):
        index = bisect_left(tokens, span_start, key=_token_start)
        while index < len(tokens) and tokens[index].start < span_end:
            tokens[index].free = False
            index += 1
    return tokens


def _token_start(token: _Token) -> int:
    return token.start


def _mark_sentence_starts(text: str, tokens: list[_Token]) -> None:
    previous_end = 0
    previous: _Token | None = None
    for token in tokens:
        gap = text[previous_end : token.start]
        if previous is not None and (gap == " " or gap == "-"):
            pass  # most gaps: no boundary (and no regex search)
        elif previous is None:
            token.start_of_sentence = not any(ch.isalpha() for ch in text[: token.start])
        elif "\n" in gap or QUOTE_OPEN.search(gap):
            token.start_of_sentence = True
        elif SENTENCE_END.search(gap):
            token.after_stop = True
            abbreviation = gap.startswith(".") and (
                len(previous.key) == 1 or previous.key in ABBREVIATIONS
            )
            token.start_of_sentence = not abbreviation
        previous_end = token.end  # tokens come in text order: each ends after the one before
        previous = token
    return None


def _cased_words(text: str, tokens: list[_Token]) -> list[_Token]:
    """Tokens that carry a capital in mid-sentence position."""
    return [t for t in tokens if not t.start_of_sentence and t.free and t.text[:1].isupper()]


def _spaced(text: str, left: _Token, right: _Token) -> bool:
    """The two tokens are neighbouring words separated by a single space (a name can span it)."""
    gap = text[left.end : right.start]
    if left.kind == KIND_ACRONYM and len(left.key) == 1:
        return gap == ". "  # the last letter of "U.S." before "Army"
    return gap in (" ", "-")
