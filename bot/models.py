"""Plain data passed between pipeline stages. No I/O here."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Length = Literal["short", "medium", "long"]
LENGTHS: tuple[Length, ...] = ("short", "medium", "long")
# How a result's summary came about, for the reader's footer: by the LLM; offline because the
# operator configured no LLM; offline because the request asked for it; offline because the LLM
# failed (a fallback, never cached under the LLM's key).
SummaryKind = Literal["", "llm", "offline", "requested", "fallback"]


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


class TokenAllowance:
    """LLM tokens one request may still spend (what is left of a user's daily quota).

    Shared by every LLM call the request makes, including the links of one message that are
    summarised concurrently: each call reserves its worst case before it is sent.
    """

    def __init__(self, remaining: int) -> None:
        self.remaining = max(0, remaining)
        self.spent = 0

    def reserve(self, tokens: int) -> bool:
        """Set aside `tokens` for one call; False (nothing reserved) when not enough is left."""
        if tokens > self.remaining:
            return False
        self.remaining -= tokens
        return True

    def settle(self, reserved: int, used: int) -> None:
        """Account a finished call: return what it reserved but did not use."""
        self.remaining += max(0, reserved - used)
        self.spent += used


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
    # Quotes checked against the cleaned article (bot.summarise.quotes); set by the pipeline.
    quotes: int = 0
    quotes_verified: int = 0
    unverified_quotes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Result:
    """What the pipeline returns for one source: the document, its cleanup and maybe its summary."""

    document: Document
    clean: CleanResult | None = None
    summary: Summary | None = None
    content_hash: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    fingerprint: bytes = b""  # MinHash of the cleaned text (bot.clean.fingerprint), when summarised
    summary_kind: SummaryKind = ""  # "" when there is no summary (cleanup only)

    @property
    def is_fallback(self) -> bool:
        """True when the LLM failed and the offline summary stands in for it."""
        return self.summary_kind == "fallback"


_WHITESPACE = re.compile(r"\s+")


def content_hash(text: str) -> str:
    """SHA-256 hex of the text after NFKC normalisation and whitespace collapsing."""
    normalised = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CacheKey:
    """Everything that determines a summary's text."""

    content_hash: str
    prompt_version: str
    model: str
    length: str
    language: str


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a group conversation, as stored for recaps."""

    message_id: int
    author: str
    text: str
    at: datetime
    user_id: int | None = None
    reply_to: int | None = None
    thread_id: int | None = None
