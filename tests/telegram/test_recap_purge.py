"""The hourly retention purge of stored group messages."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.metrics import Metrics
from bot.models import ChatMessage
from bot.services import Services
from bot.storage.db import Database
from bot.storage.group_messages import GroupMessages
from bot.telegram.recap_command import purge_forever, stop_purging
from testsupport.settings import isolated_settings

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GROUP = -1001234567890


async def test_the_purge_deletes_past_the_retention_time(db: Database, tmp_path: Path) -> None:
    clock = FakeClock(T0 + timedelta(hours=49))
    store = GroupMessages(db, clock)
    await store.enable(GROUP, 7)
    await store.record(GROUP, ChatMessage(1, "a", "forty nine hours old", T0, user_id=1))
    await store.record(
        GROUP, ChatMessage(2, "b", "one hour old", T0 + timedelta(hours=48), user_id=2)
    )
    settings = isolated_settings(tmp_path, recap_retention_hours=48)
    services = Services(settings=settings, db=db, pipeline=None, metrics=Metrics(), clock=clock)  # type: ignore[arg-type]
    task = asyncio.create_task(purge_forever(services, every=0.01))
    messages: list[ChatMessage] = []
    for _ in range(200):
        messages, _ = await store.since(GROUP, T0 - timedelta(days=9))
        if len(messages) == 1:
            break
        await asyncio.sleep(0.01)
    await stop_purging(task)
    assert task.cancelled()
    assert [m.message_id for m in messages] == [2]
