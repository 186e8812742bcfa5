"""Turn what the user gave (a URL, a file, pasted or piped text) into a Document. Pure: no network."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from bot.errors import InputError
from bot.extract import decode_body, extract_document
from bot.models import Document
from bot.pdf import extract_pdf

# A first line this short, followed by a blank line, is the title (see examples/spun-article.txt).
TITLE_MAX_CHARS = 200
TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIX = ".pdf"
MAX_FILE_BYTES = 20 * 1024 * 1024

_MD_HEADING = re.compile(r"^#{1,6}\s+")


def is_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


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


def read_file_source(path: str) -> Document:
    """A Document from a .txt/.md (text rule), .html/.htm or .pdf (extraction) file."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (*TEXT_SUFFIXES, *HTML_SUFFIXES, PDF_SUFFIX):
        raise InputError(
            f"{path} is not a .txt, .md, .html, .htm or .pdf file, "
            "the only kinds of file the bot reads."
        )
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"There is no file {path}; check the path.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a file.") from None
    except OSError as exc:
        raise InputError(f"{path} could not be read ({exc.strerror}).") from None
    if suffix == PDF_SUFFIX:
        return extract_pdf(data, source=path)
    if suffix in HTML_SUFFIXES:
        return extract_document(decode_body(data), source=path)
    return document_from_text(decode_body(data, html=False), path)
