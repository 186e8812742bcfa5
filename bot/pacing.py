"""Send priorities, shared by every layer: code below the front ends marks its sends with one,
and the front end's pacer (bot/telegram/ratelimit.py) orders waiting sends by it.

A priority travels in a context variable, so a caller marks a block of sends without passing it
through every function between (the digest scheduler knows nothing of Telegram):

    with send_priority(Priority.BULK):
        await send(chat_id, html)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import IntEnum


class Priority(IntEnum):
    """Lower goes first when sends compete for the flood budget."""

    INTERACTIVE = 0  # answers, first reactions, error replies
    PROGRESS = 1  # status messages and their edits: nice to have, never before an answer
    BULK = 2  # digest fan-out: waits for whatever a user is waiting for


_priority: ContextVar[Priority] = ContextVar("send_priority", default=Priority.INTERACTIVE)


def current_priority() -> Priority:
    """The priority of sends made here (INTERACTIVE unless a caller said otherwise)."""
    return _priority.get()


@contextmanager
def send_priority(priority: Priority) -> Iterator[None]:
    """Mark every send made inside the block (and in tasks it starts) with `priority`."""
    token = _priority.set(priority)
    try:
        yield
    finally:
        _priority.reset(token)
