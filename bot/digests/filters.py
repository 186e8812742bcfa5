"""Per-chat digest filters: case-folded words and quoted phrases, never regular expressions.

A chat's terms (chat-wide, or for one feed) are compiled into ONE Aho-Corasick automaton
(pyahocorasick), so checking an item costs time linear in its title and text whatever the terms
are: there is no pattern a user can write that makes matching slow. A term matches whole words:
"ai" matches "AI rules" but not "said". Include terms keep only items that match at least one of
them; exclude terms drop every item that matches one. Texts are tokenised once, when an article
is stored (bot.storage.articles.filter_text); a digest only scans them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol, TypeVar

import ahocorasick

from bot.errors import N_, InputError
from bot.storage.articles import filter_text

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
    """What a filter reads of a digest item (`text` already through `filter_text`)."""

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
                N_(
                    'There is an unclosed quote ({stray}). Put phrases in straight quotes, e.g. "climate change".'
                ),
                params={"stray": stray},
            )
        phrase = next((g for g in match.groups()[:3] if g is not None), None)
        term = normalise(phrase if phrase is not None else match.group(4))
        if not term:
            raise InputError(
                N_('An empty phrase ("") can\'t be a filter. Put a word between the quotes.')
            )
        if len(term) > MAX_TERM_CHARS:
            raise InputError(
                N_(
                    "A filter term can be at most {limit} characters; "
                    "“{term}…” has {n}. Nothing was changed."
                ),
                params={"limit": MAX_TERM_CHARS, "term": term[:20], "n": len(term)},
            )
        if term not in terms:
            terms.append(term)
    if not terms:
        raise InputError(N_("Give at least one word or quoted phrase."))
    return terms


def check_limit(existing: int, new: int) -> None:
    """InputError when `existing` + `new` terms exceed the per-chat limit."""
    if existing + new > MAX_TERMS:
        raise InputError(
            N_(
                "A chat can have at most {limit} filter terms; it has {existing} and you gave "
                "{new} new ones. Nothing was changed. /filters clear starts over."
            ),
            params={"limit": MAX_TERMS, "existing": existing, "new": new},
        )


class ChatFilter:
    """One chat's terms compiled into one automaton; decides which items a digest keeps.

    Terms and texts are tokenised alike (`filter_text`): words, and each other visible character
    on its own, between single spaces. A term is added as " term ", so every hit the automaton
    reports is a whole-word match and the scan can stop at the first one that decides.
    """

    def __init__(self, terms: Iterable[FilterTerm]) -> None:
        self._include: dict[int, frozenset[int]] = {}  # feed id (0 = chat) → include term ids
        self._exclude: dict[int, frozenset[int]] = {}
        self._automaton: ahocorasick.Automaton | None = None
        words: dict[str, int] = {}
        include: dict[int, set[int]] = {}
        exclude: dict[int, set[int]] = {}
        for item in terms:
            term = filter_text(item.term).strip()
            if not term or item.kind not in KINDS:
                continue
            term_id = words.setdefault(f" {term} ", len(words))
            scope = include if item.kind == "include" else exclude
            scope.setdefault(int(item.feed_id or 0), set()).add(term_id)
        self._include = {k: frozenset(v) for k, v in include.items()}
        self._exclude = {k: frozenset(v) for k, v in exclude.items()}
        if words:
            automaton = ahocorasick.Automaton()
            for term, term_id in words.items():
                automaton.add_word(term, term_id)
            automaton.make_automaton()
            self._automaton = automaton

    @property
    def active(self) -> bool:
        """False when the chat has no terms (every item is kept)."""
        return self._automaton is not None

    def _scopes(self, feed_id: int | None) -> tuple[frozenset[int], frozenset[int]]:
        empty: frozenset[int] = frozenset()
        include = self._include.get(0, empty)
        exclude = self._exclude.get(0, empty)
        if feed_id:
            include = include | self._include.get(feed_id, empty)
            exclude = exclude | self._exclude.get(feed_id, empty)
        return include, exclude

    def keeps(self, title: str, text: str = "", feed_id: int | None = None) -> bool:
        """Whether an item passes the chat's (and its feed's) terms. `text` is raw text; items
        from the database carry theirs already tokenised (`keeps_prepared`)."""
        return self.keeps_prepared(filter_text(title), filter_text(text), feed_id)

    def keeps_prepared(self, title: str, text: str, feed_id: int | None = None) -> bool:
        """`keeps` for title and text already passed through `filter_text`."""
        if self._automaton is None:
            return True
        include, exclude = self._scopes(feed_id)
        if not include and not exclude:
            return True
        matched = False
        # Title and text are scanned apart so a phrase never spans the seam between them.
        for part in (title, text):
            for _end, term_id in self._automaton.iter(part):
                if term_id in exclude:
                    return False
                if term_id in include:
                    matched = True
                    if not exclude:
                        return True
        return matched or not include

    def apply(self, items: Sequence[T]) -> tuple[list[T], int]:
        """(kept items in order, how many were filtered out)."""
        if self._automaton is None:
            return list(items), 0
        kept = [i for i in items if self.keeps_prepared(filter_text(i.title), i.text, i.feed_id)]
        return kept, len(items) - len(kept)
