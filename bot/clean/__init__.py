"""Cleanup stage: text in → repaired text plus a log of every repair out. Pure: no I/O.

The passes run in a fixed order, each on the previous one's output:
unicode → whitespace → boilerplate → spacing → spinner → casing. Offsets in the repair log
always refer to the input text (see `edits.OffsetMap`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.clean.edits import Edit, OffsetMap, apply_edits, repairs_from
from bot.models import CleanResult, Document, Repair


@dataclass
class CleanContext:
    """What passes know about the document beyond its text; passes may add evidence to `notes`."""

    title: str = ""
    notes: dict[str, object] = field(default_factory=dict)


Pass = Callable[[str, CleanContext], Iterable[Edit]]


def _passes() -> list[Pass]:
    # Imported lazily so that importing `bot.clean` stays cheap and tables load on first use.
    from bot.clean import boilerplate, casing, spacing, spinner, unicode

    return [
        unicode.find_edits,
        unicode.find_whitespace_edits,
        boilerplate.find_edits,
        spacing.find_edits,
        spinner.find_edits,
        casing.find_edits,
    ]


def clean_text(text: str, title: str = "") -> CleanResult:
    """Repair `text` (and use `title` as casing evidence); never raises on any string input."""
    context = CleanContext(title=title)
    offsets = OffsetMap()
    repairs: list[Repair] = []
    current = text
    for find_edits in _passes():
        new_text, applied = apply_edits(current, find_edits(current, context))
        if applied:
            repairs.extend(repairs_from(current, applied, offsets))
            offsets.push(applied)
            current = new_text
    return CleanResult(text=current, repairs=tuple(repairs))


def repair_title(title: str) -> str:
    """A title with unicode, whitespace and spacing repaired (its casing is evidence, kept as is)."""
    from bot.clean import spacing, unicode

    context = CleanContext()
    for find_edits in (unicode.find_edits, unicode.find_whitespace_edits, spacing.find_edits):
        title = apply_edits(title, find_edits(title, context))[0]
    return title


def clean_document(document: Document) -> tuple[Document, CleanResult]:
    """Clean a document's text (its repaired title is casing evidence); returns both repaired."""
    from dataclasses import replace

    title = repair_title(document.title)
    result = clean_text(document.text, title=title)
    return replace(document, text=result.text, title=title), result
