"""Plain data passed between pipeline stages. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Length = Literal["short", "medium", "long"]
LENGTHS: tuple[Length, ...] = ("short", "medium", "long")


@dataclass(frozen=True, slots=True)
class Fetched:
    """A downloaded response body, decoded to text (binary kinds such as PDF keep the bytes)."""

    url: str  # final URL after redirects
    requested_url: str
    content_type: str  # e.g. "text/html"
    text: str
    status: int = 200  # 304 when a conditional GET found nothing new (then text is "")
    etag: str = ""
    last_modified: str = ""
    body: bytes = b""  # the raw body of a binary type (application/pdf); text is "" then


@dataclass(frozen=True, slots=True)
class Document:
    """An article's main text plus metadata, from a page, a file, stdin or a chat message."""

    source: str  # what the user gave: URL, path or "-"
    text: str
    title: str = ""
    author: str = ""
    date: str = ""  # ISO 8601 date when known
    site: str = ""
    url: str = ""  # canonical/final URL when the source was a link
    # Cased names the page carries outside the text (title, JSON-LD, captions, links: see
    # bot/evidence.py); the cleanup stage's casing pass takes them as evidence.
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Repair:
    """One change made by the cleanup stage; `start` is the offset in the stage's input text."""

    kind: str  # unicode | whitespace | spacing | casing | acronym | spinner | boilerplate
    before: str
    after: str
    start: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, as printed by `clean --json`."""
        return {"kind": self.kind, "before": self.before, "after": self.after, "start": self.start}


@dataclass(frozen=True, slots=True)
class CleanResult:
    """The cleaned text and every repair that produced it."""

    text: str
    repairs: tuple[Repair, ...] = ()


@dataclass(frozen=True, slots=True)
class SummaryOptions:
    """What the user asked for."""

    length: Length = "medium"
    language: str = ""  # "" = the article's own language
    offline: bool = False


@dataclass(frozen=True, slots=True)
class Summary:
    """A summary as produced by a summariser (LLM or offline)."""

    text: str  # Markdown-ish plain text; untrusted when it came from an LLM
    model: str  # model name, or "offline"
    prompt_version: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    language: str = ""
    length: Length = "medium"
    note: str = ""  # e.g. "LLM unavailable, offline summary shown"


@dataclass(frozen=True, slots=True)
class Result:
    """What the pipeline returns for one source: the document, its cleanup and maybe its summary."""

    document: Document
    clean: CleanResult | None = None
    summary: Summary | None = None
    content_hash: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
