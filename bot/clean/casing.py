"""Cleanup pass: casing. (Placeholder until the cleanup issue lands: proposes no edits.)"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.clean.edits import Edit

if TYPE_CHECKING:
    from bot.clean import CleanContext


def find_edits(text: str, context: CleanContext) -> Iterable[Edit]:
    """Propose casing edits for `text`."""
    return []
