"""Telegram updates as durable jobs on PostgreSQL (procrastinate), processed by any replica.

Ingress (`UpdateQueue.accept`) records the update's `update_id` in `scale_updates` (primary key:
Telegram re-delivers an update it saw no 200 for) and defers one `process_update` job:

- with `lock="chat:<id>"`: procrastinate never runs two jobs holding the same lock at once and
  starts them in the order they were deferred, so one chat's updates are handled in order while
  other chats' go on in parallel on every replica;
- with `queueing_lock="update:<id>"`: two replicas accepting the same re-delivered update at the
  same moment still queue one job.

A worker (`run_worker`) runs jobs; each attempt is counted in the ledger. A job whose handler
fails is retried (procrastinate's retry strategy) until `max_attempts`, then *parked*: left
failed with its error in `scale_updates`, counted by `counts()` for /stats and metrics, never
retried for ever. A worker that dies (kill -9, lost machine) stops sending heartbeats; any
replica's `retry_stalled` then puts its jobs back to `todo` for another worker. Sends a retried
job already made are not made again: `SendJournal` records each send's result under
(update_id, n-th send), and the replaying rate limiter (`bot.scale.replay`) answers a repeat from
the journal instead of calling Telegram.

The ledger tables come from the alembic revision `0006_scale`; procrastinate's own schema is
applied by `ensure_schema` (idempotent).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued

log = logging.getLogger(__name__)

QUEUE = "updates"
RECEIVED, QUEUED, RUNNING, DONE, FAILED, PARKED = (
    "received",
    "queued",
    "running",
    "done",
    "failed",
    "parked",
)

Handler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(slots=True)
class JobScope:
    """What the running job knows about itself (a context variable, set per job)."""

    update_id: int
    attempt: int
    sends: int = 0  # sends made so far in this attempt (the journal's sequence number)
    failure: BaseException | None = None  # set by the front end when its handler failed


current_job: ContextVar[JobScope | None] = ContextVar("current_job", default=None)


def update_chat_id(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (for per-chat ordering), or None."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat")
        if chat is None and isinstance(value.get("message"), dict):
            chat = value["message"].get("chat")  # callback queries
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
        sender = value.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])  # inline queries and the like: order per user
    return None


def procrastinate_conninfo(database_url: str) -> str:
    """A libpq URL from a SQLAlchemy one (postgresql+psycopg://... -> postgresql://...)."""
    scheme, sep, rest = database_url.partition("://")
    if not sep or not scheme.startswith("postgres"):
        raise ValueError("the durable queue needs a PostgreSQL DATABASE_URL")
    return "postgresql://" + rest


async def _one_or_none(connector: Any, query: Any, **arguments: Any) -> dict[str, Any] | None:
    """The first row, or None (procrastinate's execute_query_one raises on no row)."""
    rows = await connector.execute_query_all_async(query, **arguments)
    return rows[0] if rows else None


@dataclass
class UpdateQueue:
    """Accepts updates once, queues them durably, and runs them with `handler` on a worker."""

    database_url: str
    handler: Handler | None = None
    max_attempts: int = 3
    retry_wait: float = 1.0
    on_parked: Callable[[int, str], None] | None = None
    app: App = field(init=False)

    def __post_init__(self) -> None:
        self.app = App(
            connector=PsycopgConnector(conninfo=procrastinate_conninfo(self.database_url))
        )
        # procrastinate retries a failed attempt; the ledger parks it after `max_attempts`, so
        # the strategy only needs to allow one more than that.
        strategy = RetryStrategy(max_attempts=self.max_attempts + 1, wait=int(self.retry_wait))
        self._task = self.app.task(
            name="newsfix.process_update", queue=QUEUE, retry=strategy, pass_context=True
        )(self._run)

    @property
    def connector(self) -> Any:
        """The psycopg connector (its pool serves the ledger queries too)."""
        return self.app.connector

    async def open(self) -> None:
        """Open the connection pool."""
        await self.app.open_async()

    async def close(self) -> None:
        """Close the connection pool."""
        await self.app.close_async()

    async def ensure_schema(self) -> None:
        """Apply procrastinate's schema unless it is there (safe from several replicas)."""
        row = await self.connector.execute_query_one_async(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
        )
        if row["present"]:
            return
        try:
            # One multi-statement script, so one implicit transaction: a replica that loses the
            # race to another applying it at the same moment rolls back and finds it there.
            await self.app.schema_manager.apply_schema_async()
        except Exception:
            row = await self.connector.execute_query_one_async(
                "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
            )
            if not row["present"]:
                raise

    # -- ingress ------------------------------------------------------------------------------

    async def accept(self, update: dict[str, Any]) -> bool:
        """Record and queue one update; False when it was seen before (a re-delivery)."""
        update_id = int(update["update_id"])
        chat_id = update_chat_id(update)
        row = await self.connector.execute_query_one_async(
            """
            WITH new AS (
                INSERT INTO scale_updates (update_id, chat_id, state, attempts, error)
                VALUES (%(update_id)s, %(chat_id)s, 'received', 0, '')
                ON CONFLICT (update_id) DO NOTHING
                RETURNING state
            )
            SELECT state, true AS new FROM new
            UNION ALL
            SELECT state, false AS new FROM scale_updates WHERE update_id = %(update_id)s
            LIMIT 1
            """,
            update_id=update_id,
            chat_id=chat_id,
        )
        if row is not None and not row["new"] and row["state"] != RECEIVED:
            return False
        # New, or recorded by a replica that died before queueing it: queue it (once).
        lock = f"chat:{chat_id}" if chat_id is not None else f"update:{update_id}"
        try:
            await self._task.configure(lock=lock, queueing_lock=f"update:{update_id}").defer_async(
                update=update
            )
        except AlreadyEnqueued:
            return False
        await self.connector.execute_query_async(
            "UPDATE scale_updates SET state = 'queued' WHERE update_id = %(update_id)s"
            " AND state = 'received'",
            update_id=update_id,
        )
        return True

    # -- worker ---------------------------------------------------------------------------------

    async def _run(self, context: Any, update: dict[str, Any]) -> None:
        update_id = int(update["update_id"])
        row = await _one_or_none(
            self.connector,
            """
            UPDATE scale_updates SET state = 'running', attempts = attempts + 1
            WHERE update_id = %(update_id)s AND state NOT IN ('done', 'parked')
            RETURNING attempts
            """,
            update_id=update_id,
        )
        if row is None:
            return  # answered (or parked) already: a duplicate job
        scope = JobScope(update_id, int(row["attempts"]))
        token = current_job.set(scope)
        try:
            if self.handler is None:
                raise RuntimeError("this replica has no update handler")
            await self.handler(update)
            if scope.failure is not None:
                raise scope.failure
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            parked = scope.attempt >= self.max_attempts
            await self.connector.execute_query_async(
                "UPDATE scale_updates SET state = %(state)s, error = %(error)s,"
                " finished_at = now() WHERE update_id = %(update_id)s",
                state=PARKED if parked else FAILED,
                error=error,
                update_id=update_id,
            )
            if parked:
                log.error("update %s parked after %s attempts: %s", update_id, scope.attempt, error)
                if self.on_parked is not None:
                    self.on_parked(update_id, error)
                return  # parked: the job ends, nothing retries it
            raise
        finally:
            current_job.reset(token)
        await self.connector.execute_query_async(
            "UPDATE scale_updates SET state = 'done', error = '', finished_at = now()"
            " WHERE update_id = %(update_id)s",
            update_id=update_id,
        )

    async def run_worker(
        self,
        *,
        concurrency: int = 4,
        name: str = "worker",
        heartbeat: float = 2.0,
        stalled_after: float = 10.0,
        wait: bool = True,
    ) -> None:
        """Process queued updates until cancelled (or, with wait=False, until the queue is empty)."""
        await self.app.run_worker_async(
            queues=[QUEUE],
            concurrency=concurrency,
            name=name,
            wait=wait,
            install_signal_handlers=False,
            update_heartbeat_interval=heartbeat,
            stalled_worker_timeout=stalled_after,
            fetch_job_polling_interval=0.5,
        )

    async def retry_stalled(self, stalled_after: float = 10.0) -> int:
        """Put the jobs of workers silent for `stalled_after` seconds back in the queue."""
        stalled = list(
            await self.app.job_manager.get_stalled_jobs(
                queue=QUEUE, seconds_since_heartbeat=stalled_after
            )
        )
        for job in stalled:
            log.warning("retrying update job %s: its worker stopped answering", job.id)
            await self.app.job_manager.retry_job(job)
        if stalled:
            await self.app.job_manager.prune_stalled_workers(stalled_after)
        return len(stalled)

    async def watch_stalled(self, *, every: float = 5.0, stalled_after: float = 10.0) -> None:
        """Every `every` seconds, retry stalled jobs (any replica may; the retry is idempotent)."""
        while True:
            try:
                await self.retry_stalled(stalled_after)
            except Exception as exc:  # a database outage delays retries, nothing more
                log.warning("could not look for stalled jobs: %s", exc)
            await asyncio.sleep(every)

    # -- reporting ------------------------------------------------------------------------------

    async def counts(self) -> dict[str, int]:
        """Updates per ledger state (received, queued, running, done, failed, parked)."""
        rows = await self.connector.execute_query_all_async(
            "SELECT state, count(*) AS n FROM scale_updates GROUP BY state"
        )
        return {row["state"]: int(row["n"]) for row in rows}

    async def parked(self, limit: int = 20) -> list[tuple[int, str]]:
        """The most recently parked updates and their errors."""
        rows = await self.connector.execute_query_all_async(
            "SELECT update_id, error FROM scale_updates WHERE state = 'parked'"
            " ORDER BY finished_at DESC LIMIT %(limit)s",
            limit=limit,
        )
        return [(int(row["update_id"]), row["error"]) for row in rows]


class SendJournal:
    """The result of every send a job made, so a retried job repeats none of them."""

    def __init__(self, queue: UpdateQueue) -> None:
        self._connector = queue.connector

    async def lookup(self, update_id: int, seq: int, endpoint: str) -> Any | None:
        """The recorded result of this job's `seq`-th send, if it was made (same endpoint)."""
        row = await _one_or_none(
            self._connector,
            "SELECT result FROM scale_sends WHERE update_id = %(update_id)s AND seq = %(seq)s"
            " AND endpoint = %(endpoint)s",
            update_id=update_id,
            seq=seq,
            endpoint=endpoint,
        )
        return None if row is None else json.loads(row["result"])

    async def record(self, update_id: int, seq: int, endpoint: str, result: Any) -> None:
        """Remember that the `seq`-th send of this job was made and what Telegram answered."""
        await self._connector.execute_query_async(
            "INSERT INTO scale_sends (update_id, seq, endpoint, result)"
            " VALUES (%(update_id)s, %(seq)s, %(endpoint)s, %(result)s)"
            " ON CONFLICT (update_id, seq) DO NOTHING",
            update_id=update_id,
            seq=seq,
            endpoint=endpoint,
            result=json.dumps(result),
        )
