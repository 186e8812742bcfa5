"""Cleanup pass: boilerplate at the ends of a text (comment forms, share lines, related-post lists).

Patterns live in `bot/data/boilerplate.txt`. Only the ENDS of the text are touched: lines are
removed from the end upwards (and from the start downwards) while they match; the first line of
article text stops the scan, so a line in the middle of the article is never removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from bot.clean.edits import Edit

if TYPE_CHECKING:
    from bot.clean import CleanContext

# A "related posts" list: at most this many items, each a short title-like line.
_MAX_LIST_ITEMS = 15
_MAX_ITEM_WORDS = 20
# Sentence-final punctuation that may precede comment-form text glued to the last paragraph.
_GLUE_BEFORE = r"(?<=[.!?…”\"’)])"


@dataclass(frozen=True)
class BoilerplatePatterns:
    """Compiled patterns from the data file, by section."""

    comment: re.Pattern[str]  # comment-form lines
    line: re.Pattern[str]  # other whole-line boilerplate
    header: re.Pattern[str]  # headers of related-post lists
    glued: re.Pattern[str]  # comment-form text glued to the end of the last paragraph


def _to_regex(pattern: str) -> str:
    """A data-file pattern as a regex: a space matches any run of horizontal whitespace."""
    return pattern.replace(" ", r"[^\S\n]+")


@cache
def load_patterns() -> BoilerplatePatterns:
    """Load and compile `bot/data/boilerplate.txt` once per process."""
    text = resources.files("bot.data").joinpath("boilerplate.txt").read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {"comment": [], "line": [], "header": []}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections[line[1:-1]]
            continue
        if current is None:
            raise ValueError(f"boilerplate.txt: pattern outside a section: {line!r}")
        current.append(_to_regex(line))

    def alternation(patterns: list[str]) -> str:
        return "|".join(f"(?:{p})" for p in patterns)

    comment = alternation(sections["comment"])
    any_line = alternation(sections["comment"] + sections["line"])
    gap = r"[^\S\n]+"
    # Glued to the end of the last paragraph: a comment-form line, then any boilerplate lines, up
    # to the end. After sentence punctuation one item is enough; otherwise it takes two ("... 2018
    # Leave a Reply Your email address ..."), so "declined to comment" keeps its last word.
    one_or_more = rf"(?:{comment})(?:{gap}(?:{any_line}))*"
    two_or_more = rf"(?:{comment})(?:{gap}(?:{any_line}))+"
    glued = rf"(?:{_GLUE_BEFORE}{gap}{one_or_more}|{gap}{two_or_more})[^\S\n]*$"
    return BoilerplatePatterns(
        comment=re.compile(comment, re.IGNORECASE),
        line=re.compile(alternation(sections["line"]), re.IGNORECASE),
        header=re.compile(alternation(sections["header"]), re.IGNORECASE),
        glued=re.compile(glued, re.IGNORECASE),
    )


def _is_boilerplate(line: str, patterns: BoilerplatePatterns) -> bool:
    """True when the whole (stripped) line is a comment-form or other boilerplate line."""
    return bool(patterns.comment.fullmatch(line) or patterns.line.fullmatch(line))


def _is_list_item(line: str) -> bool:
    """A related-post entry: a short, title-like line (a headline may end with a full stop)."""
    words = line.split()
    return 0 < len(words) <= _MAX_ITEM_WORDS and not line.endswith((":", ";", ","))


def _list_start(lines: list[str], last: int, patterns: BoilerplatePatterns) -> int | None:
    """Index of a related-list header whose items run down to `lines[last]`, if there is one."""
    items = 0
    for index in range(last, -1, -1):
        line = lines[index]
        if not line:
            continue
        if patterns.header.fullmatch(line):
            return index if items else None
        if not (_is_list_item(line) or _is_boilerplate(line, patterns)):
            return None
        items += 1
        if items > _MAX_LIST_ITEMS:
            return None
    return None


def _tail_cut(lines: list[str], patterns: BoilerplatePatterns) -> int:
    """Index of the first line of trailing boilerplate (len(lines) when there is none)."""
    cut = len(lines)
    index = len(lines) - 1
    while index >= 0:
        line = lines[index]
        if not line:
            index -= 1
            continue
        if _is_boilerplate(line, patterns):
            cut = index
            index -= 1
            continue
        start = _list_start(lines, index, patterns)
        if start is None or start == 0:
            break
        cut = index = start
        index -= 1
    return cut


def _head_cut(lines: list[str], stop: int, patterns: BoilerplatePatterns) -> int:
    """Index of the first line after leading boilerplate (never beyond `stop`)."""
    cut = 0
    for index in range(stop):
        line = lines[index]
        if not line:
            continue
        if not patterns.line.fullmatch(line):
            break
        cut = index + 1
    return cut


def find_edits(text: str, context: CleanContext) -> Iterable[Edit]:
    """Propose boilerplate edits: drop boilerplate lines at the ends, never in the middle."""
    patterns = load_patterns()
    raw_lines = text.split("\n")
    lines = [line.strip() for line in raw_lines]
    starts: list[int] = []
    offset = 0
    for raw in raw_lines:
        starts.append(offset)
        offset += len(raw) + 1
    ends = [start + len(raw) for start, raw in zip(starts, raw_lines, strict=True)]

    edits: list[Edit] = []
    tail = _tail_cut(lines, patterns)
    kept = [i for i in range(tail) if lines[i]]
    if not kept:
        return []  # everything looks like boilerplate: leave it for a human rather than empty it
    # Each removed line takes the line break(s) before it, so the text ends on the article.
    previous_end = ends[kept[-1]]
    for index in range(tail, len(lines)):
        if lines[index]:
            edits.append(Edit(previous_end, ends[index], "", "boilerplate"))
            previous_end = ends[index]
    if edits and previous_end < len(text):
        edits.append(Edit(previous_end, len(text), "", "boilerplate"))

    last = kept[-1]
    glued = patterns.glued.search(raw_lines[last])
    if glued and glued.start() > 0:
        edits.append(Edit(starts[last] + glued.start(), ends[last], "", "boilerplate"))

    # Leading boilerplate: each removed line takes the line break(s) after it.
    head = _head_cut(lines, last, patterns)
    removed = [i for i in range(head) if lines[i]]
    if removed:
        first_kept = next(i for i in range(head, last + 1) if lines[i])
        for index, following in zip(removed, [*removed[1:], first_kept], strict=True):
            edits.append(Edit(starts[index], starts[following], "", "boilerplate"))
    return edits
