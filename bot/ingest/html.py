"""Main-text extraction from HTML with trafilatura, plus charset decoding. Pure: no network."""

from __future__ import annotations

import codecs
import itertools
import re
from functools import cache
from importlib.resources import files

import charset_normalizer
import trafilatura

from bot.errors import ExtractError, PageTooComplexError
from bot.ingest.text import MIN_WORDS, count_words
from bot.models import Document

# A text this short that comes with paywall markers is a teaser, not the article.
PAYWALL_MAX_WORDS = 120
# Parsing time and memory grow with the element count (measured: 10,000 links 1.3 s, 30,000
# 5.1 s, 100,000 28 s and about 900 MB). The news-dev pages have 77-1,452 elements (median 756);
# heavy real pages reach a few thousand. More than this is refused before parsing.
MAX_ELEMENTS = 30_000
_START_TAG = re.compile(r"<[A-Za-z]")

_BOM_CODECS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.\-]+)""")
# Browsers treat these labels as windows-1252 (WHATWG Encoding); so do we.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252"}


def _codec(label: str) -> str:
    """A Python codec name for a charset label, or "" when unknown."""
    label = label.strip().strip("\"'").lower()
    if not label:
        return ""
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return ""


def decode_body(data: bytes, declared: str = "", *, html: bool = True) -> str:
    """Bytes to text: BOM, then the declared charset, then <meta charset>, then detection."""
    for bom, codec in _BOM_CODECS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    candidates = [_codec(declared)]
    if html:
        head = data[:8192]
        match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
        if match:
            candidates.append(_codec(match.group(1).decode("ascii", "ignore")))
    for codec in candidates:
        if codec:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue  # the label lied; fall through to detection
    try:
        return data.decode("utf-8")  # by far the most common; detection is slower and can err
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("utf-8", errors="replace")


@cache
def _paywall_markers() -> tuple[str, ...]:
    text = files("bot").joinpath("data/paywall_markers.txt").read_text("utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def looks_paywalled(html: str) -> bool:
    """True when the page carries a known paywall marker (schema.org flag or phrase)."""
    lowered = html.lower()
    return any(marker in lowered for marker in _paywall_markers())


def count_elements(html: str, limit: int) -> int:
    """Start tags in `html`, counted up to `limit + 1` (a cheap scan: about 8 ms a megabyte)."""
    return sum(1 for _ in itertools.islice(_START_TAG.finditer(html), limit + 1))


def extract_document(
    html: str, *, url: str = "", source: str = "", max_elements: int = MAX_ELEMENTS
) -> Document:
    """The article's main text and metadata; ExtractError when the page has too little text,
    PageTooComplexError when it has more than `max_elements` elements."""
    if not html.strip():
        raise ExtractError("The page is empty, so there is no article to read.")
    if max_elements > 0 and count_elements(html, max_elements) > max_elements:
        raise PageTooComplexError(
            f"That page has more than {max_elements:,} HTML elements, far more than an article "
            "needs, so it was not read; paste the text instead.",
            detail=f"over {max_elements} elements",
        )
    # Options chosen by measurement on news-dev (bench/extraction.py): favour_precision drops
    # related-story teasers and share widgets (+0.013 F1); tables carry real content (-0.007 F1
    # without them); fast mode skips the fallback extractors and loses recall (-0.026 F1).
    result = trafilatura.bare_extraction(
        html,
        url=url or None,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        with_metadata=True,
    )
    text = (getattr(result, "text", None) or "").strip() if result is not None else ""
    title = ((result.title if result is not None else "") or "").strip()
    text = _drop_title_line(text, title)
    words = count_words(text)
    if words < PAYWALL_MAX_WORDS and looks_paywalled(html):
        raise ExtractError(
            "That page shows only a teaser and asks to subscribe (paywall); paste the text instead."
        )
    if words < MIN_WORDS:
        raise ExtractError(
            "No article text found on that page (it may need JavaScript, be paywalled or block "
            "bots); paste the text instead."
        )
    return Document(
        source=source or url,
        text=text,
        title=title,
        author=(result.author or "").strip(),
        date=(result.date or "").strip(),
        site=(result.sitename or "").strip(),
        url=url,
    )


def _drop_title_line(text: str, title: str) -> str:
    """The body without a leading headline that merely repeats the title (it has its own field)."""
    first, _, rest = text.partition("\n")
    if title and rest.strip() and first.strip().casefold() == title.casefold():
        return rest.strip()
    return text
