"""Database connection: built at start-up from DATABASE_URL, migrated, injected, closed at shutdown."""

from __future__ import annotations

import asyncio
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

from bot.errors import ConfigError, StorageUnavailableError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


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
    """An async engine plus a session factory. Create with `await Database.open(url)`."""

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

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
    async def open(cls, url: str, *, migrate: bool = True) -> Database:
        """Connect, and bring the schema up to date unless `migrate=False`."""
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
        engine = create_async_engine(async_url(url), pool_pre_ping=True)
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine)
        return cls(engine, url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error.

        A database that cannot be reached or written (server down, disk full) raises
        StorageUnavailableError, which callers can tell from a bug.
        """
        try:
            async with self.sessions() as session, session.begin():
                yield session
        except _UNAVAILABLE as exc:
            raise StorageUnavailableError(
                detail=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            ) from exc

    async def close(self) -> None:
        """Dispose of the connection pool."""
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
