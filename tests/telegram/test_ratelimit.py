"""The pacer keeps every rolling window under its limit, whatever the arrivals and latencies."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pacing import Priority, send_priority
from bot.telegram.ratelimit import (
    FloodLimiter,
    Limits,
    Pacer,
    Ticket,
    Window,
    chat_key,
    flood_weight,
)

SMALL = Limits(overall=Window(5, 1.0), chat=Window(2, 1.5), group=Window(3, 4.0))
CHATS: list[tuple[int | str, bool]] = [(1, False), (2, False), (3, False), (-10, True),
                                       (-20, True), ("@news", True)]  # fmt: skip


@dataclass
class Send:
    """One request in a simulation: when it is asked for, where, and how the network treats it."""

    at: float
    chat: int
    weight: int
    priority: int
    latency: float
    arrival: float  # where between its grant and its reply Telegram counts it (0..1)


@dataclass
class Outcome:
    granted: dict[int, float]
    hits: list[tuple[float, int, int]]  # (moment Telegram counts it, send index, weight)


def simulate(pacer: Pacer, sends: list[Send]) -> Outcome:
    """Event-driven run of the pacer on an injected clock (no sleeping)."""
    events: list[tuple[float, int, str, int]] = []  # (time, order, kind, index)
    order = 0
    for index, send in enumerate(sends):
        heapq.heappush(events, (send.at, order, "ask", index))
        order += 1
    tickets: dict[int, Ticket] = {}
    index_of: dict[int, int] = {}
    granted: dict[int, float] = {}
    hits: list[tuple[float, int, int]] = []
    wakeup: float | None = None
    steps = 0
    while events or wakeup is not None:
        steps += 1
        assert steps < 100_000, "the pacer never settles"
        now = min(events[0][0] if events else math.inf, wakeup if wakeup is not None else math.inf)
        while events and events[0][0] <= now:
            _, _, kind, index = heapq.heappop(events)
            if kind == "ask":
                send = sends[index]
                chat, group = CHATS[send.chat]
                ticket = pacer.enqueue(chat, group=group, weight=send.weight,
                                       priority=send.priority, now=now)  # fmt: skip
                tickets[index] = ticket
                index_of[id(ticket)] = index
            else:
                pacer.finish(tickets[index], now)
        granted_now, wakeup = pacer.admit(now)
        assert wakeup is None or wakeup > now, "a wake-up that is not in the future spins"
        for ticket in granted_now:
            index = index_of[id(ticket)]
            send = sends[index]
            granted[index] = now
            hits.append((now + send.arrival * send.latency, index, ticket.weight))
            heapq.heappush(events, (now + send.latency, order, "done", index))
            order += 1
        if not events and wakeup is None:
            break
    return Outcome(granted, hits)


def worst_windows(sends: list[Send], hits: list[tuple[float, int, int]], limits: Limits) -> None:
    """Assert that no rolling window, counted where Telegram counts, exceeds its limit."""
    lanes: dict[tuple[str, object], list[tuple[float, int]]] = defaultdict(list)
    for moment, index, weight in hits:
        chat, group = CHATS[sends[index].chat]
        lanes[("overall", None)].append((moment, weight))
        lanes[("chat", chat)].append((moment, min(weight, limits.chat.limit)))
        if group:
            lanes[("group", chat)].append((moment, min(weight, limits.group.limit)))
    for (kind, chat), moments in lanes.items():
        window: Window = getattr(limits, kind)
        moments.sort()
        for end, _ in moments:
            inside = sum(w for t, w in moments if end - window.seconds < t <= end)
            assert inside <= window.limit, (kind, chat, end, inside)


sends_strategy = st.lists(
    st.builds(
        Send,
        at=st.floats(0, 6, allow_nan=False),
        chat=st.integers(0, len(CHATS) - 1),
        weight=st.sampled_from([1, 1, 1, 1, 2, 3]),
        priority=st.sampled_from(list(Priority)),
        latency=st.floats(0.0, 0.8, allow_nan=False),
        arrival=st.floats(0, 1, allow_nan=False),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(sends_strategy)
def test_no_rolling_window_ever_exceeds_its_limit(sends: list[Send]) -> None:
    outcome = simulate(Pacer(SMALL), sends)
    assert len(outcome.granted) == len(sends)  # everyone gets through in the end
    worst_windows(sends, outcome.hits, SMALL)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.builds(
            Send,
            at=st.floats(0, 2, allow_nan=False),
            chat=st.integers(0, len(CHATS) - 1),
            weight=st.just(1),
            priority=st.sampled_from(list(Priority)),
            latency=st.floats(0.0, 0.3, allow_nan=False),
            arrival=st.floats(0, 1, allow_nan=False),
        ),
        min_size=30,
        max_size=150,
    )
)
def test_telegram_limits_hold_for_bursts(sends: list[Send]) -> None:
    limits = Limits()
    outcome = simulate(Pacer(limits), sends)
    assert len(outcome.granted) == len(sends)
    worst_windows(sends, outcome.hits, limits)


def test_a_burst_goes_at_the_full_rate_and_not_faster() -> None:
    limits = Limits(
        overall=Window(30, 1.0), chat=Window(100, 1.0), group=Window(100, 60.0), burst=30
    )
    pacer = Pacer(limits)
    many = [Send(0.0, 0, 1, Priority.BULK, 0.01, 1.0) for _ in range(90)]
    outcome = simulate(pacer, many)
    times = sorted(outcome.granted.values())
    assert times[29] == 0.0 and times[30] == pytest.approx(
        1.01, abs=1e-5
    )  # a slot frees after its reply
    assert times[-1] == pytest.approx(2.02, abs=1e-5)


def test_grants_are_spread_out_after_a_short_burst() -> None:
    limits = Limits(chat=Window(100, 1.0), burst=10)
    outcome = simulate(Pacer(limits), [Send(0.0, 0, 1, Priority.BULK, 0.0, 1.0)] * 20)
    times = sorted(outcome.granted.values())
    assert times[:10] == [0.0] * 10
    gaps = [later - earlier for earlier, later in itertools.pairwise(times[9:])]
    assert all(gap == pytest.approx(1 / 30, abs=1e-6) for gap in gaps)


def test_answers_go_before_progress_and_progress_before_digests() -> None:
    pacer = Pacer(Limits(overall=Window(1, 1.0)))
    first = pacer.enqueue(1, now=0.0)
    assert pacer.admit(0.0)[0] == [first]
    pacer.finish(first, 0.0)
    bulk = pacer.enqueue(2, priority=Priority.BULK, now=0.1)
    progress = pacer.enqueue(3, priority=Priority.PROGRESS, now=0.2)
    answer = pacer.enqueue(4, priority=Priority.INTERACTIVE, now=0.3)
    granted, wakeup = pacer.admit(0.5)
    assert granted == [] and wakeup == pytest.approx(1.0, abs=1e-5)
    order = []
    for moment in (1.001, 2.002, 3.003):
        granted, _ = pacer.admit(moment)
        order += granted
        for ticket in granted:
            pacer.finish(ticket, moment)
    assert order == [answer, progress, bulk]


def test_a_chat_at_its_own_limit_does_not_hold_up_other_chats() -> None:
    pacer = Pacer(Limits(chat=Window(1, 1.0)))
    a1 = pacer.enqueue(1, now=0.0)
    a2 = pacer.enqueue(1, now=0.0)
    b1 = pacer.enqueue(2, now=0.0)
    granted, wakeup = pacer.admit(0.0)
    assert granted == [a1, b1] and wakeup is None  # a2 waits for a1's reply
    pacer.finish(a1, 0.2)
    granted, wakeup = pacer.admit(0.2)
    assert granted == [] and wakeup == pytest.approx(1.2, abs=1e-5)
    assert pacer.admit(1.201)[0] == [a2]


def test_a_slot_stays_held_while_the_request_is_in_flight() -> None:
    pacer = Pacer(Limits(overall=Window(2, 1.0)))
    first = [pacer.enqueue(c, now=0.0) for c in (1, 2)]
    assert pacer.admit(0.0)[0] == first
    third = pacer.enqueue(3, now=0.0)
    assert pacer.admit(5.0) == ([], None)  # no reply yet: Telegram may still be counting them
    pacer.finish(first[0], 5.0)
    assert pacer.admit(5.5) == ([], pytest.approx(6.0, abs=1e-5))
    assert pacer.admit(6.001)[0] == [third]


def test_group_limit_counts_edits_and_messages_per_minute() -> None:
    pacer = Pacer()
    times = []
    for i in range(22):
        ticket = pacer.enqueue(-100, group=True, now=0.0)
        moment = 0.0
        while True:
            granted, wakeup = pacer.admit(moment)
            if granted:
                break
            assert wakeup is not None
            moment = wakeup
        assert granted == [ticket]
        pacer.finish(ticket, moment)
        times.append(moment)
        del i
    assert times[19] < 60 <= times[20]


def test_a_429_pauses_everything_until_its_retry_after() -> None:
    pacer = Pacer()
    pacer.pause(3.0)
    ticket = pacer.enqueue(1, now=1.0)
    assert pacer.admit(1.0) == ([], 3.0)
    assert pacer.admit(3.0)[0] == [ticket]


def test_cancelled_waiters_leave_the_queue_and_granted_ones_count_as_sent() -> None:
    pacer = Pacer(Limits(overall=Window(1, 1.0)))
    granted = pacer.enqueue(1, now=0.0)
    waiting = pacer.enqueue(2, now=0.0)
    assert pacer.admit(0.0)[0] == [granted]
    pacer.cancel(waiting)
    assert pacer.waiting == 0
    pacer.finish(granted, 0.1)  # the caller gave up after the grant: counted anyway
    pacer.finish(granted, 0.5)  # a second finish changes nothing
    later = pacer.enqueue(3, now=0.2)
    assert pacer.admit(0.2) == ([], pytest.approx(1.1, abs=1e-5))
    assert pacer.admit(1.101)[0] == [later]


def test_budget_is_short_when_answers_queue_or_the_chat_window_fills() -> None:
    pacer = Pacer()
    assert not pacer.budget_short(1, group=False, now=0.0)
    two = [pacer.enqueue(1, now=0.0) for _ in range(2)]
    pacer.admit(0.0)
    assert pacer.budget_short(1, group=False, now=0.0)  # 2 of the chat's 3 are used
    assert not pacer.budget_short(2, group=False, now=0.0)
    for ticket in two:
        pacer.finish(ticket, 0.0)
    assert not pacer.budget_short(1, group=False, now=3.001)
    for chat in range(100, 116):
        pacer.enqueue(chat, now=3.001)  # queued, not admitted yet: half a second's worth
    assert pacer.budget_short(2, group=False, now=3.001)
    busy = Pacer(Limits(chat=Window(100, 1.0)))
    for _ in range(10):
        busy.enqueue(-5, group=True, now=0.0)
        for ticket in busy.admit(0.0)[0]:
            busy.finish(ticket, 0.0)
    assert busy.budget_short(-5, group=True, now=4.0)  # 10 of the group's 20 a minute


def test_weights_and_chat_keys() -> None:
    assert flood_weight("sendMessage", {}) == 1
    assert flood_weight("sendDocument", {}) == 1
    assert flood_weight("editMessageText", {}) == 1
    assert flood_weight("copyMessage", {}) == 1
    assert flood_weight("sendMediaGroup", {"media": [1, 2, 3]}) == 3
    assert flood_weight("sendChatAction", {}) == 0
    assert flood_weight("answerCallbackQuery", {}) == 0
    assert flood_weight("deleteMessage", {}) == 0
    assert flood_weight("getUpdates", {}) == 0
    assert chat_key(5) == (5, False)
    assert chat_key("-100123") == (-100123, True)
    assert chat_key("@Channel") == ("@channel", True)
    assert chat_key(None) == (None, False)


async def test_flood_limiter_waits_in_priority_order() -> None:
    limiter = FloodLimiter(limits=Limits(overall=Window(1, 0.15)))
    order: list[str] = []

    async def call(name: str) -> bool:
        order.append(name)
        return True

    async def send(name: str, chat: int, priority: Priority) -> None:
        with send_priority(priority):
            await limiter.process_request(call, (name,), {}, "sendMessage", {"chat_id": chat}, None)

    first = asyncio.create_task(send("first", 1, Priority.INTERACTIVE))
    await asyncio.sleep(0)
    later = [
        asyncio.create_task(send("digest", 2, Priority.BULK)),
        asyncio.create_task(send("status", 3, Priority.PROGRESS)),
        asyncio.create_task(send("answer", 4, Priority.INTERACTIVE)),
    ]
    await asyncio.wait_for(asyncio.gather(first, *later), 5)
    assert order == ["first", "answer", "status", "digest"]
    # Calls that are not flood-limited never wait.
    assert await limiter.process_request(call, ("typing",), {}, "sendChatAction", {}, None)
    await limiter.shutdown()


async def test_flood_limiter_forgets_a_cancelled_waiter() -> None:
    limiter = FloodLimiter(limits=Limits(overall=Window(1, 0.2)))

    async def call() -> bool:
        return True

    async def send(chat: int) -> object:
        return await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)

    await send(1)
    waiting = asyncio.create_task(send(2))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert limiter.pacer.waiting == 0
    assert await asyncio.wait_for(send(3), 2)
    await limiter.shutdown()


def test_a_chat_flooding_the_bot_does_not_slow_the_others() -> None:
    # 200 answers queued for one chat go out at its own pace; another chat's answer, asked for
    # later, is granted at once, and the overall budget is not spent waiting on the first.
    pacer = Pacer()
    flood = [pacer.enqueue(1, now=0.0) for _ in range(200)]
    granted, _ = pacer.admit(0.0)
    assert granted == flood[:3]
    for ticket in granted:
        pacer.finish(ticket, 0.01)
    other = pacer.enqueue(2, now=0.5)
    assert pacer.admit(0.5)[0] == [other]
