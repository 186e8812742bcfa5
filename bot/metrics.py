"""Prometheus metrics, held in one registry built at start-up and injected, and readiness state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """All metrics the bot exports. Tests build their own instance (own registry)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "bot_updates_total", "Telegram updates handled", ["kind"], registry=r
        )
        self.summaries = Counter(
            "bot_summaries_total", "Summaries by outcome", ["outcome"], registry=r
        )  # outcome: llm | offline | cached | error
        self.llm_tokens = Counter("bot_llm_tokens_total", "LLM tokens", ["direction"], registry=r)
        self.llm_latency = Histogram(
            "bot_llm_latency_seconds",
            "LLM request latency",
            buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128),
            registry=r,
        )
        self.fetch_errors = Counter("bot_fetch_errors_total", "Fetch errors", ["kind"], registry=r)
        self.digests = Counter("bot_digests_total", "Digests by outcome", ["outcome"], registry=r)
        self.telegram_retry_after = Counter(
            "bot_telegram_retry_after_total", "429 RetryAfter answers from Telegram", registry=r
        )
        self.telegram_send_wait = Histogram(
            "bot_telegram_send_wait_seconds",
            "Time a flood-limited send waited for the pacer",
            ["priority"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
            registry=r,
        )
        self.db_wait = Histogram(
            "bot_db_wait_seconds",
            "Time a database session waited for a connection (and, on SQLite, the writer)",
            ["kind"],  # read | write
            buckets=(0.001, 0.005, 0.02, 0.1, 0.5, 2, 8, 30, 60),
            registry=r,
        )
        self.db_waiting = Gauge(
            "bot_db_waiting_sessions", "Database sessions waiting for their turn now", registry=r
        )
        self.db_busy = Counter(
            "bot_db_busy_total", "Sessions refused after waiting past DB_QUEUE_TIMEOUT", registry=r
        )
        self.cpu_tasks = Counter(
            "bot_cpu_tasks_total",
            "CPU-bound stages run in the worker pool",
            ["stage", "outcome"],  # outcome: ok | error | timeout | crashed
            registry=r,
        )
        self.cpu_seconds = Histogram(
            "bot_cpu_task_seconds",
            "Time from submitting a CPU stage to its result (queueing included)",
            ["stage"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=r,
        )
        self.last_update_timestamp = Gauge(
            "bot_last_update_timestamp_seconds", "When the last update was processed", registry=r
        )


@dataclass
class Health:
    """Readiness state shared by the Telegram layer, the digest scheduler and the health server."""

    scheduler_running: bool | None = None  # None: digests not enabled, nothing to check
    shutting_down: bool = False
    last_update_at: datetime | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updates_probe: Callable[[], bool] | None = None  # None: not checked

    def mark_update(self, when: datetime | None = None) -> None:
        """Record that an update was processed (defaults to now)."""
        self.last_update_at = when or datetime.now(UTC)
