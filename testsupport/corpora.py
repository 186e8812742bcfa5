"""Where the shared corpora and examples are, and the markers that skip tests without them.

The corpora sit beside the checkout (`../shared/corpora/`) and are never copied into the
repository; an environment variable points elsewhere. Tests and benches import these paths
from here, so each is defined once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NEWS_DEV = Path(os.environ.get("NEWS_DEV_CORPUS") or SHARED / "corpora" / "news-dev")
SUMMARIES_DEV = Path(os.environ.get("SUMMARIES_DEV_CORPUS") or SHARED / "corpora" / "summaries-dev")
SPUN_EXAMPLE = ROOT / "examples" / "spun-article.txt"

requires_news_dev = pytest.mark.skipif(
    not (NEWS_DEV / "ground-truth.json").exists(),
    reason=f"news-dev corpus not found at {NEWS_DEV} (set NEWS_DEV_CORPUS)",
)
requires_summaries_dev = pytest.mark.skipif(
    not (SUMMARIES_DEV / "summeval-cnndm.jsonl").exists(),
    reason=f"summaries-dev corpus not found at {SUMMARIES_DEV} (set SUMMARIES_DEV_CORPUS)",
)


def postgres_url() -> str | None:
    """TEST_DATABASE_URL when set (CI sets it); tests that need PostgreSQL skip otherwise."""
    return os.environ.get("TEST_DATABASE_URL") or None


requires_postgres = pytest.mark.skipif(
    postgres_url() is None, reason="TEST_DATABASE_URL is not set (PostgreSQL tests need a server)"
)
