"""The pipeline: source → fetch → extract → clean → summarise, with the cache and usage in between.

Built once at start-up (`bot.services.build_pipeline`) and shared by the CLI, the Telegram handlers and
the digest scheduler. The stages themselves are pure functions in their own modules; this class only
wires them to the network, the LLM and the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.clean import clean_document
from bot.clean.fingerprint import fingerprint
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.errors import N_, FetchError, InputError, StorageUnavailableError, SummariseError
from bot.ingest.documents import document_from_fetched
from bot.ingest.pdf import extract_pdf
from bot.ingest.text import document_from_text, is_url
from bot.metrics import Metrics
from bot.models import (
    CacheKey,
    CleanResult,
    Document,
    Result,
    Summary,
    SummaryKind,
    SummaryOptions,
    TokenAllowance,
    content_hash,
)
from bot.singleflight import SingleFlight
from bot.workers import CpuPool, ThreadCpuPool, work_owner

if TYPE_CHECKING:
    from bot.ingest.fetch import Fetcher
    from bot.summarise import Summariser

log = logging.getLogger(__name__)

Progress = Callable[[str], Awaitable[None]]


async def _no_progress(_stage: str) -> None:
    return None


class SummaryStore(Protocol):
    """Where summaries are cached by `CacheKey` (bot.storage.cache.SummaryCache)."""

    async def get(self, key: CacheKey) -> Summary | None: ...
    async def get_id(self, key: CacheKey) -> int | None: ...
    async def put(self, key: CacheKey, summary: Summary, *, title: str, url: str) -> int | None: ...


class UsageRecorder(Protocol):
    """Where each request's tokens are recorded (bot.storage.cache.UsageLog)."""

    async def record(
        self,
        *,
        chat_id: int | None,
        user_id: int | None,
        content_hash: str,
        summary: Summary,
        at: datetime,
    ) -> None: ...


class ArticleRecorder(Protocol):
    """Where the articles shared in each chat are kept for digests (bot.storage.articles)."""

    async def record(
        self,
        *,
        chat_id: int,
        content_hash: str,
        url: str,
        title: str,
        site: str,
        summary_id: int | None,
        origin: str,
        at: datetime,
        fingerprint: bytes = b"",
        text: str = "",
    ) -> None: ...


