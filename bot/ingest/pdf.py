"""Text from PDF files (press releases, rulings, reports) as prose. Pure: bytes in, Document out.

pypdf gives one line of text per printed line (and, through its visitor, where the line sits).
The cleanup stage and the summariser expect paragraphs of prose, so this module drops what a
printed page repeats (running headers and footers, page numbers), joins words hyphenated across
line breaks and rewraps lines into paragraphs: a paragraph ends where the vertical gap grows, the
next line is indented, or a line stops short after a sentence.

Hostile files: pypdf's own limits (LimitReachedError) are tightened here to what a page of text
needs, so a small file cannot make it decompress or parse hundreds of megabytes; a page over them
is skipped. A page cap, a text cap and a time budget bound the whole document.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import re
import time
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from bot.errors import N_, ExtractError
from bot.ingest.text import MIN_WORDS, TITLE_MAX_CHARS, count_words
from bot.models import Document

log = logging.getLogger(__name__)

# Real reports and rulings run to a few hundred pages at most; more is not an article.
MAX_PAGES = 300
# About 80,000 words: far more than any article; bounds memory and the LLM's map-reduce work.
MAX_TEXT_CHARS = 500_000
# Reading stops past this much time (a 300-page report takes about 3 s); the work runs in a
# worker thread, which cannot be cancelled, so it must end by itself.
TIME_BUDGET_SECONDS = 20.0
# pypdf's defaults allow 75 MB per stream and 2 million content tokens (measured: 25 s and 390 MB
# for a 175 KB file). A dense page of text is about 100 KB and at most a few ten thousand tokens
# (per-glyph positioning); a page over these is skipped, and parsing it costs at most about a second.
PYPDF_LIMITS: dict[str, int] = {
    "zlib_maximum_output_length": 16_000_000,
    "lzw_maximum_output_length": 16_000_000,
    "run_length_maximum_output_length": 16_000_000,
    "brotli_maximum_output_length": 16_000_000,
    "stream_decoding_work_maximum_length": 64_000_000,
    "stream_parsing_work_maximum_count": 100_000,
}
TOO_COMPLEX = N_("That PDF is too large or complex to read safely; paste the text instead.")
PDF_MAGIC = b"%PDF-"
# The header may follow some junk; readers look for it in the first 1,024 bytes.
MAGIC_WINDOW = 1024

# Running headers and footers sit on a page's first or last lines.
EDGE_LINES = 3
# A line at the edge of at least this share of the pages (and of two pages) is page furniture.
REPEATED_SHARE = 0.5
# A line this much shorter than a full line (counting the next line's first word, which would
# have fitted) was broken on purpose: a paragraph's last line or a heading. Proportional fonts
# make character counts a rough measure of width, hence the slack.
DELIBERATE_BREAK = 0.85
# A gap between lines this much larger than the document's usual line spacing is paragraph
# spacing (word processors add 40-60 % of the leading; a line's descenders add less than 20 %).
PARAGRAPH_GAP = 1.3
# A line starting this many ems right of the line above it is a paragraph's indented first line.
INDENT_EMS = 0.8
# Of two words joined by a line-end hyphen, keep the hyphen when both parts are among this many
# most frequent words and the joined word is not ("re-elected", "well-known", not "inter-national").
COMMON_WORDS = 20_000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:(?:page|p\.|pg\.|seite|página|pagina|стр\.?)\s*)?"
    r"(?:\d{1,4}|(?-i:[ivxlc]{1,6}|[IVXLC]{2,6}))(?:\s*(?:of|/|von|de|из)\s*\d{1,4})?(?:\s*[-–—])?$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_EDGE_NUMBER = re.compile(r"^(\d{1,4})\b|\b(\d{1,4})$")
_HYPHEN_END = re.compile(r"([^\W\d_]+)[-\u00ad\u2010]$")
_COMPOUND_END = re.compile(r"\w[-\u2010]$")  # "Franco-" before "German", "2019-" before "20"
_BULLET = re.compile(r"^(?:[•◦▪‣●○■□–—*·-]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’»)\]]*$")
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|rtf|odt|indd|pptx?|xlsx?|txt|qxd|pages)$", re.IGNORECASE)
_PLACEHOLDER_TITLES = frozenset({"untitled", "title", "document", "pdf", "untitled document"})


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line; position in points from the page's bottom left, None when unknown."""

    text: str
    x: float | None = None
    y: float | None = None
    size: float = 10.0  # font size in points: an em, the unit of indents


def looks_like_pdf(data: bytes) -> bool:
    """True when the bytes start (within the first KB, as readers allow) with a PDF header."""
    return PDF_MAGIC in data[:MAGIC_WINDOW]


