"""Which reader a source needs: a download by its content type, a local file by its suffix."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from bot.errors import InputError, UnsupportedContentError
from bot.ingest.html import MAX_ELEMENTS, decode_body, extract_document
from bot.ingest.pdf import extract_pdf
from bot.ingest.text import document_from_text, looks_binary
from bot.models import Document, Fetched

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIX = ".pdf"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_STDIN_BYTES = MAX_FILE_BYTES
BINARY_MESSAGE = "{what} is binary data, not text, so it can't be summarised."


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
        data = _read_regular_file(file, path)
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
    if looks_binary(data):
        raise InputError(BINARY_MESSAGE.format(what=path))
    return document_from_text(decode_body(data, html=False), path)


def _too_big(what: str, cap: int = 0) -> InputError:
    cap = cap or MAX_FILE_BYTES
    size = f"{cap // (1024 * 1024)} MB" if cap >= 1024 * 1024 else f"{cap} bytes"
    return InputError(f"{what} is larger than {size}.")


def _read_capped(read: object, cap: int, what: str) -> bytes:
    # Never trust a size reported up front: read at most cap + 1 bytes and judge what came.
    chunks: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = read(min(1 << 20, cap + 1 - size))  # type: ignore[operator]
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > cap:
        raise _too_big(what, cap)
    return b"".join(chunks)


def _read_regular_file(file: Path, path: str) -> bytes:
    """The file's bytes; InputError for a FIFO, device or socket, or when over the cap.

    Opened non-blocking so that a FIFO cannot hang the open, then judged by fstat of what was
    opened (a symlink to /dev/zero is a character device, whatever stat() of the name says).
    """
    fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb", buffering=0) as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise InputError(
                f"{path} is not a regular file (a pipe or a device), so it is not read."
            )
        if os.fstat(fd).st_size > MAX_FILE_BYTES:
            raise _too_big(path)
        return _read_capped(handle.read, MAX_FILE_BYTES, path)


def read_stdin_source(stream: BinaryIO, cap: int | None = None) -> Document:
    """A Document from standard input, reading at most `cap` (MAX_STDIN_BYTES) + 1 bytes."""
    data = _read_capped(stream.read, cap or MAX_STDIN_BYTES, "The text on standard input")
    if looks_binary(data):
        raise InputError(BINARY_MESSAGE.format(what="Standard input"))
    return document_from_text(decode_body(data, html=False), "-")
