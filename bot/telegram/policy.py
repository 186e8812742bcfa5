"""Request policy, kept apart from the handlers so it is tested without a Bot API."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

# Above this many summaries in progress, typing alone shows progress: status messages and their
# edits would compete with the answers for Telegram's 30 messages/s.
STATUS_MAX_INFLIGHT = 10


def cap_links(links: Sequence[str], limit: int) -> tuple[list[str], list[str]]:
    """The links to summarise (at most `limit`, at least one) and the ones skipped."""
    limit = max(1, limit)
    return list(links[:limit]), list(links[limit:])


@dataclass
class InflightCounter:
    """How many summary requests are being worked on right now, across all chats."""

    count: int = 0

    @contextmanager
    def entered(self) -> Iterator[int]:
        """Count one request for the duration of the block; yields the count including it."""
        self.count += 1
        try:
            yield self.count
        finally:
            self.count -= 1

    def allows_status(self, count: int, limit: int = STATUS_MAX_INFLIGHT) -> bool:
        """Whether a request that saw `count` in flight may show a status message."""
        return count <= limit