def extract_pdf(data: bytes, *, source: str, url: str = "") -> Document:
    """A PDF's text as paragraphs, its title and author; ExtractError when it cannot be read."""
    # Imported here: pypdf with its crypto backend takes about 0.25 s to import, which only
    # PDF sources should pay (the CLI starts per command).
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

    if not looks_like_pdf(data):
        raise ExtractError(
            N_("That file is not a PDF (it has no PDF header), so it can't be read.")
        )
    try:
        with apply_configuration(**PYPDF_LIMITS):  # a context variable: this thread only
            return _read(PdfReader(io.BytesIO(data)), source=source, url=url)
    except ExtractError:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        raise ExtractError(
            N_(
                "That PDF is encrypted in a way the bot can't open; send an unprotected copy or "
                "paste its text."
            ),
            detail=repr(exc),
        ) from exc
    except LimitReachedError as exc:
        raise ExtractError(TOO_COMPLEX, detail=repr(exc)) from exc
    except Exception as exc:
        # pypdf meets hostile or broken files with many exception types (KeyError, ValueError,
        # struct errors, …); every one of them means the same to the user.
        log.info("unreadable PDF %s: %r", source, exc)
        raise ExtractError(
            N_("That PDF is damaged and could not be read; try another copy or paste its text."),
            detail=repr(exc),
        ) from exc


def _read(reader: object, *, source: str, url: str) -> Document:
    """The Document from an opened reader (pypdf's own exceptions pass through)."""
    if reader.is_encrypted and not _unlocked(reader):  # type: ignore[attr-defined]
        raise ExtractError(
            N_(
                "That PDF is protected with a password, so the bot can't read it; "
                "send an unprotected copy or paste its text."
            )
        )
    count = len(reader.pages)  # type: ignore[attr-defined]
    if count == 0:
        raise ExtractError(
            N_("That PDF is damaged (it has no pages); try another copy or paste its text.")
        )
    if count > MAX_PAGES:
        raise ExtractError(
            N_(
                "That PDF has {count} pages; the bot reads at most {limit}. Send the part "
                "that matters as its own PDF, or paste its text."
            ),
            params={"count": count, "limit": MAX_PAGES},
        )
    pages, skipped = _page_lines(reader)
    if skipped:
        log.info("PDF %s: %d of %d pages over the reading limits, skipped", source, skipped, count)
    title, author, date = _metadata(reader)
    paragraphs = rewrap(drop_page_furniture(pages))
    words = sum(count_words(p) for p in paragraphs)
    if words == 0 and skipped:
        raise ExtractError(TOO_COMPLEX, detail=f"{skipped} of {count} pages over the limits")
    if words == 0:
        raise ExtractError(
            N_(
                "That PDF has no text layer (its pages are scanned images), so there is nothing to "
                "read; run it through OCR or paste the text instead."
            )
        )
    if words < MIN_WORDS:
        raise ExtractError(N_("That PDF has too little text to summarise; paste the text instead."))
    if not title and len(paragraphs[0]) <= TITLE_MAX_CHARS and len(paragraphs) > 1:
        title = paragraphs[0]
    if title and len(paragraphs) > 1 and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]  # the title has its own field
    return Document(
        source=source,
        text="\n\n".join(paragraphs),
        title=title,
        author=author,
        date=date,
        url=url,
    )


def _unlocked(reader: object) -> bool:
    """True when an encrypted PDF opens with the empty password (restrictions only, no secret)."""
    from pypdf import PasswordType

    return reader.decrypt("") != PasswordType.NOT_DECRYPTED  # type: ignore[attr-defined]


def _page_lines(reader: object) -> tuple[list[list[Line]], int]:
    """Each page's non-blank lines with their positions, and how many pages were skipped for
    going over pypdf's limits; ExtractError past the text cap or the time budget."""
    from pypdf.errors import LimitReachedError

    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    total = skipped = 0
    pages = []
    for page in reader.pages:  # type: ignore[attr-defined]
        pieces = _LinePieces(deadline=deadline, max_chars=MAX_TEXT_CHARS - total)
        try:
            pieces.check_time()
            page.extract_text(visitor_text=pieces.visit)
        except LimitReachedError:
            skipped += 1  # a huge drawing or a bomb: the other pages may still be text
            continue
        except _StopReading as stop:
            raise stop.error from None
        total += pieces.chars
        pages.append(pieces.lines())
    return pages, skipped


class _StopReading(BaseException):
    """Ends extraction from inside pypdf's visitor callback. A BaseException because pypdf
    swallows ordinary exceptions raised while it reads form XObjects."""

    def __init__(self, error: ExtractError) -> None:
        super().__init__(error.user_message)
        self.error = error


