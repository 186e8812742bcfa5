"""What an inline button needs to act later (Retry, All fixes), kept in memory under a short id.

Telegram gives a button 64 bytes of callback data, too little for a link or a pasted text, so
the button carries an id and the work it stands for waits here. The store is bounded and
forgets after a day; a button pressed after that (or after a restart) is answered "expired".
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bot.i18n import N_

# Most entries are links; a pasted text or a PDF's text is kept whole, so the count is modest.
MAX_ENTRIES = 1000
TTL_SECONDS = 24 * 3600
# Shown with _() by the handlers.
EXPIRED = N_("This button has expired; send the link or text again.")


class ButtonStore:
    """A bounded, expiring map from short ids to what a button will act on."""

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self._clock = clock
        self._ids = itertools.count(1)
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def put(self, payload: Any) -> str:
        """Keep `payload`; returns the id to put into the button's callback data."""
        key = format(next(self._ids), "x")
        self._entries[key] = (self._clock(), payload)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return key

    def get(self, key: str) -> Any | None:
        """The payload kept under `key`, or None when it is unknown or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        stamp, payload = entry
        if self._clock() - stamp > self.ttl:
            del self._entries[key]
            return None
        return payload

    def replace(self, key: str, payload: Any) -> None:
        """Update what `key` stands for (its age is kept)."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries[key] = (entry[0], payload)

    def __len__(self) -> int:
        return len(self._entries)
