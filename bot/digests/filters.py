"""Per-chat digest filters: case-folded words and quoted phrases, never regular expressions.

A chat's terms (chat-wide, or for one feed) are compiled into ONE Aho-Corasick automaton
(pyahocorasick), so checking an item costs time linear in its title and text whatever the terms
are: there is no pattern a user can write that makes matching slow. A term matches whole words:
"ai" matches "AI rules" but not "said". Include terms keep only items that match at least one of
them; exclude terms drop every item that matches one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol, TypeVar

import ahocorasick

from bot.errors import InputError

Kind = Literal["include", "exclude"]
KINDS: tuple[Kind, ...] = ("include", "exclude")
MAX_TERMS = 50  # per chat, all feeds together
MAX_TERM_CHARS = 60
MIN_TERM_CHARS = 1

# "phrase", “phrase”, «phrase» or a bare word. An unbalanced quote is an error, not a guess.
_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|«([^»]*)»|([^\s"“”«»]+)|(["“”«»])')


class FilterTerm(Protocol):
    """One stored term (bot.storage.filters.FilterRow has these fields)."""

    kind: str
    term: str
    feed_id: int  # 0 = the whole chat


class Filterable(Protocol):
    """What a filter reads of a digest item."""

    title: str
    text: str
    feed_id: int | None


T = TypeVar("T", bound=Filterable)


def normalise(text: str) -> str:
    """Case-folded text with every run of whitespace as one space (phrases span line breaks)."""
    return " ".join(text.casefold().split())


def parse_terms(text: str) -> list[str]:
    """'nasa "climate change" ai' → ['nasa', 'climate change', 'ai'] (normalised, deduplicated).

    Raises InputError with one clear message for an empty phrase, an unclosed quote or a term
    outside 1-60 characters.
    """
    terms: list[str] = []
    for match in _TOKEN.finditer(text):
        stray = match.group(5)
        if stray:
            raise InputError(
                f"There is an unclosed quote ({stray}). Put phrases in straight quotes, "
                'e.g. "climate change".'
            )
        phrase = next((g for g in match.groups()[:3] if g is not None), None)
        term = normalise(phrase if phrase is not None else match.group(4))
        if not term:
            raise InputError(
                'An empty phrase ("") can\'t be a filter. Put a word between the quotes.'
            )
        if len(term) > MAX_TERM_CHARS:
            raise InputError(
                f"A filter term can be at most {MAX_TERM_CHARS} characters; "
                f"“{term[:20]}…” has {len(term)}. Nothing was changed."
            )
        if term not in terms:
            terms.append(term)
    if not terms:
        raise InputError("Give at least one word or quoted phrase.")
    return terms


def check_limit(existing: int, new: int) -> None:
    """InputError when `existing` + `new` terms exceed the per-chat limit."""
    if existing + new > MAX_TERMS:
        raise InputError(
            f"A chat can have at most {MAX_TERMS} filter terms; it has {existing} and you "
            f"gave {new} new ones. Nothing was changed. /filters clear starts over."
        )


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class ChatFilter:
    """One chat's terms compiled into one automaton; decides which items a digest keeps."""

    def __init__(self, terms: Iterable[FilterTerm]) -> None:
        self._include: dict[int, set[int]] = {}  # feed id (0 = chat) → include term ids
        self._exclude: dict[int, set[int]] = {}
        self._automaton: ahocorasick.Automaton | None = None
        words: dict[str, int] = {}
        for item in terms:
            term = normalise(item.term)
            if not term or item.kind not in KINDS:
                continue
            term_id = words.setdefault(term, len(words))
            scope = self._include if item.kind == "include" else self._exclude
            scope.setdefault(int(item.feed_id or 0), set()).add(term_id)
        if words:
            automaton = ahocorasick.Automaton()
            for term, term_id in words.items():
                # Whole-word checks only where the term itself begins/ends with a word character:
                # "🚀" or "c++" match wherever they occur.
                automaton.add_word(
                    term, (term_id, len(term), _is_word_char(term[0]), _is_word_char(term[-1]))
                )
            automaton.make_automaton()
            self._automaton = automaton

    @property
    def active(self) -> bool:
        """False when the chat has no terms (every item is kept)."""
        return self._automaton is not None

    def matches(self, text: str) -> set[int]:
        """Ids of the terms found as whole words in `text` (already normalised)."""
        found: set[int] = set()
        if self._automaton is None or not text:
            return found
        last = len(text) - 1
        for end, (term_id, size, word_start, word_end) in self._automaton.iter(text):
            if term_id in found:
                continue
            start = end - size + 1
            if word_start and start > 0 and _is_word_char(text[start - 1]):
                continue
            if word_end and end < last and _is_word_char(text[end + 1]):
                continue
            found.add(term_id)
        return found

    def keeps(self, title: str, text: str = "", feed_id: int | None = None) -> bool:
        """Whether an item with this title and text passes the chat's (and its feed's) terms."""
        if self._automaton is None:
            return True
        scopes = (0, feed_id) if feed_id else (0,)
        include = set().union(*(self._include.get(s, set()) for s in scopes))
        exclude = set().union(*(self._exclude.get(s, set()) for s in scopes))
        if not include and not exclude:
            return True
        # Title and text are searched apart so a phrase never spans the seam between them.
        found = self.matches(normalise(title)) | self.matches(normalise(text))
        if found & exclude:
            return False
        return not include or bool(found & include)

    def apply(self, items: Sequence[T]) -> tuple[list[T], int]:
        """(kept items in order, how many were filtered out)."""
        if self._automaton is None:
            return list(items), 0
        kept = [i for i in items if self.keeps(i.title, i.text, i.feed_id)]
        return kept, len(items) - len(kept)
