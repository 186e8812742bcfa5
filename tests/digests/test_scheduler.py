from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from telegram.error import NetworkError

from bot.clock import FakeClock
from bot.digests.scheduler import DigestScheduler
from bot.errors import ChatGoneError, ChatMovedError
from bot.metrics import Metrics
from bot.storage.db import Database
from bot.storage.deliveries import FAILED, SENT, SKIPPED, Deliveries
from bot.storage.digests import DigestStore
from bot.telegram.digest_html import DigestHtml
from tests.digests.helpers import Killed, Outbox, seed_article

DAY0 = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)


def make(db: Database, clock: FakeClock, outbox: Outbox, **kw: object) -> DigestScheduler:
    return DigestScheduler(
        store=DigestStore(db),
        clock=clock,
        send=outbox,
        renderer=DigestHtml(),
        metrics=Metrics(),
        **kw,
    )  # type: ignore[arg-type]


async def test_digest_sent_at_its_minute_once_per_day(db: Database) -> None:
    clock = FakeClock(DAY0)
    store = DigestStore(db)
    await store.subscribe(1, "08:00", "Europe/Madrid", now=DAY0)  # 07:00 UTC in winter
    await seed_article(db, 1, DAY0 + timedelta(hours=1), key="a")
    outbox = Outbox()
    sched = make(db, clock, outbox)
    clock.set(datetime(2025, 3, 3, 6, 59, tzinfo=UTC))
    assert (await sched.tick()).sent == 0
    clock.set(datetime(2025, 3, 3, 7, 0, tzinfo=UTC))
    report = await sched.tick()
    assert report.sent == 1 and outbox.chats() == [1]
    assert "Story a" in outbox.sent[0][1]
    clock.advance(60)
    assert (await sched.tick()).sent == 0
    # Next day: nothing new → skipped silently (no note asked for); the article is not repeated.
    clock.set(datetime(2025, 3, 4, 7, 0, tzinfo=UTC))
    report = await sched.tick()
    assert report.empty == 1 and outbox.chats() == [1]
    await seed_article(db, 1, datetime(2025, 3, 4, 9, tzinfo=UTC), key="b")
    clock.set(datetime(2025, 3, 5, 7, 0, 30, tzinfo=UTC))
    await sched.tick()
    assert outbox.chats() == [1, 1]
    assert "Story b" in outbox.sent[1][1] and "Story a" not in outbox.sent[1][1]


async def test_empty_note_when_asked(db: Database) -> None:
    clock = FakeClock(DAY0)
    store = DigestStore(db)
    await store.subscribe(5, "09:30", "UTC", now=DAY0)
    await store.set_empty_note(5, True)
    outbox = Outbox()
    clock.set(DAY0 + timedelta(hours=9, minutes=30))
    await make(db, clock, outbox).tick()
    assert len(outbox.sent) == 1 and "Nothing new" in outbox.sent[0][1]