class _LinePieces:
    """Collects pypdf's text pieces (their concatenation is extract_text's result) into lines,
    each placed where its first visible piece was drawn; stops at the text cap or the deadline."""

    def __init__(self, *, deadline: float, max_chars: int) -> None:
        self.deadline = deadline
        self.max_chars = max_chars
        self.chars = 0
        self._done: list[tuple[list[str], tuple[float, float, float] | None]] = []
        self._text: list[str] = []
        self._where: tuple[float, float, float] | None = None

    def check_time(self) -> None:
        """_StopReading once the time budget is spent."""
        if time.monotonic() > self.deadline:
            error = ExtractError(TOO_COMPLEX, detail=f"over {TIME_BUDGET_SECONDS:g} s")
            raise _StopReading(error)

    def visit(
        self, text: str, cm: list[float], tm: list[float], _font: object, size: float
    ) -> None:
        """pypdf's visitor_text callback: one piece of text and the matrices it was drawn with."""
        self.chars += len(text)
        if self.chars > self.max_chars:
            raise _StopReading(
                ExtractError(
                    N_(
                        "That PDF has more than {limit} characters of text, more than "
                        "the bot summarises at once; send the part that matters, or paste its "
                        "text."
                    ),
                    params={"limit": f"{MAX_TEXT_CHARS:,}"},
                )
            )
        self.check_time()
        parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for number, part in enumerate(parts):
            if number:
                self._done.append((self._text, self._where))
                self._text, self._where = [], None
            if part.strip() and self._where is None:
                self._where = _position(cm, tm, size)
            self._text.append(part)

    def lines(self) -> list[Line]:
        """The collected lines, blank ones dropped, whitespace and control characters cleaned."""
        out = []
        for pieces, where in [*self._done, (self._text, self._where)]:
            text = _SPACES.sub(" ", _CONTROL.sub("", "".join(pieces))).strip()
            if text:
                out.append(Line(text, *where) if where else Line(text))
        return out


def _position(cm: list[float], tm: list[float], size: float) -> tuple[float, float, float]:
    """(x, y, em) on the page for text drawn with text matrix `tm` under transformation `cm`."""
    x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
    y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
    scale = math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
    em = abs(size) * scale
    return x, y, em if em > 0 else 10.0


def _metadata(reader: object) -> tuple[str, str, str]:
    """(title, author, ISO date) from the document information, "" where unusable."""
    meta = reader.metadata  # type: ignore[attr-defined]
    if meta is None:
        return "", "", ""
    title = _SPACES.sub(" ", str(meta.title or "")).strip()
    if (
        len(title) > TITLE_MAX_CHARS
        or _FILE_NAME.search(title)
        or title.lower().startswith("microsoft ")
        or title.lower() in _PLACEHOLDER_TITLES
    ):
        title = ""  # "Microsoft Word - memo.docx" names the file, not the article
    author = _SPACES.sub(" ", str(meta.author or "")).strip()
    try:
        created = meta.creation_date
    except Exception:  # a malformed date string is not worth failing the document for
        created = None
    return title, author, created.date().isoformat() if created is not None else ""


def _signature(line: str) -> str:
    """A line with its numbers blanked, so "Report 2024 · page 3" matches "… page 4"."""
    return _DIGITS.sub("#", line.casefold())


def is_page_number(line: str) -> bool:
    """True for a line that is only a page number ("7", "- 7 -", "Page 7 of 12", "iv")."""
    return bool(_PAGE_NUMBER.match(line))


def _edge_numbers(line: Line) -> set[int]:
    """The numbers a line starts or ends with ("Chapter 2: Naming 3" → {3})."""
    return {int(m.group(1) or m.group(2)) for m in _EDGE_NUMBER.finditer(line.text)}


def drop_page_furniture(pages: list[list[Line]]) -> list[list[Line]]:
    """Pages without page numbers and the headers/footers repeated at the edges of most pages.

    A header repeats either as text ("Annual Report 2024", digits aside) or by carrying the page
    number: "Chapter 2: Naming 3" on one page and "Chapter 4: Functions 8" five pages later
    differ in words, but their numbers keep one offset from the page's position.
    """
    counts: Counter[str] = Counter()
    offsets: Counter[int] = Counter()
    for index, lines in enumerate(pages):
        edges = lines[:EDGE_LINES] + lines[-EDGE_LINES:] if len(lines) > EDGE_LINES else lines
        counts.update({_signature(line.text) for line in edges})
        offsets.update({n - index for line in edges for n in _edge_numbers(line)})
    needed = max(2, math.ceil(REPEATED_SHARE * len(pages)))
    repeated = {sig for sig, n in counts.items() if n >= needed}
    numbering = [offset for offset, n in offsets.most_common(1) if n >= needed]

    return [
        _trim(lines, _Furniture(repeated, numbering[0] + index if numbering else None))
        for index, lines in enumerate(pages)
    ]


