"""Spans of a text that no repair may edit: code, links, addresses, identifiers, tags.

Content-farm damage is to prose. Whatever is not prose — a URL, an e-mail address, a file path, a
code span or fenced block, an identifier (snake_case, camelCase, dotted names, `<header.h>`), a
MIME type, a #hashtag or an @handle — is written exactly as its author meant it, and recasing or
re-spacing it breaks it ("http://trustee.ietf.org" → "HTTP://trustee.IETF.org", "enqueued_timestamp"
→ "Enqueued_timestamp"). `protected_spans` finds them in one left-to-right scan (every pattern is
anchored on a literal character and uses possessive quantifiers, so no input makes it
backtrack: linear time on a 1 MB URL or 100,000 identifiers). `clean_text` computes the mask once,
shifts it through each pass's edits (`shift_spans`) and drops edits that touch it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.clean.edits import Edit

Span = tuple[int, int]

# Words that open a sentence glued to the previous one by a lowercasing pipeline
# ("efficiently.the"): after a dot they are prose, not the second part of a dotted name.
_SENTENCE_WORDS = (
    "the|this|these|those|they|we|he|she|but|however|there|then|when|while|after|before|it|in|a|"
    "an|and|i|as|at|on|for|so|if|its|his|her|their|our|that|what|with|from|by"
)
# Known file extensions and top-level domains: "logship.toml", "example.com" with two parts.
_SUFFIX = (
    "com|org|net|gov|edu|io|co|uk|de|fr|es|nl|eu|ru|jp|cn|info|dev|app|ai|me|tv|ly|gl|"
    "py|pyc|js|ts|jsx|tsx|mjs|json|toml|yaml|yml|ini|cfg|conf|txt|md|rst|csv|tsv|xml|html|htm|css|"
    "c|h|cc|cpp|hpp|rs|go|rb|java|kt|swift|sh|bash|zsh|ps1|bat|exe|dll|dylib|o|wasm|wat|"
    "sql|db|sqlite|log|lock|pdf|png|jpg|jpeg|gif|svg|webp|mp3|mp4|zip|gz|tar|tgz|bz2|xz|whl|deb|rpm"
)
_LINK_PATH = r"(?:/[^\s<>\"“”‘’`)\]]*+)?+"  # "trustee.ietf.org/license-info"
_PATTERN = re.compile(
    "|".join(
        (
            # URLs: scheme://… or www.… up to whitespace or a closing bracket/quote.
            r"(?<![\w.])(?:[a-zA-Z][a-zA-Z0-9+.-]{1,15}+://|www\.)[^\s<>\"“”‘’`)\]]++",
            # E-mail addresses.
            r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++",
            # C headers: <stdint.h>, <sys/types.h>.
            r"<[\w./+-]++(?:(?<=\.h)|(?<=\.hpp))>",
            # MIME types: application/ld+json, text/html.
            r"(?<![\w/])(?:application|text|image|audio|video|font|model|multipart|message)"
            r"/[\w.+-]++",
            # Hashtags and handles (not "C#", not e-mail addresses, not "&#39;").
            r"(?<![\w&#@])[#@][^\W\d]\w*+",
            # Paths: /usr/bin/x, ~/.config/x, ./x, C:\x, docs/design/wasm.md.
            r"(?<![\w.\-/~])(?:~|\.{1,2})?+/[\w.-]++(?:/[\w.-]*+)*+",
            r"(?<![\w\\])[A-Za-z]:\\[\w.\\-]++",
            r"(?<![\w./-])[\w.-]++(?:/[\w.-]++)++"
            r"(?:(?<=\.[^\W_])|(?<=\.[^\W_]{2})|(?<=\.[^\W_]{3})|(?<=\.[^\W_]{4}))",
            # Identifiers with an underscore: snake_case, __dunder__, int32_t, INITIAL_MEMORY.
            r"(?<!\w)\w*?_\w*+",
            # Hyphenated codes with a letter-digit part (wasm32-wasi, x86-64) and "+" names (ld+json).
            r"(?<![\w-])(?=[A-Za-z-]*+\d++[A-Za-z]|\d*+[A-Za-z]++\d)\w++(?:-\w++)++",
            r"(?<![\w+])[A-Za-z]\w*+(?:\+[A-Za-z]\w*+)++",
            # camelCase and lowercase-led brands: readBatch, iPhone, eBay.
            r"(?<![\w.])[a-z]++[A-Z][\w]*+",
            # Dotted names: logship.cli.main, auth.session, WebAssembly.instantiate, example.com.
            rf"(?<![\w.])[A-Za-z_]\w++(?:\.(?!(?:{_SENTENCE_WORDS})\b)[a-z_]\w++)++{_LINK_PATH}",
            # A call or a class in a module: threading.Thread(, decimal.DivisionByZero.
            r"(?<![\w.])[A-Za-z_]\w*+\.[A-Za-z_]\w*+(?=\()",
            r"(?<![\w.])[a-z_]\w*+\.[A-Z][a-z0-9]++[A-Z]\w*+",
            # Three or more parts in any case: Xman.TopLevelShell.Form, System.IO.File.
            rf"(?<![\w.])[A-Za-z_]\w*+(?:\.(?!(?:{_SENTENCE_WORDS})\b)[A-Za-z_]\w*+){{2,}}+",
            rf"(?<![\w.])[A-Za-z_][\w-]*+\.(?:{_SUFFIX})\b(?!\.\w){_LINK_PATH}",
        )
    )
)
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)", re.MULTILINE)
# Inline code: `x`, ``x`` (one line; the only span with spaces besides fenced blocks).
_INLINE_CODE = re.compile(r"`++[^`\n]++`++")
# A character or pair without which no pattern of _PATTERN can match a chunk: chunks of prose
# without one (most of them) are skipped after this cheap scan.
_TRIGGER = re.compile(r"[/@#_<+\\]|\w\.\w|[a-z][A-Z]|\d[A-Za-z]|[A-Za-z]\d")
_SPACE = re.compile(r"\s")
_SPACES = (" ", "\n", "\t", "\r", "\f", "\v")


def _fenced_blocks(text: str) -> list[Span]:
    """Fenced code blocks (``` or ~~~ lines), an unclosed one running to the end."""
    blocks: list[Span] = []
    opened = -1
    for match in _FENCE.finditer(text):
        if opened < 0:
            opened = match.start()
        else:
            end = text.find("\n", match.end())
            blocks.append((opened, len(text) if end < 0 else end))
            opened = -1
    if opened >= 0:
        blocks.append((opened, len(text)))
    return blocks


def protected_spans(text: str) -> tuple[Span, ...]:
    """Sorted, non-overlapping spans of `text` that are not prose (see the module docstring)."""
    blocks = _fenced_blocks(text) if "```" in text or "~~~" in text else []
    found: list[Span] = []
    position = 0
    for block_start, block_end in [*blocks, (len(text), len(text))]:
        found.extend(_chunk_spans(text, position, block_start))
        if "`" in text:
            found.extend(m.span() for m in _INLINE_CODE.finditer(text, position, block_start))
        if block_end > block_start:
            found.append((block_start, block_end))
        position = block_end
    return tuple(_merge(sorted(found)))


def _chunk_spans(text: str, position: int, limit: int) -> Iterator[Span]:
    """Spans of _PATTERN in the whitespace-delimited chunks of text[position:limit] that hold a
    trigger. Each chunk is read once: the scan goes on after its end."""
    while True:
        hit = _TRIGGER.search(text, position, limit)
        if hit is None:
            return
        spot = hit.start()
        # The chunk's start: after the last space between the previous chunk's end and the hit
        # (bounded searches, so the whole scan stays linear).
        start = max(position, *(text.rfind(space, position, spot) + 1 for space in _SPACES))
        space = _SPACE.search(text, spot, limit)
        end = limit if space is None else space.start()
        for match in _PATTERN.finditer(text, start, end):
            match_start, match_end = match.span()
            # A sentence's full stop or closing punctuation after a URL or name is prose.
            while match_end > match_start + 1 and text[match_end - 1] in ".,;:!?'’\"”":
                match_end -= 1
            yield match_start, match_end
        position = end


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def shift_spans(spans: Sequence[Span], applied: Sequence[Edit]) -> tuple[Span, ...]:
    """The spans' positions after `applied` (sorted, non-overlapping edits) changed the text."""
    if not applied or not spans:
        return tuple(spans)
    starts = [edit.start for edit in applied]
    # shifts[i]: total length change of the first i edits.
    shifts = [0]
    for edit in applied:
        shifts.append(shifts[-1] + len(edit.replacement) - (edit.end - edit.start))

    def moved(offset: int, is_end: bool) -> int:
        # Edits before the offset shift it (an insertion at a start is before it, one at an end
        # after it); an edit that covers the offset moves it to the edit's edge.
        index = bisect_left(starts, offset) if is_end else bisect_right(starts, offset)
        if index and applied[index - 1].end > offset:
            edit = applied[index - 1]
            base = edit.start + shifts[index - 1]
            return base + (len(edit.replacement) if is_end else 0)
        return offset + shifts[index]

    result = []
    for start, end in spans:
        new_start, new_end = moved(start, False), moved(end, True)
        if new_end > new_start:
            result.append((new_start, new_end))
    return tuple(result)


def outside(edits: Iterable[Edit], spans: Sequence[Span]) -> list[Edit]:
    """The edits that touch none of the (sorted) spans; an insertion at a span's edge is outside."""
    if not spans:
        return list(edits)
    starts = [start for start, _ in spans]
    kept = []
    for edit in edits:
        # The last span starting before the edit ends reaches furthest: only it can overlap.
        index = bisect_left(starts, edit.end) - 1
        if index < 0 or spans[index][1] <= edit.start:
            kept.append(edit)
    return kept
