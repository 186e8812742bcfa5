"""Edits on a text and the bookkeeping that maps their offsets back to the original input.

Each cleanup pass looks at the current text and proposes `Edit`s (non-overlapping spans with a
replacement). `apply_edits` applies them and records `Repair`s. `OffsetMap` composes the passes so
every logged repair carries its offset in the text the user gave us, not in an intermediate one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from bot.models import Repair


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace `text[start:end]` with `replacement`; `kind` names the repair family."""

    start: int
    end: int
    replacement: str
    kind: str


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, list[Edit]]:
    """Apply non-overlapping, non-trivial edits; overlapping ones after the first are dropped.

    Returns the new text and the edits actually applied, sorted by start (offsets in `text`).
    """
    applied: list[Edit] = []
    last_end = -1
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < last_end or edit.start < 0 or edit.end > len(text):
            continue  # overlaps an earlier edit: the earlier one wins
        if text[edit.start : edit.end] == edit.replacement:
            continue
        applied.append(edit)
        last_end = max(edit.end, edit.start + 1) if edit.start == edit.end else edit.end
    if not applied:
        return text, []
    parts: list[str] = []
    cursor = 0
    for edit in applied:
        parts.append(text[cursor : edit.start])
        parts.append(edit.replacement)
        cursor = edit.end
    parts.append(text[cursor:])
    return "".join(parts), applied


class OffsetMap:
    """Maps offsets in the current text back to offsets in the original text."""

    def __init__(self) -> None:
        # One list per applied pass: (new_start, new_end, old_start, old_end) for each edit.
        self._passes: list[tuple[list[int], list[tuple[int, int, int, int]]]] = []

    def push(self, applied: list[Edit]) -> None:
        """Record one pass's applied edits (offsets in that pass's input)."""
        if not applied:
            return
        spans: list[tuple[int, int, int, int]] = []
        shift = 0
        for edit in applied:
            new_start = edit.start + shift
            new_end = new_start + len(edit.replacement)
            spans.append((new_start, new_end, edit.start, edit.end))
            shift += len(edit.replacement) - (edit.end - edit.start)
        self._passes.append(([s[0] for s in spans], spans))

    def to_original(self, offset: int) -> int:
        """Offset in the latest text → offset in the original input."""
        for starts, spans in reversed(self._passes):
            index = bisect.bisect_right(starts, offset) - 1
            if index < 0:
                continue  # before the first edit of this pass: unchanged
            _, new_end, old_start, old_end = spans[index]
            if offset < new_end:
                offset = old_start  # inside a replacement: point at where it began
            else:
                offset = old_end + (offset - new_end)
        return offset


def repairs_from(text: str, applied: list[Edit], offsets: OffsetMap) -> list[Repair]:
    """Turn a pass's applied edits (on `text`) into repairs with original-input offsets."""
    return [
        Repair(
            kind=e.kind,
            before=text[e.start : e.end],
            after=e.replacement,
            start=offsets.to_original(e.start),
        )
        for e in applied
    ]
