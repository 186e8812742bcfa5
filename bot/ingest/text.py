"""Turn what the user gave (a URL, a file, pasted or piped text) into a Document. Pure: no network."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.errors import InputError
from bot.models import Document

# A first line this short, followed by a blank line, is the title (see examples/spun-article.txt).
TITLE_MAX_CHARS = 200

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
    """A Document from plain text; a short first line followed by a blank line is the title."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").strip()
    if not text:
        raise InputError("The text is empty; paste an article's text or send a link to it.")
    title = ""
    first, sep, rest = text.partition("\n")
    body = rest.lstrip(" \t")
    if sep and body.startswith("\n") and len(first.strip()) <= TITLE_MAX_CHARS and body.strip():
        title = _MD_HEADING.sub("", first.strip()).strip()
        text = body.strip()
    return Document(source=source, text=text, title=title)
