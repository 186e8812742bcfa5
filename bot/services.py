"""The composition root: every client the CLI, the bot, the digest scheduler and the benches use.

Nothing else builds a database, a fetcher, an LLM client or a pipeline. Front ends call
`build_services(settings)` once at start-up and `Services.aclose()` at shutdown; tests and benches
pass their own clock, LLM client or fetcher through the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.digests.feeds import FeedPoller
from bot.digests.scheduler import DigestRenderer, DigestScheduler, SendFn
from bot.errors import ConfigError
from bot.ingest.fetch import Fetcher
from bot.metrics import Health, Metrics
from bot.pipeline import Pipeline
from bot.storage.articles import ChatArticles
from bot.storage.cache import SummaryCache, UsageLog
from bot.storage.db import Database
from bot.storage.digests import DigestStore
from bot.summarise import OfflineSummariser, build_summariser
from bot.workers import CpuPool, build_cpu_pool

if TYPE_CHECKING:
    from bot.summarise.llm import LLMClient


@dataclass
class Services:
    """Everything a handler needs, injected instead of imported."""

    settings: Settings
    db: Database
    pipeline: Pipeline
    metrics: Metrics
    clock: Clock = SystemClock()  # noqa: RUF009 - stateless, safe to share
    health: Health = field(default_factory=Health)  # readiness state for /healthz
    cpu: CpuPool | None = None  # worker processes (or threads) for extraction and cleanup

    async def aclose(self) -> None:
        """Close the HTTP and LLM clients, the CPU workers, then the database."""
        try:
            await self.pipeline.aclose()
        finally:
            try:
                if self.cpu is not None:
                    await self.cpu.aclose()
            finally:
                await self.db.close()


def build_pipeline(
    settings: Settings,
    *,
    db: Database,
    metrics: Metrics | None = None,
    clock: Clock | None = None,
    llm_client: LLMClient | None = None,
    fetcher: Fetcher | None = None,
    cpu: CpuPool | None = None,
) -> Pipeline:
    """The pipeline on `db`, with the fetcher and summarisers the settings ask for (CPU stages in
    `cpu`, else in a thread pool of the pipeline's own)."""
    metrics = metrics or Metrics()
    clock = clock or SystemClock()
    return Pipeline(
        settings=settings,
        fetcher=fetcher or Fetcher.from_settings(settings),
        summariser=build_summariser(settings, client=llm_client, metrics=metrics),
        offline=OfflineSummariser(),
        cache=SummaryCache(db, clock=clock),
        usage=UsageLog(db),
        chat_articles=ChatArticles(db),
        metrics=metrics,
        clock=clock,
        summary_flight=_summary_flight(settings, db),
        cpu=cpu,
    )


def _summary_flight(settings: Settings, db: Database) -> Any:
    """Replicas summarise an article once across processes (an advisory lock per cache key)."""
    if not (settings.scale_out and db.is_postgres):
        return None
    from bot.scale.flight import AdvisoryLockFlight

    return AdvisoryLockFlight(db)


async def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    llm_client: LLMClient | None = None,
    fetcher: Fetcher | None = None,
    check_writable: bool = False,
    cpu_processes: bool | None = None,
) -> Services:
    """Open the database (migrating it), start the CPU workers and build the pipeline;
    ConfigError on failure. `cpu_processes=False` overrides CPU_PROCESSES (the CLI, reading one
    source, does not pay the workers' start-up)."""
    metrics = Metrics()
    clock = clock or SystemClock()
    db = await Database.open(
        settings.effective_database_url,
        pool_size=settings.db_pool_size,
        concurrency=settings.concurrent_updates,
        queue_timeout=settings.db_queue_timeout,
        metrics=metrics,
    )
    cpu: CpuPool | None = None
    try:
        if check_writable:
            await _check_writable(db)
        cpu = await build_cpu_pool(
            settings.cpu_workers,
            processes=settings.cpu_processes if cpu_processes is None else cpu_processes,
            metrics=metrics,
            per_owner=settings.cpu_jobs_per_user,
        )
        pipeline = build_pipeline(
            settings,
            db=db,
            metrics=metrics,
            clock=clock,
            llm_client=llm_client,
            fetcher=fetcher,
            cpu=cpu,
        )
    except BaseException:
        if cpu is not None:
            await cpu.aclose()
        await db.close()
        raise
    return Services(
        settings=settings, db=db, pipeline=pipeline, metrics=metrics, clock=clock, cpu=cpu
    )


def build_digest_scheduler(
    services: Services, send: SendFn, renderer: DigestRenderer, **options: Any
) -> DigestScheduler:
    """A digest scheduler on the services' database, clock, pipeline and metrics."""
    store = DigestStore(services.db)
    return DigestScheduler(
        store=store,
        clock=services.clock,
        send=send,
        renderer=renderer,
        metrics=services.metrics,
        grace=timedelta(hours=services.settings.digest_grace_hours),
        poller=FeedPoller(store, services.pipeline),
        **({"max_stories": services.settings.digest_max_stories} | options),
    )


async def _check_writable(db: Database) -> None:
    try:
        async with db.session() as session:
            # A write that is rolled back: read-only files and permissions fail here, not later.
            await session.execute(text("DELETE FROM chats WHERE id IS NULL"))
            await session.rollback()
    except Exception as exc:
        raise ConfigError(
            f"The database is not writable ({type(exc).__name__}); check DATABASE_URL/DATA_DIR "
            "permissions."
        ) from exc
