"""Where CPU-bound stages (extraction, cleanup) run: worker processes, one per core, or threads.

Extraction and cleanup are pure Python and hold the GIL: in threads, one heavy page slows every
chat and a second core sits idle. A `ProcessCpuPool` runs them in worker processes (pebble), each
task with a time limit that kills a stuck worker (a new one takes its place) and a memory limit
per worker. Where processes are not allowed (no POSIX semaphores, a seccomp sandbox),
`build_cpu_pool` falls back to a `ThreadCpuPool`, which enforces the same time limit on the wait
only: a thread cannot be stopped, so the element cap before parsing is what bounds its work.

Only plain data crosses to a worker (Fetched, Document, bytes, str) and back (Document,
CleanResult, BotError); the functions are module-level, so they are pickled by name.

Both pools limit the stages one owner (a user, else a chat) runs at once, so that one user's
message with several heavy links cannot take every worker from the other chats.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

from bot.errors import BotError, PageTooComplexError
from bot.metrics import Metrics

log = logging.getLogger(__name__)

T = TypeVar("T")

# Who the current CPU work is for (a user id, else a chat id); set by the pipeline per request.
work_owner: contextvars.ContextVar[Hashable | None] = contextvars.ContextVar(
    "work_owner", default=None
)
# Modules the fork server imports once, so that a worker starts (or restarts after a timeout)
# in milliseconds with the cleanup tables already loaded, shared copy-on-write.
PRELOAD = ["bot.ingest.documents", "bot.clean", "bot.workers_warm"]
# A worker is replaced after this many tasks, so heap fragmentation from odd pages cannot grow
# without end.
MAX_TASKS_PER_WORKER = 1000
START_TIMEOUT = 60.0


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def too_slow(stage: str, seconds: float) -> PageTooComplexError:
    """The user-facing error for a stage that ran past its time limit."""
    what = "text" if stage == "clean" else "page or file"
    return PageTooComplexError(
        f"That {what} took too long to read (over {seconds:g} s), so it was skipped; "
        "paste the part that matters instead.",
        detail=f"{stage} timed out after {seconds:g} s",
    )


class CpuPool(Protocol):
    """Runs a plain function on plain data away from the event loop."""

    kind: str  # "process" | "thread"
    workers: int

    async def run(self, stage: str, fn: Callable[..., T], *args: Any, limit: float) -> T: ...
    async def aclose(self) -> None: ...


class _OwnerSlots:
    """At most `per_owner` tasks at once for one owner; tasks without an owner are not limited."""

    def __init__(self, per_owner: int) -> None:
        self.per_owner = max(1, per_owner)
        self._slots: dict[Hashable, asyncio.Semaphore] = {}
        self._users: dict[Hashable, int] = {}

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        owner = work_owner.get()
        if owner is None:
            yield
            return
        semaphore = self._slots.get(owner)
        if semaphore is None:
            semaphore = self._slots[owner] = asyncio.Semaphore(self.per_owner)
        self._users[owner] = self._users.get(owner, 0) + 1
        try:
            async with semaphore:
                yield
        finally:
            self._users[owner] -= 1
            if not self._users[owner]:  # forget idle owners: the dict stays small
                del self._users[owner]
                del self._slots[owner]


class ThreadCpuPool:
    """CPU stages in a thread pool: the fallback where worker processes are not allowed."""

    kind = "thread"

    def __init__(
        self, workers: int = 4, *, metrics: Metrics | None = None, per_owner: int = 1
    ) -> None:
        self.workers = max(1, workers)
        self.metrics = metrics or Metrics()
        self._owners = _OwnerSlots(per_owner)
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="cpu"
        )

    async def run(self, stage: str, fn: Callable[..., T], *args: Any, limit: float) -> T:
        """`fn(*args)` in a thread; past `limit` seconds of running, PageTooComplexError."""
        loop = asyncio.get_running_loop()
        started: asyncio.Future[None] = loop.create_future()

        def call() -> T:
            # The limit counts from the start, not from the queue: a burst is not a slow page.
            loop.call_soon_threadsafe(_resolve, started)
            return fn(*args)

        submitted = time.monotonic()
        async with self._owners.slot():
            future = loop.run_in_executor(self._executor, call)
            try:
                await asyncio.wait({started, future}, return_when=asyncio.FIRST_COMPLETED)
                # shield: the thread runs on regardless, and its result must not be lost
                # half-way (the executor still counts it until it ends).
                result = await asyncio.wait_for(asyncio.shield(future), limit)
            except TimeoutError:
                self.metrics.cpu_tasks.labels(stage, "timeout").inc()
                raise too_slow(stage, limit) from None
            except BotError:
                self.metrics.cpu_tasks.labels(stage, "error").inc()
                raise
            finally:
                self.metrics.cpu_seconds.labels(stage).observe(time.monotonic() - submitted)
        self.metrics.cpu_tasks.labels(stage, "ok").inc()
        return result

    async def aclose(self) -> None:
        """Stop taking work; running threads finish on their own."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class ProcessCpuPool:
    """CPU stages in worker processes (pebble), with a time limit per task and memory per worker."""

    kind = "process"

    def __init__(
        self,
        workers: int,
        *,
        metrics: Metrics | None = None,
        per_owner: int = 1,
        memory_mb: int = 1024,
    ) -> None:
        import multiprocessing

        import pebble

        self.workers = max(1, workers)
        self.metrics = metrics or Metrics()
        self._owners = _OwnerSlots(per_owner)
        # forkserver, not fork: forking the bot (an event loop plus httpx, aiosqlite and PTB
        # threads) could copy a lock held by another thread; spawn would import everything again
        # in every new worker.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self._pool = pebble.ProcessPool(
            max_workers=self.workers,
            max_tasks=MAX_TASKS_PER_WORKER,
            initializer=_limit_memory,
            initargs=(memory_mb,),
            context=context,
        )

    async def start(self) -> None:
        """Start the workers and check that one answers (raises when processes are not allowed)."""
        pings = [self._schedule(_ping, (), START_TIMEOUT) for _ in range(self.workers)]
        await asyncio.gather(*(asyncio.wrap_future(p) for p in pings))

    def _schedule(self, fn: Callable[..., T], args: tuple[Any, ...], timeout: float) -> Any:
        return self._pool.schedule(fn, args=args, timeout=timeout)

    async def run(self, stage: str, fn: Callable[..., T], *args: Any, limit: float) -> T:
        """`fn(*args)` in a worker; past `limit` seconds of running it is killed."""
        from pebble import ProcessExpired

        submitted = time.monotonic()
        async with self._owners.slot():
            # pebble counts the timeout from the task's start in a worker, not from the queue.
            future = self._schedule(fn, args, limit)
            try:
                result: T = await asyncio.wrap_future(future)
            except TimeoutError:
                self.metrics.cpu_tasks.labels(stage, "timeout").inc()
                raise too_slow(stage, limit) from None
            except (ProcessExpired, MemoryError) as exc:
                # The worker died (out of memory under its limit, or a crash in C code).
                self.metrics.cpu_tasks.labels(stage, "crashed").inc()
                raise PageTooComplexError(detail=f"{stage}: {exc!r}") from None
            except BotError:
                self.metrics.cpu_tasks.labels(stage, "error").inc()
                raise
            finally:
                self.metrics.cpu_seconds.labels(stage).observe(time.monotonic() - submitted)
        self.metrics.cpu_tasks.labels(stage, "ok").inc()
        return result

    async def aclose(self) -> None:
        """Stop the workers (tasks still running are cancelled) and wait for them to exit."""
        self._pool.stop()
        await asyncio.to_thread(self._pool.join, 10)


