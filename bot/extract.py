"""Main-text extraction from HTML with trafilatura, plus charset decoding. Pure: no network."""

from __future__ import annotations

import codecs
import re
from functools import cache
from importlib.resources import files

import charset_normalizer
import trafilatura

from bot.errors import ExtractError, UnsupportedContentError
from bot.evidence import page_names
from bot.models import Document, Fetched

# Fewer words than this is not an article but a teaser, an error page or a JavaScript shell.
# The shortest real article in news-dev has 18 words; teasers behind paywalls get caught by
# the paywall markers below even when they are a little longer.
MIN_WORDS = 15
# A text this short that comes with paywall markers is a teaser, not the article.
PAYWALL_MAX_WORDS = 120

# Scripts written without spaces between words count one word per character, so that a Chinese
# or Thai article is not mistaken for a teaser; runs of anything else between spaces are words.
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana, CJK ideographs
)
_WORD = re.compile(f"[{_UNSPACED}]|[^\\s{_UNSPACED}]+")

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


def count_words(text: str) -> int:
    """Words in `text`; in scripts without spaces (CJK, Thai, …) each character counts as one."""
    return len(_WORD.findall(text))


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


def extract_document(html: str, *, url: str = "", source: str = "") -> Document:
    """The article's main text and metadata; ExtractError when the page has too little text."""
    if not html.strip():
        raise ExtractError("The page is empty, so there is no article to read.")
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
        names=page_names(html),
    )


def _drop_title_line(text: str, title: str) -> str:
    """The body without a leading headline that merely repeats the title (it has its own field)."""
    first, _, rest = text.partition("\n")
    if title and rest.strip() and first.strip().casefold() == title.casefold():
        return rest.strip()
    return text


def document_from_fetched(fetched: Fetched, source: str) -> Document:
    """A Document from a download: HTML and PDF are extracted, plain text follows the text rule."""
    if fetched.content_type == "text/plain":
        from bot.sources import document_from_text  # sources imports this module

        doc = document_from_text(fetched.text, source)
        return Document(
            source=doc.source,
            text=doc.text,
            title=doc.title,
            url=fetched.url,
        )
    if fetched.content_type in ("text/html", "application/xhtml+xml"):
        return extract_document(fetched.text, url=fetched.url, source=source)
    if fetched.content_type == "application/pdf":
        from bot.pdf import extract_pdf  # bot.pdf imports this module

        return extract_pdf(fetched.body, source=source, url=fetched.url)
    raise UnsupportedContentError(
        f"The link returns {fetched.content_type or 'no content type'}, "
        "not a web page, text or PDF, so it can't be summarised."
    )
