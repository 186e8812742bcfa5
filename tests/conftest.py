"""The one shared conftest: isolated settings, databases of each kind, and the local fakes.

Fixtures here are used across the suite; fakes themselves live in `testsupport/`, the corpus
paths in `testsupport/corpora.py`. Tests under `tests/e2e/` are marked `e2e` by their folder.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.storage.db import Database
from testsupport.corpora import postgres_url
from testsupport.openai_server import FakeOpenAI
from testsupport.pages import PageServer
from testsupport.settings import isolated_settings

E2E_DIR = Path(__file__).resolve().parent / "e2e"
DEFAULT_LLM_REPLY = "- **Ana** said “yes”."


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests are marked by folder, so none can be forgotten."""
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated from the environment and `.env`: SQLite in tmp, no keys."""
    return isolated_settings(tmp_path)


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (created on TEST_DATABASE_URL's server)."""
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


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL of each supported kind (PostgreSQL skips without a server)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_database_url")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An opened, migrated database, once on SQLite and once on PostgreSQL."""
    database = await Database.open(database_url)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    """The local page server (news-dev pages, stand-in stories and misbehaving sites)."""
    with PageServer() as server:
        yield server


@pytest.fixture
def llm(request: pytest.FixtureRequest) -> Iterator[FakeOpenAI]:
    """An OpenAI-compatible fake answering the test module's `LLM_REPLY`."""
    with FakeOpenAI(reply=getattr(request.module, "LLM_REPLY", DEFAULT_LLM_REPLY)) as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The CLI's environment, isolated: SQLite in tmp, no key, private fetches allowed."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    values = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "FETCH_ALLOW_PRIVATE": "true",
        "OPENAI_API_KEY": "",
        "OPENAI_MAX_RETRIES": "1",
        "OPENAI_TIMEOUT": "5",
        "OPENAI_TOTAL_TIMEOUT": "20",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values
