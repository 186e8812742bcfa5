"""Database connection: built at start-up from DATABASE_URL, migrated, injected, closed at shutdown."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.errors import ConfigError, StorageBusyError, StorageUnavailableError
from bot.metrics import Metrics

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# SQLite serialises writers anyway; more than a few connections only add threads (aiosqlite runs
# one per connection) that compete for the GIL. PostgreSQL's default max_connections is 100,
# shared with other clients and with a second bot process during a deploy.
SQLITE_MAX_POOL = 8
POSTGRES_MAX_POOL = 32
MIN_POOL = 4
# Rows appended in one transaction at most (SQLAlchemy sends them as multi-row INSERTs).
APPEND_BATCH = 500
# The session a task holds right now, so that nesting one in another (which could deadlock the
# bounded pool, or SQLite's single writer) is caught at once instead of under load.
_held: contextvars.ContextVar[str | None] = contextvars.ContextVar("db_session_held", default=None)


def pool_size_for(concurrency: int, backend: str, configured: int = 0) -> int:
    """Connections for `concurrency` updates at once: each holds one only for a short transaction,
    so an eighth of them is plenty; bounded by what the database serves well."""
    if configured > 0:
        return configured
    ceiling = SQLITE_MAX_POOL if backend == "sqlite" else POSTGRES_MAX_POOL
    return max(MIN_POOL, min(ceiling, concurrency // 8))


def session_held() -> str | None:
    """Which session ("read" or "write") the current task holds, or None."""
    return _held.get()


# Connection-level failures (refused, dropped, disk full, read-only), not programming errors.
_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, OSError)


def _with_driver(url: str, drivers: dict[str, str]) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ConfigError(
            f"DATABASE_URL uses an unsupported database ({backend}); use sqlite or postgresql."
        )
    return parsed.set(drivername=drivers[backend]).render_as_string(hide_password=False)


def async_url(url: str) -> str:
    """DATABASE_URL as given → the async driver SQLAlchemy should use."""
    return _with_driver(url, {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"})


def sync_url(url: str) -> str:
    """DATABASE_URL as given → a synchronous driver, for Alembic."""
    # psycopg 3 serves both worlds, so PostgreSQL uses the same driver name.
    return _with_driver(url, {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"})


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"Cannot create the database directory {path.parent}: {exc.strerror}."
            ) from exc


def run_migrations(url: str) -> None:
    """Upgrade the schema to the latest revision (synchronous; Alembic)."""
    import logging

    from alembic import command
    from alembic.config import Config

    # Alembic narrates every step at INFO; the CLI keeps stderr for errors and progress.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    command.upgrade(config, "head")


class Database:
    """An async engine plus a session factory. Create with `await Database.open(url)`.

    Sessions queue for a bounded pool instead of failing: a burst beyond the pool waits its turn
    (measured in `bot_db_wait_seconds`) for up to `queue_timeout` seconds, then StorageBusyError.
    On SQLite every write session also takes the one writer lock, so concurrent writers wait in
    order here instead of spinning in SQLite's busy handler (which sleeps up to 100 ms a try and,
    under a burst, let the pool run dry: issue #12). Log rows go through `append`, which
    group-commits concurrent ones, so the one writer keeps pace.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        url: str,
        *,
        pool_size: int = MIN_POOL,
        queue_timeout: float = 60.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.engine = engine
        self.url = url
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.pool_size = pool_size
        self.queue_timeout = queue_timeout
        self.metrics = metrics or Metrics()
        self._slots = asyncio.Semaphore(pool_size)
        self._writer = asyncio.Lock()
        self._appends: list[tuple[tuple[object, ...], asyncio.Future[None]]] = []
        self._appender: asyncio.Task[None] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def insert(self):  # type: ignore[no-untyped-def]
        """The dialect's INSERT construct, which supports ON CONFLICT on both databases."""
        if self.is_postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        pool_size: int = 0,
        concurrency: int = 64,
        queue_timeout: float = 60.0,
        metrics: Metrics | None = None,
    ) -> Database:
        """Connect, and bring the schema up to date unless `migrate=False`.

        The pool holds `pool_size` connections (0: sized from `concurrency`, see `pool_size_for`).
        """
        _ensure_sqlite_dir(url)
        if migrate:
            try:
                await asyncio.to_thread(run_migrations, url)
            except ConfigError:
                raise
            except Exception as exc:
                raise ConfigError(
                    f"Cannot open or migrate the database ({make_url(url).get_backend_name()}): "
                    f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                ) from exc
        backend = make_url(url).get_backend_name()
        size = pool_size_for(concurrency, backend, pool_size)
        options: dict[str, object] = {}
        if make_url(url).database not in (None, "", ":memory:"):
            # The gate in `_slot` keeps checkouts within the pool, so the pool's own timeout
            # (30 s, then TimeoutError) is only a backstop that should never fire.
            options = {"pool_size": size, "max_overflow": 0, "pool_timeout": queue_timeout + 30}
        if backend == "sqlite":
            # A local file cannot drop a connection, and every session ends its own transaction
            # (commit or rollback in `session()`): the ping before and the rollback after each
            # checkout would be two more trips through aiosqlite's thread per session, each
            # waiting for a turn of a busy event loop, while the one writer is held.
            options |= {"pool_pre_ping": False, "pool_reset_on_return": None}
        else:
            options["pool_pre_ping"] = True  # a server may have closed an idle connection
        engine = create_async_engine(async_url(url), **options)
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine)
        return cls(engine, url, pool_size=size, queue_timeout=queue_timeout, metrics=metrics)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that may write: committed on success, rolled back on error.

        Hold it only for database work: never across a fetch, an LLM call or a Bot API call. A
        database that cannot be reached or written (server down, disk full) raises
        StorageUnavailableError, which callers can tell from a bug.
        """
        async with self._slot("write"), _unavailable_as_error():
            async with self.sessions() as session, session.begin():
                yield session

    async def append(self, *rows: object) -> None:
        """Insert new ORM rows; calls that arrive while a batch is written share the next one.

        Group commit: a log row (usage, chat articles) costs one transaction per batch instead of
        one per request, so the one writer keeps pace with a burst. Returns once the rows are
        committed; a row that fails is retried alone, so only its own caller sees the error.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._appends.append((rows, future))
        if self._appender is None or self._appender.done():
            # A fresh context: the batch is the appender's own session, not the caller's.
            self._appender = asyncio.create_task(
                self._write_appends(), context=contextvars.Context()
            )
        await asyncio.shield(future)

    async def _write_appends(self) -> None:
        while self._appends:
            batch, self._appends = self._appends[:APPEND_BATCH], self._appends[APPEND_BATCH:]
            try:
                async with self.session() as session:
                    session.add_all([row for rows, _ in batch for row in rows])
            except Exception:
                for rows, future in batch:  # one bad row must not fail the others
                    try:
                        async with self.session() as session:
                            session.add_all(rows)
                    except Exception as exc:
                        if not future.done():
                            future.set_exception(exc)
                    else:
                        if not future.done():
                            future.set_result(None)
            except BaseException as exc:  # cancelled at shutdown: nobody waits forever
                for _, future in [*batch, *self._appends]:
                    if not future.done():
                        future.set_exception(exc)
                raise
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: on SQLite it does not wait for the writer (WAL)."""
        async with (
            self._slot("read"),
            _unavailable_as_error(),
            self.sessions() as session,
            session.begin(),
        ):
            yield session

    @asynccontextmanager
    async def _slot(self, kind: str) -> AsyncIterator[None]:
        held = _held.get()
        if held is not None:
            raise RuntimeError(
                f"a database session ({kind}) opened inside another ({held}): it could wait "
                "forever for a connection or for the writer its own task holds"
            )
        gates: list[asyncio.Semaphore | asyncio.Lock] = [self._slots]
        if kind == "write" and self.is_sqlite:
            gates.insert(0, self._writer)  # the writer first: waiting for it holds no connection
        waiting = self.metrics.db_waiting
        started = time.monotonic()
        acquired: list[asyncio.Semaphore | asyncio.Lock] = []
        waiting.inc()
        try:
            async with asyncio.timeout(self.queue_timeout):
                for gate in gates:
                    await gate.acquire()
                    acquired.append(gate)
        except TimeoutError:
            for gate in reversed(acquired):
                gate.release()
            self.metrics.db_busy.inc()
            raise StorageBusyError(
                detail=f"no database {kind} slot within {self.queue_timeout:g} s"
            ) from None
        except BaseException:
            for gate in reversed(acquired):
                gate.release()
            raise
        finally:
            waiting.dec()
        self.metrics.db_wait.labels(kind).observe(time.monotonic() - started)
        token = _held.set(kind)
        try:
            yield
        finally:
            _held.reset(token)
            for gate in reversed(acquired):
                gate.release()

    async def close(self) -> None:
        """Finish the rows being appended, then dispose of the connection pool."""
        if self._appender is not None and not self._appender.done():
            await asyncio.wait({self._appender}, timeout=self.queue_timeout)
        await self.engine.dispose()


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # WAL lets readers (and a backup) run while the bot writes; busy_timeout avoids
        # spurious "database is locked" errors under concurrent updates.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@asynccontextmanager
async def _unavailable_as_error() -> AsyncIterator[None]:
    """Connection-level failures (server down, disk full) become StorageUnavailableError."""
    try:
        yield
    except _UNAVAILABLE as exc:
        raise StorageUnavailableError(
            detail=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
