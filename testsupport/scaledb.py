"""A throw-away PostgreSQL database per test for the scale-out tests (procrastinate's schema and
the queue ledger must not leak into the shared test database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from testsupport.corpora import postgres_url


@contextmanager
def fresh_database(base: str) -> Iterator[str]:
    """A new database next to `base` (a PostgreSQL URL), migrated; dropped on exit."""
    import psycopg

    from bot.scale.queue import procrastinate_conninfo
    from bot.storage.db import run_migrations

    admin = procrastinate_conninfo(base)
    name = f"scale_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    try:
        run_migrations(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scale_db() -> Iterator[str]:
    """A fresh database with the bot's migrations applied; its URL."""
    base = postgres_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set (the durable queue needs PostgreSQL)")
    with fresh_database(base) as url:
        yield url
