"""Split a long text into consecutive chunks that each fit a token budget. Pure; no I/O.

Splits prefer paragraph boundaries, then sentence boundaries (sentencex), then whitespace, and
only as a last resort cut inside a word. The chunks are consecutive slices of the input, so
joining them gives the input back exactly: nothing is ever silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bot.summarise.tokens import count_tokens

Count = Callable[[str], int]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_WORD = re.compile(r"\S+\s*|\s+")


def _pieces_by(pattern: re.Pattern[str], text: str) -> list[str]:
    """Split after each match of `pattern`, keeping separators with the piece before them."""
    pieces: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        if match.end() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _sentences(text: str, language: str) -> list[str]:
    import sentencex

    try:
        segments = [s for s in sentencex.segment(language or "en", text) if s]
    except Exception:  # unknown language code or a segmenter bug: whitespace still works
        return [text]
    # sentencex returns consecutive slices today; verify rather than trust, since losing text
    # here would be silent.
    if "".join(segments) != text:
        return [text]
    return segments


def _longest_prefix(text: str, budget: int, count: Count) -> int:
    """Length of the longest prefix of `text` within `budget` tokens (at least one character)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if count(text[:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def _units(text: str, budget: int, count: Count, language: str) -> Iterator[tuple[str, int]]:
    """Yield consecutive (piece, tokens) of `text`, within budget unless a single character."""
    levels: list[Callable[[str], list[str]]] = [
        lambda t: _pieces_by(_PARAGRAPH_BREAK, t),
        lambda t: _sentences(t, language),
        lambda t: _WORD.findall(t),
    ]

    def split(piece: str, level: int) -> Iterator[tuple[str, int]]:
        tokens = count(piece)
        if tokens <= budget:
            yield piece, tokens
            return
        if level < len(levels):
            parts = levels[level](piece)
            if len(parts) > 1:
                for part in parts:
                    yield from split(part, level + 1)
                return
            yield from split(piece, level + 1)
            return
        # One "word" over budget (e.g. a huge URL): cut by characters.
        rest = piece
        while rest:
            cut = _longest_prefix(rest, budget, count)
            yield rest[:cut], count(rest[:cut])
            rest = rest[cut:]

    yield from split(text, 0)


def split_to_budget(
    text: str, budget: int, *, count: Count | None = None, model: str = "", language: str = "en"
) -> list[str]:
    """Consecutive chunks of `text`, each at most `budget` tokens, cut at the best boundary.

    `"".join(chunks) == text` always holds. Only a single character that alone exceeds the
    budget can make a chunk go over it.
    """
    if budget < 1:
        raise ValueError("budget must be at least one token")
    if not text:
        return []
    counter: Count = count or (lambda t: count_tokens(t, model))
    units = list(_units(text, budget, counter, language))
    chunks: list[str] = []
    for chunk, exact in _pack(units, budget, counter, slack=1.0):
        # Token counts are not exactly additive across a join; verify and repack any chunk
        # whose real count went over, this time checking the joined text at every step.
        if exact > budget:
            chunk_units = list(_units(chunk, budget, counter, language))
            chunks.extend(c for c, _ in _pack(chunk_units, budget, counter, slack=0.0))
        else:
            chunks.append(chunk)
    return chunks


def _pack(
    units: list[tuple[str, int]], budget: int, count: Count, *, slack: float
) -> Iterator[tuple[str, int]]:
    """Greedily join consecutive units into chunks; yields (chunk, exact token count).

    With `slack` > 0, units are added on the sum of their counts while that stays under
    `slack * budget`; beyond that (or with slack 0) the joined text is counted exactly.
    """
    current, estimate = "", 0
    for unit, tokens in units:
        if not current:
            current, estimate = unit, tokens
            continue
        if estimate + tokens <= slack * budget:
            current, estimate = current + unit, estimate + tokens
            continue
        joined = count(current + unit)
        if joined <= budget:
            current, estimate = current + unit, joined
        else:
            yield current, count(current)
            current, estimate = unit, tokens
    if current:
        yield current, count(current)