async def test_catch_up_within_grace_and_skip_beyond(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    store = DigestStore(db)
    await store.subscribe(1, "08:00", "UTC", now=DAY0)
    await store.subscribe(2, "02:00", "UTC", now=DAY0)
    for chat in (1, 2):
        await seed_article(db, chat, DAY0 + timedelta(minutes=5), key=f"k{chat}")
    # The bot was down from 01:00 to 13:30: chat 1 (due 08:00) is 5.5 h late → sent;
    # chat 2 (due 02:00) is 11.5 h late → skipped and logged.
    clock = FakeClock(DAY0 + timedelta(hours=13, minutes=30))
    outbox = Outbox()
    sched = make(db, clock, outbox)
    report = await sched.tick()
    assert outbox.chats() == [1]
    assert report.skipped_late == 1
    assert "past the grace window" in caplog.text
    deliveries = Deliveries(db, "x", lease=timedelta(minutes=1))
    sub2 = await store.subscription(2)
    assert sub2 is not None
    assert await deliveries.status(sub2.id, date(2025, 3, 3)) == (SKIPPED, 0)
    # The skipped chat's articles are not lost: they go into the next day's digest.
    clock.set(DAY0 + timedelta(days=1, hours=2))
    await sched.tick()
    assert outbox.chats() == [1, 2]


async def test_dst_switch_days_deliver_once_per_local_date(db: Database) -> None:
    # (zone, local time, window start): Madrid's 02:30 does not exist on 30 March 2025 and New
    # York's 01:30 happens twice on 2 November 2025. The pure walk over many days and times is in
    # test_schedule.py; here the whole scheduler runs across the switch day with 30-minute ticks.
    store = DigestStore(db)
    cases = [
        (1, "Europe/Madrid", "02:30", datetime(2025, 3, 29, 12, tzinfo=UTC)),
        (2, "America/New_York", "01:30", datetime(2025, 11, 1, 12, tzinfo=UTC)),
    ]
    clock = FakeClock(cases[0][3])
    outbox = Outbox()
    sched = make(db, clock, outbox)
    for chat, zone, local_time, start in cases:
        await store.subscribe(chat, local_time, zone, now=start)
        await store.set_empty_note(chat, True)
        clock.set(start)
        while clock.now() < start + timedelta(days=2):
            await sched.tick()
            clock.advance(30 * 60)
        await store.unsubscribe(chat)
    assert Counter(outbox.chats()) == {1: 2, 2: 2}
    sent_days = {html.split("for ")[1].split("<")[0] for _, html in outbox.sent}
    assert sent_days == {"Sun 30 Mar", "Mon 31 Mar", "Sun 2 Nov", "Mon 3 Nov"}


async def _seed_many(db: Database, chats: range, at: datetime, parts: int = 1) -> None:
    store = DigestStore(db)
    for chat in chats:
        await store.subscribe(chat, "08:00", "UTC", now=DAY0)
        for i in range(parts):
            # Long summaries so that `parts` stories need several messages.
            await seed_article(
                db,
                chat,
                at,
                key=f"{chat}-{i}",
                text=f"- {'word ' * 700}{i}\n- x",
                url=f"https://s{chat}-{i}.example/a",
            )


async def test_kill_mid_fanout_then_restart_resumes_without_duplicates(database_url: str) -> None:
    due = DAY0 + timedelta(hours=8)
    db1 = await Database.open(database_url)
    await _seed_many(db1, range(1, 11), DAY0 + timedelta(hours=1), parts=12)
    clock = FakeClock(due)
    outbox = Outbox(kill_after=5)  # two parts per digest: dies inside the third chat
    first = make(db1, clock, outbox, workers=1)
    with pytest.raises(Killed):
        await first.tick()
    await db1.close()
    partial = list(outbox.sent)
    assert len(partial) == 5

    # A new process (own engine, own worker id) starts after the lease expired.
    db2 = await Database.open(database_url)
    clock.advance(4 * 60)
    outbox.kill_after = None
    second = make(db2, clock, outbox, workers=3)
    report = await second.tick()
    assert report.resumed >= 1
    # Every message of every digest exactly once, in order per chat.
    per_chat: dict[int, list[str]] = {}
    for chat, html in outbox.sent:
        per_chat.setdefault(chat, []).append(html)
    assert sorted(per_chat) == list(range(1, 11))
    expected = await second.build(1, 1, date(2025, 3, 3), due)
    for chat, messages in per_chat.items():
        assert len(messages) == len(set(messages)) == len(expected), chat
    deliveries = Deliveries(db2, "check", lease=timedelta(minutes=1))
    store = DigestStore(db2)
    for chat in range(1, 11):
        sub = await store.subscription(chat)
        assert sub is not None
        assert (await deliveries.status(sub.id, date(2025, 3, 3)))[0] == SENT  # type: ignore[index]
    await db2.close()


async def test_chat_gone_pauses_and_chat_moved_follows(db: Database) -> None:
    store = DigestStore(db)
    for chat in (1, -2):
        await store.subscribe(chat, "08:00", "UTC", now=DAY0)
        await seed_article(db, chat, DAY0 + timedelta(hours=1), key=str(chat))
    await store.subscribe(3, "08:00", "UTC", now=DAY0)
    await seed_article(db, 3, DAY0 + timedelta(hours=1), key="3")
    outbox = Outbox(
        errors={
            1: ChatGoneError(1, "blocked"),
            -2: ChatMovedError(-2, -1002),
            3: ChatGoneError(3, detail="Chat not found"),
        }
    )
    clock = FakeClock(DAY0 + timedelta(hours=8))
    report = await make(db, clock, outbox).tick()
    assert report.failed == 2 and report.sent == 1
    assert outbox.chats() == [-1002]
    gone = await store.subscription(3)
    assert gone is not None and not gone.active
    sub = await store.subscription(1)
    assert sub is not None and not sub.active and "gone" in sub.paused_reason
    assert await Deliveries(db, "c", lease=timedelta(minutes=1)).status(
        sub.id, date(2025, 3, 3)
    ) == (FAILED, 0)
    # Paused subscriptions are not due any more.
    clock.advance(86400)
    await make(db, clock, outbox).tick()
    assert outbox.chats() == [-1002]


async def test_two_schedulers_on_separate_engines_send_each_digest_once(database_url: str) -> None:
    db_a = await Database.open(database_url)
    db_b = await Database.open(database_url, migrate=False)
    await _seed_many(db_a, range(1, 61), DAY0 + timedelta(hours=1))
    clock = FakeClock(DAY0 + timedelta(hours=8))
    out_a, out_b = Outbox(), Outbox()

    class Slow(Outbox):
        async def __call__(self, chat_id: int, html: str) -> None:
            await asyncio.sleep(0.001)
            await super().__call__(chat_id, html)

    out_a, out_b = Slow(), Slow()
    a = make(db_a, clock, out_a, workers=4)
    b = make(db_b, clock, out_b, workers=4)
    await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
    all_chats = out_a.chats() + out_b.chats()
    assert sorted(all_chats) == list(range(1, 61))
    assert out_a.sent and out_b.sent  # both did part of the work
    await db_a.close()
    await db_b.close()


async def test_send_now_does_not_disturb_the_schedule(db: Database) -> None:
    store = DigestStore(db)
    await store.subscribe(1, "08:00", "UTC", now=DAY0)
    await seed_article(db, 1, DAY0 + timedelta(hours=1), key="a")
    clock = FakeClock(DAY0 + timedelta(hours=2))
    outbox = Outbox()
    sched = make(db, clock, outbox)
    assert await sched.send_now(1) == 1
    assert await sched.send_now(2) == 0  # nothing for an unknown chat
    clock.set(DAY0 + timedelta(hours=8))
    assert (await sched.tick()).sent == 1
    assert outbox.chats() == [1, 1]


async def test_graceful_stop_mid_fanout_leaves_the_rest_to_the_next_process(
    database_url: str,
) -> None:
    db = await Database.open(database_url)
    await _seed_many(db, range(1, 31), DAY0 + timedelta(hours=1))
    clock = FakeClock(DAY0 + timedelta(hours=8))

    five = asyncio.Event()

    class Slow(Outbox):
        async def __call__(self, chat_id: int, html: str) -> None:
            await asyncio.sleep(0.01)
            await super().__call__(chat_id, html)
            if len(self.sent) >= 5:
                five.set()

    old_out = Slow()
    old = make(db, clock, old_out, workers=2)
    running = asyncio.create_task(old.tick())
    await five.wait()
    await old.stop()  # e.g. a deploy: SIGTERM
    await running
    assert 5 <= len(old_out.sent) < 30
    new_out = Outbox()
    await make(db, clock, new_out).tick()  # the new version, right away (no lease to wait for)
    assert sorted(old_out.chats() + new_out.chats()) == list(range(1, 31))
    await db.close()


async def test_stop_lets_the_scheduled_tick_finish_the_digest_in_hand(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    store = DigestStore(db)
    await store.subscribe(1, "08:00", "UTC", now=DAY0)
    await seed_article(db, 1, DAY0 + timedelta(hours=1), key="a")
    sending, release = asyncio.Event(), asyncio.Event()

    class Held(Outbox):
        async def __call__(self, chat_id: int, html: str) -> None:
            sending.set()
            await release.wait()
            await super().__call__(chat_id, html)

    outbox = Held()
    sched = make(db, FakeClock(DAY0 + timedelta(hours=8)), outbox)
    await sched.start()  # the catch-up tick runs at once as an APScheduler job, as at start-up
    await asyncio.wait_for(sending.wait(), 10)
    stopping = asyncio.create_task(sched.stop())  # SIGTERM while that tick sends
    await asyncio.sleep(0.05)
    assert not stopping.done()  # stop waits for the send in hand instead of cancelling it
    release.set()
    await asyncio.wait_for(stopping, 10)
    assert outbox.chats() == [1] and not sched.running
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_transient_send_error_is_retried_after_the_lease(db: Database) -> None:
    store = DigestStore(db)
    await store.subscribe(1, "08:00", "UTC", now=DAY0)
    await seed_article(db, 1, DAY0 + timedelta(hours=1), key="a")
    outbox = Outbox(errors={1: NetworkError("connection reset")})
    clock = FakeClock(DAY0 + timedelta(hours=8))
    sched = make(db, clock, outbox)
    report = await sched.tick()
    assert report.lost == 1 and outbox.sent == []
    outbox.errors.clear()
    clock.advance(60)
    assert (await sched.tick()).sent == 0  # the lease still holds
    clock.advance(5 * 60)
    report = await sched.tick()
    assert report.resumed == 1 and outbox.chats() == [1]
    sub = await store.subscription(1)
    assert sub is not None and sub.active
