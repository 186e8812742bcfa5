"""Redis for the scale-out tests: TEST_REDIS_URL (default 127.0.0.1:6379), skipped when absent."""

from __future__ import annotations

import os

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    """Whether a Redis server answers PING at REDIS_URL."""
    try:
        import redis
    except ImportError:
        return False
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
        return bool(client.ping())
    except Exception:
        return False


requires_redis = pytest.mark.skipif(
    not redis_available(), reason=f"no Redis answers at {REDIS_URL} (set TEST_REDIS_URL)"
)