def _ping() -> int:
    return os.getpid()


def _limit_memory(memory_mb: int) -> None:
    """Worker initializer: cap the address space at what the worker has now plus `memory_mb`."""
    if memory_mb <= 0:
        return
    try:
        import resource

        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        limit = pages * os.sysconf("SC_PAGE_SIZE") + memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, ImportError) as exc:  # pragma: no cover - not Linux
        log.warning("worker memory limit not set: %r", exc)


async def build_cpu_pool(
    workers: int = 0,
    *,
    processes: bool = True,
    metrics: Metrics | None = None,
    per_owner: int = 1,
    memory_mb: int = 1024,
) -> CpuPool:
    """Worker processes (`workers`, 0 = one per available core) or, where they cannot start,
    threads; the pool is started and answering when this returns."""
    count = workers if workers > 0 else available_cores()
    if processes:
        pool: ProcessCpuPool | None = None
        try:
            pool = ProcessCpuPool(count, metrics=metrics, per_owner=per_owner, memory_mb=memory_mb)
            await pool.start()
            return pool
        except Exception as exc:
            log.warning(
                "worker processes are not available here (%s: %s); CPU stages run in threads",
                type(exc).__name__,
                exc,
            )
            if pool is not None:
                try:
                    await pool.aclose()
                except Exception:  # pragma: no cover - best effort
                    log.debug("closing the failed process pool", exc_info=True)
    return ThreadCpuPool(count, metrics=metrics, per_owner=per_owner)
