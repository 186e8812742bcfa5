"""kill -9 in the middle of a digest: the restart resumes at once; the one part whose
acceptance was not yet recorded is the documented at-least-once window."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta

import pytest

from bot.clock import FakeClock
from bot.digests.scheduler import local_worker_is_dead
from bot.storage.db import Database
from bot.storage.deliveries import SENT, Deliveries
from bot.storage.digests import DigestStore
from tests.digests.helpers import Killed, Outbox
from tests.digests.test_scheduler import DAY0, _seed_many, make


class KilledAfterAccept(Outbox):
    """Telegram accepts the message, then the process dies before it can record that."""

    async def __call__(self, chat_id: int, html: str) -> None:
        self.sent.append((chat_id, html))
        if self.kill_after is not None and len(self.sent) >= self.kill_after:
            raise Killed()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_restart_reclaims_a_dead_local_process_lease_at_once(database_url: str) -> None:
    """Item 4: after kill -9 the other chats waited ~4 minutes for the 3-minute lease."""
    due = DAY0 + timedelta(hours=8)
    db1 = await Database.open(database_url)
    await _seed_many(db1, range(1, 4), DAY0 + timedelta(hours=1), parts=12)
    clock = FakeClock(due)
    outbox = KilledAfterAccept(kill_after=2)  # dies right after the second part went out
    host = socket.gethostname()[:60].replace(":", "-")
    first = make(db1, clock, outbox, workers=1, worker_id=f"{host}:{_dead_pid()}:dead00")
    with pytest.raises(Killed):
        await first.tick()
    await db1.close()
    victim = outbox.sent[-1][0]  # its last part was accepted, then the process died

    # The restart, at the same instant: no lease has expired, yet nothing waits for one.
    db2 = await Database.open(database_url)
    outbox.kill_after = None
    second = make(db2, clock, outbox, workers=2)
    assert await second.reclaim_dead_local() == 1
    report = await second.tick()
    assert report.resumed == 1
    expected = len(await second.build(1, 1, date(2025, 3, 3), due))
    per_chat = Counter(chat for chat, _ in outbox.sent)
    # Every part of every digest arrived; the one part accepted but not yet recorded when
    # the process died is sent again (the README's at-least-once window), nothing else.
    assert per_chat == {c: expected + (c == victim) for c in range(1, 4)}
    duplicates = [m for m, n in Counter(outbox.sent).items() if n > 1]
    assert len(duplicates) == 1 and duplicates[0][0] == victim
    deliveries = Deliveries(db2, "check", lease=timedelta(minutes=1))
    store = DigestStore(db2)
    for chat in range(1, 4):
        sub = await store.subscription(chat)
        assert sub is not None
        assert (await deliveries.status(sub.id, date(2025, 3, 3)))[0] == SENT  # type: ignore[index]
    await db2.close()


def test_only_dead_processes_of_this_host_count_as_dead() -> None:
    own = f"h:{os.getpid()}:aaaaaa"
    assert local_worker_is_dead(f"h:{_dead_pid()}:bbbbbb", own)
    assert local_worker_is_dead(f"h:{os.getpid()}:cccccc", own)  # a previous pid-1 container
    assert not local_worker_is_dead(own, own)
    assert not local_worker_is_dead(f"h:{os.getppid()}:dddddd", own)  # alive
    assert not local_worker_is_dead("not-a-worker-id", own)
