"""Turn what the user gave (a URL, a file, pasted or piped text) into a Document. Pure: no network."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.errors import InputError
from bot.models import Document

# The longest title a PDF's first paragraph or metadata may give (bot.ingest.pdf).
TITLE_MAX_CHARS = 200
# Pasted text: a first line this short, not ending in a full stop, followed by a blank line and a
# body, is the title (see examples/spun-article.txt). A one-sentence lead ends in a full stop.
TEXT_TITLE_MAX_CHARS = 100
# An untitled text is named by the first words of its first statement, at most this many.
NAME_MAX_WORDS = 8
NAME_MAX_CHARS = 60

_MD_HEADING = re.compile(r"^#{1,6}\s+")

# Fewer words than this is not an article but a teaser, an error page or a JavaScript shell.
# The shortest real article in news-dev has 18 words; teasers behind paywalls get caught by
# the paywall markers below even when they are a little longer.
MIN_WORDS = 15
# Scripts written without spaces between words count one word per character, so that a Chinese
# or Thai article is not mistaken for a teaser; runs of anything else between spaces are words.
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana, CJK ideographs
)
_WORD = re.compile(f"[{_UNSPACED}]|[^\\s{_UNSPACED}]+")


def count_words(text: str) -> int:
    """Words in `text`; in scripts without spaces (CJK, Thai, …) each character counts as one."""
    return len(_WORD.findall(text))


def is_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def is_title_line(line: str) -> bool:
    """A first line that reads as a headline: at most 100 characters, no final full stop."""
    line = line.strip()
    if _MD_HEADING.match(line):
        return True
    return 0 < len(line) <= TEXT_TITLE_MAX_CHARS and not line.endswith(".") and not is_url(line)


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\x1b")


def looks_binary(data: bytes) -> bool:
    """True when bytes are surely not text (NULs, or many control bytes), e.g. an image or a
    zip served as text/plain: summarising those only produces garbage."""
    sample = data[:8192]
    if not sample or sample.startswith(_UTF16_BOMS):
        return False
    if b"\0" in sample:
        return True
    controls = sum(1 for b in sample if b < 0x20 and b not in _TEXT_CONTROLS)
    return controls > len(sample) // 20


def document_from_text(text: str, source: str) -> Document:
    """A Document from plain text; a headline-like first line, then a blank line and a body, is
    the title."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").strip()
    if not text:
        raise InputError("The text is empty; paste an article's text or send a link to it.")
    title = ""
    first, sep, rest = text.partition("\n")
    body = rest.lstrip(" \t")
    if sep and body.startswith("\n") and body.strip() and is_title_line(first):
        title = _MD_HEADING.sub("", first.strip()).strip()
        text = body.strip()
    return Document(source=source, text=text, title=title)


_STATEMENT_END = re.compile(r"(?<=[.!?…])[\"”’»)]*\s")


def first_words(text: str) -> str:
    """A name for an untitled text: the first words of its first statement ("…" when cut)."""
    statement = _STATEMENT_END.split(text.strip(), maxsplit=1)[0].strip()
    words = statement.split()
    name = ""
    for count, word in enumerate(words, 1):
        candidate = f"{name} {word}".strip()
        if count > NAME_MAX_WORDS or len(candidate) > NAME_MAX_CHARS:
            return (name or word[:NAME_MAX_CHARS]).rstrip(",;:—-–") + "…"
        name = candidate
    return name
