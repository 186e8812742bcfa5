"""Fault reproductions (issue 17) share the digests' database fixtures: SQLite and PostgreSQL."""

from __future__ import annotations

from tests.digests.conftest import database_url, db
from tests.e2e.test_cli import env, pages

__all__ = ["database_url", "db", "env", "pages"]
