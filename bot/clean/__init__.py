"""Cleanup stage: text in → repaired text plus a log of every repair out. Pure: no I/O.

The passes run in a fixed order, each on the previous one's output:
unicode → whitespace → boilerplate → spacing → spinner → casing. Offsets in the repair log
always refer to the input text (see `edits.OffsetMap`). What is not prose (URLs, code, identifiers,
addresses, tags: `protect.protected_spans`) is found once per document; the mask follows the text
through the passes (`context.notes["protected"]`), and no spacing, spinner or casing edit may
touch it.
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
    names: tuple[str, ...] = ()  # cased names from the page around the text (bot/evidence.py)


Pass = Callable[[str, CleanContext], Iterable[Edit]]


def _passes() -> list[tuple[Pass, bool]]:
    """The passes in order, each with whether its edits must keep out of protected spans."""
    # Imported lazily so that importing `bot.clean` stays cheap and tables load on first use.
    from bot.clean import boilerplate, casing, spacing, spinner, unicode

    # Character repairs may reach inside protected spans (a non-breaking space in a URL is still
    # damage), and boilerplate removes whole lines; the others edit words.
    return [
        (unicode.find_edits, False),
        (unicode.find_whitespace_edits, False),
        (boilerplate.find_edits, False),
        (spacing.find_edits, True),
        (spinner.find_edits, True),
        (casing.find_edits, True),
    ]


def clean_text(text: str, title: str = "", names: tuple[str, ...] = ()) -> CleanResult:
    """Repair `text` (`title` and the page's cased `names` are casing evidence); never raises on
    any string input."""
    from bot.clean.protect import outside, protected_spans, shift_spans

    context = CleanContext(title=title, names=names)
    offsets = OffsetMap()
    repairs: list[Repair] = []
    current = text
    spans = protected_spans(text)
    for find_edits, masked in _passes():
        context.notes["protected"] = spans
        edits = find_edits(current, context)
        if spans and masked:
            edits = outside(edits, spans)
        new_text, applied = apply_edits(current, edits)
        if applied:
            repairs.extend(repairs_from(current, applied, offsets))
            offsets.push(applied)
            spans = shift_spans(spans, applied)
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
    result = clean_text(document.text, title=title, names=document.names)
    return replace(document, text=result.text, title=title), result
