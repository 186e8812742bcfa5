"""Shared fixtures: settings that never touch the network or the user's data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from testsupport.corpora import postgres_url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated from the environment and `.env`: SQLite in tmp, no keys."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        openai_api_key="",
        telegram_bot_token="",
    )


@pytest.fixture
def pg_database_url() -> object:
    """A fresh, empty PostgreSQL database for one test (created on TEST_DATABASE_URL's server)."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    base = postgres_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set (PostgreSQL tests need a server)")
    url = make_url(base)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