class Pipeline:
    """Turns sources into documents, cleaned documents and summaries."""

    def __init__(
        self,
        *,
        settings: Settings,
        fetcher: Fetcher,
        summariser: Summariser,
        offline: Summariser,
        cache: SummaryStore,
        usage: UsageRecorder,
        chat_articles: ArticleRecorder,
        metrics: Metrics | None = None,
        clock: Clock | None = None,
        summary_flight: SingleFlight[tuple[Summary, int | None]] | None = None,
        cpu: CpuPool | None = None,
    ) -> None:
        self.settings = settings
        self.fetcher = fetcher
        self.summariser = summariser
        self.offline = offline
        self.cache = cache
        self.usage = usage
        self.chat_articles = chat_articles
        self.metrics = metrics or Metrics()
        self.clock = clock or SystemClock()
        # Extraction and cleanup run here: worker processes when the composition root injects
        # them (bot.services), else a small thread pool this pipeline owns and closes.
        self._owns_cpu = cpu is None
        self.cpu: CpuPool = cpu or ThreadCpuPool(
            4, metrics=self.metrics, per_owner=settings.cpu_jobs_per_user
        )
        self._documents: SingleFlight[Document] = SingleFlight()
        # Replicas inject one that also holds a lock across processes (bot.scale.flight).
        self._summaries = summary_flight if summary_flight is not None else SingleFlight()

    @property
    def uses_llm(self) -> bool:
        """False when every summary is the offline one (no API key configured)."""
        return self.summariser.name != "offline"

    async def document(self, source: str | Document, progress: Progress | None = None) -> Document:
        """An http(s) URL or a ready Document → Document (fetch + extract).

        Strings are never treated as file paths here: the bot passes user-supplied strings, so
        only the CLI reads local files (`read_file_source`) and hands the Document in.
        """
        if isinstance(source, Document):
            return source
        source = source.strip()
        if is_url(source):
            return await self._documents.run(source, lambda: self._fetch_document(source, progress))
        if "://" in source:
            scheme = source.split(":", 1)[0]
            if scheme.lower() in ("http", "https"):
                # "http://" alone (or with a blank host) is an http link without a site name.
                raise InputError("That link has no site name in it.")
            raise InputError(
                f"Only http and https links are supported, not {source.split(':')[0]}:."
            )
        raise InputError(
            N_("That is not an http(s) link. Send a link to an article or paste its text.")
        )

    async def _fetch_document(self, url: str, progress: Progress | None) -> Document:
        await (progress or _no_progress)("fetching")
        try:
            fetched = await self.fetcher.fetch(url)
        except FetchError as exc:
            self.metrics.fetch_errors.labels(type(exc).__name__).inc()
            raise
        await (progress or _no_progress)("extracting")
        # Extraction is 30–90 ms of CPU per page (seconds for a hostile one): in a worker, with a
        # time limit, so other chats keep moving.
        return await self.cpu.run(
            "extract",
            document_from_fetched,
            fetched,
            url,
            self.settings.extract_max_elements,
            limit=self.settings.extract_timeout,
        )

    async def pdf_document(self, data: bytes, name: str) -> Document:
        """A PDF the user sent as a file → Document, extracted in a worker."""
        # The PDF reader keeps its own, longer budget (bot.ingest.pdf); this limit is the backstop.
        return await self.cpu.run(
            "pdf", _extract_pdf_file, data, name, limit=self.settings.extract_timeout * 2
        )

    async def clean(self, source: str | Document, progress: Progress | None = None) -> Result:
        """Fetch/extract (if needed) and run the cleanup stage."""
        document = await self.document(source, progress)
        await (progress or _no_progress)("cleaning")
        cleaned, repairs = await self.cpu.run(
            "clean", clean_document, document, limit=self.settings.extract_timeout
        )
        if not cleaned.text.strip():
            raise InputError(N_("The text is empty after cleanup; there is nothing to summarise."))
        return Result(document=cleaned, clean=repairs)

    async def summarise(
        self,
        source: str | Document,
        options: SummaryOptions,
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        origin: str = "message",
        progress: Progress | None = None,
        record_article: bool = True,
        allowance: TokenAllowance | None = None,
    ) -> Result:
        """Everything: document → cleanup → summary (from the cache when possible).

        The same content requested concurrently (from any URL) is summarised once; usage is recorded
        per request, and a chat_articles row is added when `chat_id` is given (and
        `record_article`: a retry of a fallback summary is the same article, not another one).
        """
        # CPU stages are limited per user (else per chat): one message with several heavy links
        # must not take every worker from the other chats.
        owner = user_id if user_id is not None else chat_id
        token = work_owner.set(owner) if owner is not None else None
        try:
            cleaned = await self.clean(source, progress)
        finally:
            if token is not None:
                work_owner.reset(token)
        document = cleaned.document
        digest = content_hash(document.text)
        warnings: list[str] = []
        summariser = self.summariser
        if options.offline or not self.uses_llm:
            # Running without a key is the operator's choice: `check` and the start-up log say
            # so; the reader is not told about keys.
            summariser = self.offline
        key = CacheKey(
            content_hash=digest,
            prompt_version=summariser.prompt_version,
            model=summariser.name,
            length=options.length,
            language=options.language,
        )
        summary, summary_id = await self._summaries.run(
            key,
            lambda: self._summarise(summariser, key, document, options, progress, allowance),
        )
        summary = verify_quotes(summary, document.text)
        if summary.note:
            warnings.append(summary.note)
        quote_note = _unverified_note(summary)
        if quote_note:
            warnings.append(quote_note)
        # ~1 ms per 1,000 words; off the loop all the same (long PDFs are 100,000 words).
        signature = await asyncio.to_thread(fingerprint, document.text)
        try:
            await self._record(
                chat_id,
                user_id,
                digest,
                summary,
                summary_id,
                document,
                origin,
                signature,
                record_article=record_article,
            )
        except StorageUnavailableError as exc:
            # The summary is paid for: deliver it even when its usage cannot be recorded.
            log.error("usage not recorded (storage unavailable): %s", exc.detail)
        return Result(
            document=document,
            clean=cleaned.clean,
            summary=summary,
            content_hash=digest,
            warnings=tuple(warnings),
            fingerprint=signature,
            summary_kind=self._kind(summariser, summary, options),
        )

    def _kind(
        self, summariser: Summariser, summary: Summary, options: SummaryOptions
    ) -> SummaryKind:
        if summariser is self.offline:
            return "requested" if options.offline and self.uses_llm else "offline"
        return "fallback" if summary.model == self.offline.name else "llm"

    async def _summarise(
        self,
        summariser: Summariser,
        key: CacheKey,
        document: Document,
        options: SummaryOptions,
        progress: Progress | None,
        allowance: TokenAllowance | None = None,
    ) -> tuple[Summary, int | None]:
        cached = await self.cache.get(key)
        if cached is not None:
            self.metrics.summaries.labels("cached").inc()
            return cached, await self.cache.get_id(key)
        await (progress or _no_progress)("summarising")
        try:
            summary = await summariser.summarise(document, options, allowance=allowance)
        except SummariseError as exc:
            self.metrics.summaries.labels("error").inc()
            if not self.settings.llm_fallback_offline or summariser is self.offline:
                raise
            log.warning(
                "LLM failed (%s: %s); falling back to the offline summary",
                type(exc).__name__,
                exc.detail or exc.user_message,
            )
            fallback = await self.offline.summarise(document, options)
            # Not cached at all: the next request (or the reader's Retry) tries the LLM again.
            # The reader learns of the fallback from Result.summary_kind, not from a note.
            return fallback, None
        # Token and latency metrics are recorded per LLM request by the summariser itself.
        self.metrics.summaries.labels("offline" if summariser is self.offline else "llm").inc()
        try:
            summary_id = await self.cache.put(key, summary, title=document.title, url=document.url)
        except StorageUnavailableError as exc:
            # The LLM is paid for: deliver the summary even when it cannot be cached.
            log.error("summary not cached (storage unavailable): %s", exc.detail)
            summary_id = None
        return summary, summary_id

    async def _record(
        self,
        chat_id: int | None,
        user_id: int | None,
        digest: str,
        summary: Summary,
        summary_id: int | None,
        document: Document,
        origin: str,
        signature: bytes,
        *,
        record_article: bool = True,
    ) -> None:
        now = self.clock.now()
        await self.usage.record(
            chat_id=chat_id, user_id=user_id, content_hash=digest, summary=summary, at=now
        )
        if chat_id is not None and record_article:
            await self.chat_articles.record(
                chat_id=chat_id,
                content_hash=digest,
                url=document.url,
                title=document.title,
                site=document.site,
                summary_id=summary_id,
                origin=origin,
                at=now,
                fingerprint=signature,
                text=document.text,
            )

    async def aclose(self) -> None:
        """Close the HTTP and LLM clients (the database belongs to whoever opened it)."""
        await self.fetcher.aclose()
        close = getattr(self.summariser, "aclose", None)
        if close is not None:
            await close()
        if self._owns_cpu:
            await self.cpu.aclose()


def _extract_pdf_file(data: bytes, name: str) -> Document:
    # Module-level, so a worker process receives it by name; keyword arguments do not cross.
    return extract_pdf(data, source=name)


def verify_quotes(summary: Summary, article: str) -> Summary:
    """The summary with its quotes checked against the article; unmatched ones lose their marks.

    Applied on every read, cached or not: the cache keeps what the summariser wrote.
    """
    from bot.summarise.quotes import check_quotes

    check = check_quotes(summary.text, article)
    if check.missing:
        log.info("quotes not found in the article: %s", "; ".join(check.missing)[:500])
    return replace(
        summary,
        text=check.text,
        quotes=check.quotes,
        quotes_verified=check.verified,
        unverified_quotes=check.missing,
    )


def _unverified_note(summary: Summary) -> str:
    from bot.summarise.quotes import unverified_note

    return unverified_note(summary.quotes, summary.quotes_verified)


def text_document(text: str, source: str = "text") -> Document:
    """Pasted or piped text → Document (re-exported for the front ends)."""
    return document_from_text(text, source)


__all__ = ["CleanResult", "Pipeline", "Progress", "text_document", "verify_quotes"]
