"""Fault reproductions (issue 17) share the digests' database fixtures: SQLite and PostgreSQL."""

from __future__ import annotations

from tests.digests.conftest import database_url, db

__all__ = ["database_url", "db"]
