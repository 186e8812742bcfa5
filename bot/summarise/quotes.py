"""Quotes in a summary checked against the article: a quote the article does not contain loses its marks.

Pure functions. A summary (from an LLM or the offline summariser) may put words in quotation marks
that the article never printed: an invented quote, a paraphrase, or two fragments glued together.
`check_quotes` finds every quoted span of the summary, looks for its words in the article (quotes,
dashes, apostrophes, punctuation, whitespace and case normalised, so a quote that crosses a sentence
boundary or was re-punctuated still matches; "…" or "[…]" inside a quote may stand for omitted
words), and returns the summary with the marks of every unmatched quote removed, plus the counts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Opening and closing marks. PTB-style `` '' (tokenised corpora) count as double quotes.
_DOUBLE_OPEN = ("“", "„", "«", "``", "‹")
_DOUBLE_CLOSE = ("”", "»", "''", "›")
_WORD = re.compile(r"\w+", re.UNICODE)
# Where a quote leaves words out: an ellipsis, or an editor's bracketed insertion.
_GAP = re.compile(r"\.\s*\.\s*\.|…|\[[^\]]*\]")


@dataclass(frozen=True, slots=True)
class Quote:
    """One quoted span of a text: the marks' offsets and the words between them."""

    open_start: int  # offset of the opening mark (== inner_start when the line began inside it)
    inner_start: int
    inner_end: int
    close_end: int  # offset after the closing mark (== inner_end when the line ended inside it)
    text: str


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    """The result of checking a summary's quotes against its article."""

    text: str  # the summary, with the marks of unverified quotes removed
    quotes: int
    verified: int
    missing: tuple[str, ...] = ()  # the quotes that were not found in the article

    @property
    def all_verified(self) -> bool:
        """True when every quote was found (or there were none)."""
        return self.verified == self.quotes


def _double_mark(line: str, i: int) -> tuple[str, int] | None:
    """("open"|"close"|"either", length) when a double quotation mark starts at line[i]."""
    for mark in _DOUBLE_OPEN:
        if line.startswith(mark, i):
            return "open", len(mark)
    for mark in _DOUBLE_CLOSE:
        if line.startswith(mark, i):
            return "close", len(mark)
    if line[i] == '"':
        return "either", 1
    return None


def _single_opens(line: str, i: int) -> bool:
    """An opening single quote starts a word; an apostrophe sits inside or after one."""
    before = line[i - 1] if i else " "
    after = line[i + 1] if i + 1 < len(line) else " "
    return line[i] in "‘'" and not before.isalnum() and after.isalnum()


def _single_closes(line: str, i: int) -> bool:
    """A closing single quote ends a word and is not followed by one (unlike "don’t").

    Tokenised text also spaces it off after punctuation ("a great goal, ' he said").
    """
    before = line[i - 1] if i else " "
    after = line[i + 1] if i + 1 < len(line) else " "
    if line[i] not in "’'" or after.isalnum():
        return False
    if not before.isspace():
        return True
    return i >= 2 and line[i - 2] in ",.!?;:…" and not after.isalnum()


def find_quotes(text: str) -> list[Quote]:
    """Every quoted span of `text`, line by line (a quote never spans a summary bullet)."""
    quotes: list[Quote] = []
    offset = 0
    for line in text.split("\n"):
        quotes.extend(_line_quotes(line, offset))
        offset += len(line) + 1
    return [q for q in quotes if _WORD.search(q.text)]


# Any character that may be a quotation mark; the loop below only visits these.
_MARK = re.compile(r"``|''|[“”„«»‹›\"‘’']")


def _line_quotes(line: str, offset: int) -> list[Quote]:
    found: list[Quote] = []
    start = len(line) - len(line.lstrip(" -*•\t"))  # after a bullet marker
    open_at: int | None = None  # where the open quote's mark starts
    open_len = 0
    single = False  # the open quote is a single one: only a single mark closes it
    seen_mark = False
    for match in _MARK.finditer(line, start):
        i = match.start()
        double = _double_mark(line, i)
        if open_at is None:
            if double is not None:
                kind, size = double
                if kind == "close" and not seen_mark:
                    # A closing mark before any opening one: the line began inside the quote.
                    found.append(_quote(line, offset, start, start, i, i + size))
                elif kind != "close":
                    open_at, open_len, single = i, size, False
                seen_mark = True
            elif _single_opens(line, i):
                open_at, open_len, single, seen_mark = i, 1, True, True
            continue
        if single:
            if _single_closes(line, i):
                found.append(_quote(line, offset, open_at, open_at + 1, i, i + 1))
                open_at = None
            continue
        if double is not None:
            found.append(_quote(line, offset, open_at, open_at + open_len, i, i + double[1]))
            open_at = None
    if open_at is not None:
        # An opening mark never closed: the quote runs to the end of the line.
        end = len(line.rstrip())
        found.append(_quote(line, offset, open_at, open_at + open_len, end, end))
    return found


def _quote(line: str, offset: int, open_start: int, inner: int, inner_end: int, end: int) -> Quote:
    return Quote(
        open_start + offset, inner + offset, inner_end + offset, end + offset, line[inner:inner_end]
    )


def words(text: str) -> list[str]:
    """Case-folded word tokens; quotes, apostrophes and punctuation fall away."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WORD.findall(text)


def _contains(
    haystack: list[str], index: dict[str, list[int]], needle: list[str], start: int
) -> int:
    """End position of the first occurrence of `needle` in `haystack` at or after `start`, or -1."""
    if not needle:
        return start
    for position in index.get(needle[0], ()):
        if position < start:
            continue
        if haystack[position : position + len(needle)] == needle:
            return position + len(needle)
    return -1


def quote_in_article(
    quote: str, article_words: list[str], index: dict[str, list[int]] | None = None
) -> bool:
    """True when the quote's words occur in the article in order (gaps only where "…" or "[…]")."""
    if index is None:
        index = _index(article_words)
    position = 0
    pieces = [words(piece) for piece in _GAP.split(quote)]
    pieces = [piece for piece in pieces if piece]
    if not pieces:
        return True
    for piece in pieces:
        position = _contains(article_words, index, piece, position)
        if position < 0:
            return False
    return True


def _index(article_words: list[str]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, word in enumerate(article_words):
        index.setdefault(word, []).append(position)
    return index


def check_quotes(summary: str, article: str) -> QuoteCheck:
    """Check every quote of `summary` against `article`; unverified quotes lose their marks."""
    quotes = find_quotes(summary)
    if not quotes:
        return QuoteCheck(text=summary, quotes=0, verified=0)
    article_words = words(article)
    index = _index(article_words)
    missing = [q for q in quotes if not quote_in_article(q.text, article_words, index)]
    text = summary
    # Remove marks from the end backwards so earlier offsets stay valid.
    for quote in reversed(missing):
        text = (
            text[: quote.open_start]
            + text[quote.inner_start : quote.inner_end]
            + text[quote.close_end :]
        )
    if missing:
        text = "\n".join(re.sub(r"(?<=\S) {2,}(?=\S)", " ", line) for line in text.split("\n"))
    return QuoteCheck(
        text=text,
        quotes=len(quotes),
        verified=len(quotes) - len(missing),
        missing=tuple(" ".join(q.text.split()) for q in missing),
    )


def unverified_note(quotes: int, verified: int) -> str:
    """The footer line for quotes not found in the article ("" when every quote holds)."""
    missing = quotes - verified
    if missing <= 0:
        return ""
    if missing == 1:
        return "1 quote could not be found in the article."
    return f"{missing} quotes could not be found in the article."
