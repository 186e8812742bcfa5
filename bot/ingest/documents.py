"""Which reader a source needs: a download by its content type, a local file by its suffix."""

from __future__ import annotations

from pathlib import Path

from bot.errors import InputError, UnsupportedContentError
from bot.ingest.html import MAX_ELEMENTS, decode_body, extract_document
from bot.ingest.pdf import extract_pdf
from bot.ingest.text import document_from_text
from bot.models import Document, Fetched

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIX = ".pdf"
MAX_FILE_BYTES = 20 * 1024 * 1024


def document_from_fetched(
    fetched: Fetched, source: str, max_elements: int = MAX_ELEMENTS
) -> Document:
    """A Document from a download: HTML and PDF are extracted, plain text follows the text rule."""
    if fetched.content_type == "text/plain":
        doc = document_from_text(fetched.text, source)
        return Document(
            source=doc.source,
            text=doc.text,
            title=doc.title,
            url=fetched.url,
        )
    if fetched.content_type in ("text/html", "application/xhtml+xml"):
        return extract_document(
            fetched.text, url=fetched.url, source=source, max_elements=max_elements
        )
    if fetched.content_type == "application/pdf":
        return extract_pdf(fetched.body, source=source, url=fetched.url)
    raise UnsupportedContentError(
        f"The link returns {fetched.content_type or 'no content type'}, "
        "not a web page, text or PDF, so it can't be summarised."
    )


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