class _Furniture:
    """Tells one page's furniture: page numbers, repeated lines, and the line with its number."""

    def __init__(self, repeated: set[str], page_number: int | None) -> None:
        self.repeated = repeated
        self.page_number = page_number

    def __call__(self, line: Line) -> bool:
        """True for a line to drop."""
        if is_page_number(line.text) or _signature(line.text) in self.repeated:
            return True
        if self.page_number is not None and self.page_number in _edge_numbers(line):
            self.page_number = None  # a page carries its number once: another match is body text
            return True
        return False


def _trim(lines: list[Line], furniture: _Furniture) -> list[Line]:
    """The page without the furniture among its first and last EDGE_LINES lines."""
    top = 0
    while top < min(EDGE_LINES, len(lines)) and furniture(lines[top]):
        top += 1
    bottom = len(lines)
    while bottom > max(top, len(lines) - EDGE_LINES) and furniture(lines[bottom - 1]):
        bottom -= 1
    return lines[top:bottom]


@cache
def _common_words() -> frozenset[str]:
    text = files("bot").joinpath("data/casing_vocab.txt").read_text("utf-8")
    words = (line.strip() for line in text.splitlines() if line and not line.startswith("#"))
    return frozenset(word for _, word in zip(range(COMMON_WORDS), words, strict=False))


def _joins_hyphenated(left: str, right: str) -> str:
    """The word split as "left-" / "right": joined, unless it is a real hyphenated compound."""
    common = _common_words()
    first, second = left.lower(), re.split(r"[^\w]", right, maxsplit=1)[0].lower()
    if first in common and second in common and first + second not in common:
        return f"{left}-{right}"
    return left + right


def _width(lines: list[Line]) -> int:
    """A full line's length in characters: the 90th percentile of the document's line lengths."""
    lengths = sorted(len(line.text) for line in lines)
    return lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))]


def _leading(pages: list[list[Line]]) -> float:
    """The usual distance between the baselines of consecutive lines (0 when unknown)."""
    steps = sorted(
        above.y - below.y
        for lines in pages
        for above, below in itertools.pairwise(lines)
        if above.y is not None and below.y is not None and above.y > below.y
    )
    return steps[len(steps) // 2] if steps else 0.0


def _breaks_paragraph(line: Line, following: Line, width: int, leading: float) -> bool:
    """True when `line` ends a paragraph or is a heading: judged by the gap below it, the next
    line's indent and first word, and whether that word would have fitted on `line`."""
    if _BULLET.match(following.text):
        return True
    if line.y is not None and following.y is not None and leading and line.y > following.y:
        if line.y - following.y > PARAGRAPH_GAP * leading:
            return True
        if (
            line.x is not None
            and following.x is not None
            and following.x - line.x > INDENT_EMS * following.size
            and not following.text[0].islower()
        ):
            return True
    ends_sentence = bool(_SENTENCE_END.search(line.text))
    if line.y is not None and following.y is not None and following.y >= line.y:
        # A new page or column: the gap says nothing. A paragraph ending at the foot of a page
        # ends a sentence; one sentence more or less per paragraph costs the summary nothing.
        if ends_sentence and not following.text[0].islower():
            return True
    first_word = following.text.split(" ", 1)[0]
    if len(line.text) + 1 + len(first_word) >= DELIBERATE_BREAK * width:
        return False
    # A short line followed by lowercase text is a wrapped fragment (a table cell, a line
    # broken before a long link), not a paragraph end.
    return ends_sentence or not following.text[0].islower()


def rewrap(pages: list[list[Line]]) -> list[str]:
    """Lines of all pages → paragraphs: hyphenated words joined, wrapped lines rejoined."""
    lines = [line for page in pages for line in page]
    if not lines:
        return []
    width = _width(lines)
    leading = _leading(pages)
    paragraphs: list[str] = []
    current = lines[0].text
    for previous, line in itertools.pairwise(lines):
        hyphen = _HYPHEN_END.search(current)
        if hyphen and line.text[0].islower():
            word, _, rest = line.text.partition(" ")
            if current.endswith("\u00ad"):
                joined = hyphen.group(1) + word
            else:
                joined = _joins_hyphenated(hyphen.group(1), word)
            current = (current[: hyphen.start()] + joined + (" " + rest if rest else "")).strip()
            continue
        if _COMPOUND_END.search(current) and line.text[0].isalnum():
            current += line.text  # the hyphen of a compound that is not split mid-word
            continue
        if _breaks_paragraph(previous, line, width, leading):
            paragraphs.append(current)
            current = line.text
        else:
            current = f"{current} {line.text}"
    paragraphs.append(current)
    return paragraphs
