"""Fixtures for digest tests: the same tests run on SQLite and (when available) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.db import Database


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL of each supported kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'digests.db'}"
    return request.getfixturevalue("pg_database_url")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An opened, migrated database."""
    database = await Database.open(database_url)
    try:
        yield database
    finally:
        await database.close()
