"""Flood control that cannot trip Telegram's limits: rolling windows, held until the reply.

Telegram refuses (429 + retry_after) a bot that sends more than 30 messages in a second, more
than about one message a second to one chat (short bursts allowed) or more than 20 a minute to
one group or channel. `Pacer` is the pure core: one rolling-window *lane* per limit (overall,
each chat, each group), and a queue of waiting sends ordered by priority (`bot.pacing`).

Why it is right by construction: a granted send holds its slot in every lane from the moment it
is granted until `window` seconds after its HTTP call *returned*. Telegram counts the request at
some moment between those two (when it arrives), so with at most `limit` slots held at once no
rolling window of Telegram's can ever see more than `limit` requests, whatever the network's
jitter. The price is the round-trip time: the sustained rate is limit / (window + latency).

`FloodLimiter` adapts it to python-telegram-bot (`ApplicationBuilder().rate_limiter(...)`): every
flood-limited call (messages, edits, documents, media, copies, forwards, messages posted by an
answer) waits for its grant; everything else goes straight through. A 429 is still waited out
(pausing every send, since we cannot tell which limit Telegram applied), retried and counted.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import math
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.metrics import Metrics
from bot.pacing import Priority, current_priority
from bot.telegram.send import retry_after_seconds

if TYPE_CHECKING:
    from telegram import Bot

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
ChatKey = int | str

# Calls that put a message into a chat or change one; everything else (getUpdates, typing,
# callback answers without a message, deletions, reactions, getters) is not flood-limited.
POSTING = frozenset(
    {
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "editMessageLiveLocation",
        "stopMessageLiveLocation",
        "stopPoll",
        "answerWebAppQuery",  # posts a message in the user's name
    }
)
NOT_POSTING = frozenset({"sendChatAction"})
MANY = {"sendMediaGroup": "media", "copyMessages": "message_ids", "forwardMessages": "message_ids"}


def flood_weight(endpoint: str, data: dict[str, Any]) -> int:
    """How many messages a Bot API call counts as against the flood limits (0: not limited)."""
    if endpoint in MANY:
        items = data.get(MANY[endpoint])
        return max(1, len(items)) if isinstance(items, list | tuple) else 1
    if endpoint in NOT_POSTING:
        return 0
    if endpoint in POSTING or endpoint.startswith("send"):
        return 1
    return 0


def chat_key(chat_id: object) -> tuple[ChatKey | None, bool]:
    """(chat, is_group_or_channel) for a request's chat_id; (None, False) when it has none."""
    if chat_id is None or chat_id == "":
        return None, False
    if isinstance(chat_id, int):
        return chat_id, chat_id < 0
    with contextlib.suppress(TypeError, ValueError):
        number = int(str(chat_id))
        return number, number < 0
    # "@username" addresses public channels and supergroups only.
    return str(chat_id).lower(), True


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` messages in any rolling `seconds`."""

    limit: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Limits:
    """Telegram's flood limits as the pacer keeps them."""

    overall: Window = Window(30, 1.0)
    # "About one message per second to a chat, short bursts allowed": 3 in any rolling 3 s.
    chat: Window = Window(3, 3.0)
    group: Window = Window(20, 60.0)  # groups, supergroups and channels, on top of `chat`
    # Grants are also spread out: at most `burst` at once, then the overall rate. It never
    # lowers the sustained rate (the windows bind first), but a window's worth of requests
    # arriving together queue at the server, and a slower reply holds its slot longer.
    burst: int = 10


class _Lane:
    """One rolling window: the slots it holds, each free from `free_at` (inf while in flight)."""

    __slots__ = ("held", "window")

    def __init__(self, window: Window) -> None:
        self.window = window
        self.held: list[list[float]] = []  # [free_at, weight]

    def _prune(self, now: float) -> None:
        if any(entry[0] <= now for entry in self.held):
            self.held = [entry for entry in self.held if entry[0] > now]

    def used(self, now: float) -> int:
        self._prune(now)
        return int(sum(entry[1] for entry in self.held))

    def ready_at(self, weight: int, now: float) -> float:
        """When `weight` more slots are free: now, a later time, or inf (wait for a reply)."""
        excess = self.used(now) + min(weight, self.window.limit) - self.window.limit
        if excess <= 0:
            return now
        for free_at, held in sorted(self.held):
            excess -= int(held)
            if excess <= 0:
                return free_at
        return math.inf  # pragma: no cover - unreachable: weight is capped at the limit

    def take(self, weight: int) -> list[float]:
        entry = [math.inf, float(min(weight, self.window.limit))]
        self.held.append(entry)
        return entry


WAITING, GRANTED, DONE = "waiting", "granted", "done"
MARGIN = 1e-6  # seconds


@dataclass(eq=False)
class Ticket:
    """One send: waiting for its grant, granted (in flight), or done."""

    chat: ChatKey | None
    group: bool
    weight: int
    priority: int
    seq: int
    requested_at: float
    granted_at: float | None = None
    state: str = WAITING
    _held: list[tuple[_Lane, list[float]]] = field(default_factory=list, repr=False)

    @property
    def order(self) -> tuple[int, int]:
        """Queue order: priority, then arrival."""
        return (self.priority, self.seq)


class Pacer:
    """The pure pacing core (no clock of its own, no I/O): every call is told the time."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.overall = _Lane(self.limits.overall)
        self._chats: dict[ChatKey, _Lane] = {}
        self._groups: dict[ChatKey, _Lane] = {}
        self._waiting: list[Ticket] = []
        self._seq = itertools.count()
        self.paused_until = 0.0
        self._rate = self.limits.overall.limit / self.limits.overall.seconds
        self._tokens = float(self.limits.burst)
        self._stamp: float | None = None

    # -- the queue --------------------------------------------------------------------------

    def enqueue(
        self,
        chat: ChatKey | None,
        *,
        group: bool = False,
        weight: int = 1,
        priority: int = Priority.INTERACTIVE,
        now: float,
    ) -> Ticket:
        """Queue a send; `admit` grants it when every window it counts in has room."""
        ticket = Ticket(chat, group, max(1, weight), int(priority), next(self._seq), now)
        bisect.insort(self._waiting, ticket, key=lambda t: t.order)
        return ticket

    def _lanes(self, ticket: Ticket) -> list[_Lane]:
        lanes = [self.overall]
        if ticket.chat is not None:
            lane = self._chats.get(ticket.chat)
            if lane is None:
                lane = self._chats[ticket.chat] = _Lane(self.limits.chat)
            lanes.append(lane)
            if ticket.group:
                lane = self._groups.get(ticket.chat)
                if lane is None:
                    lane = self._groups[ticket.chat] = _Lane(self.limits.group)
                lanes.append(lane)
        return lanes

    def admit(self, now: float) -> tuple[list[Ticket], float | None]:
        """Grant what may be sent now, best priority first; and when to look again (None: only
        after a reply frees a slot, or when something new is queued)."""
        granted: list[Ticket] = []
        if now < self.paused_until:
            return granted, self.paused_until
        wakeup = math.inf
        if self._stamp is not None:
            elapsed = max(0.0, now - self._stamp)
            self._tokens = min(float(self.limits.burst), self._tokens + elapsed * self._rate)
        self._stamp = now
        for ticket in list(self._waiting):
            # The overall lane is taken strictly in priority order; a send held back only by
            # its own chat's or group's window lets the ones behind it go meanwhile.
            head_ready = self.overall.ready_at(ticket.weight, now)
            spread = min(ticket.weight, self.limits.burst)
            if self._tokens < spread:
                head_ready = max(head_ready, now + (spread - self._tokens) / self._rate)
            if head_ready > now:
                wakeup = min(wakeup, head_ready)
                break
            lanes = self._lanes(ticket)
            ready = max(lane.ready_at(ticket.weight, now) for lane in lanes)
            if ready > now:
                wakeup = min(wakeup, ready)
                continue
            ticket._held = [(lane, lane.take(ticket.weight)) for lane in lanes]
            self._tokens -= spread
            ticket.state, ticket.granted_at = GRANTED, now
            self._waiting.remove(ticket)
            granted.append(ticket)
        self._forget_idle(now)
        return granted, (None if math.isinf(wakeup) else wakeup)

    def finish(self, ticket: Ticket, now: float) -> None:
        """The call returned (or failed) at `now`: its slots free one window later."""
        if ticket.state == WAITING:
            self.cancel(ticket)
            return
        if ticket.state != GRANTED:
            return
        for lane, entry in ticket._held:
            # A microsecond more: `now + seconds` is rounded, and a window is half-open.
            entry[0] = now + lane.window.seconds + MARGIN
        ticket.state = DONE

    def cancel(self, ticket: Ticket) -> None:
        """Drop a send that stopped waiting before its grant."""
        if ticket.state == WAITING:
            self._waiting.remove(ticket)
            ticket.state = DONE

    def pause(self, until: float) -> None:
        """After a 429: nothing is granted before `until`."""
        self.paused_until = max(self.paused_until, until)

    def _forget_idle(self, now: float) -> None:
        # Lanes of chats that have been quiet for a window are dropped, so a bot in many chats
        # does not grow without bound.
        for lanes in (self._chats, self._groups):
            if len(lanes) > 1024:
                for key in [k for k, lane in lanes.items() if lane.used(now) == 0]:
                    del lanes[key]

    # -- what the front end asks --------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Sends queued and not yet granted."""
        return len(self._waiting)

    def budget_short(self, chat: ChatKey | None, *, group: bool, now: float) -> bool:
        """Whether optional messages (a status, its edits) should be left out for this chat:
        answers are queued for half a second's budget or more, or the chat's (group's) own
        window is half used."""
        ahead = sum(t.weight for t in self._waiting if t.priority <= Priority.PROGRESS)
        if now < self.paused_until or ahead >= self.limits.overall.limit / 2:
            return True
        lanes: list[tuple[dict[ChatKey, _Lane], Window]] = [(self._chats, self.limits.chat)]
        if group:
            lanes.append((self._groups, self.limits.group))
        for registry, window in lanes:
            lane = registry.get(chat) if chat is not None else None
            if lane is not None and lane.used(now) * 2 >= window.limit:
                return True
        return False


class FloodLimiter(BaseRateLimiter[int]):
    """python-telegram-bot's rate limiter, driven by a `Pacer`: flood-limited calls wait for a
    grant in priority order (`bot.pacing.send_priority`); a RetryAfter pauses every send, is
    counted and retried up to `max_retries` times (`rate_limit_args` overrides per call)."""

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        max_retries: int = 3,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pacer = Pacer(limits)
        self._max_retries = max_retries
        self._metrics = metrics
        self._clock = clock
        self._futures: dict[Ticket, asyncio.Future[None]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Stop the wake-up timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def budget_short(self, chat_id: object) -> bool:
        """Whether a status message (or its edit) for `chat_id` should be left out now."""
        chat, group = chat_key(chat_id)
        return self.pacer.budget_short(chat, group=group, now=self._clock())

    def _kick(self) -> None:
        """Grant what may go now and set the timer for the next look."""
        now = self._clock()
        granted, wakeup = self.pacer.admit(now)
        for ticket in granted:
            future = self._futures.pop(ticket, None)
            if future is None or future.done():
                self.pacer.finish(ticket, now)  # its sender gave up meanwhile
            else:
                future.set_result(None)
        if wakeup is None or wakeup >= self._timer_at > now:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = wakeup
        # A hair late rather than early: an early wake-up would only find the window still full.
        self._timer = asyncio.get_running_loop().call_later(
            max(0.0, wakeup - now) + 0.0005, self._on_timer
        )

    def _on_timer(self) -> None:
        self._timer, self._timer_at = None, math.inf
        self._kick()

    async def _acquire(self, chat: ChatKey | None, group: bool, weight: int) -> Ticket:
        priority = current_priority()
        now = self._clock()
        ticket = self.pacer.enqueue(chat, group=group, weight=weight, priority=priority, now=now)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._futures[ticket] = future
        self._kick()
        try:
            await future
        except BaseException:
            self._futures.pop(ticket, None)
            # Granted but not sent is counted as sent: we cannot know it was not.
            self.pacer.finish(ticket, self._clock())
            self._kick()
            raise
        if self._metrics is not None and ticket.granted_at is not None:
            self._metrics.telegram_send_wait.labels(Priority(priority).name.lower()).observe(
                ticket.granted_at - ticket.requested_at
            )
        return ticket

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Wait for a grant (flood-limited calls only), call; on RetryAfter pause and retry."""
        weight = flood_weight(endpoint, data)
        if weight == 0:
            return await callback(*args, **kwargs)
        chat, group = chat_key(data.get("chat_id"))
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        for attempt in range(retries + 1):
            ticket = await self._acquire(chat, group, weight)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if self._metrics is not None:
                    self._metrics.telegram_retry_after.inc()
                wait = retry_after_seconds(exc)
                # The pacer keeps every window, so this means the limits are not what we think
                # (or another process sends with the same token): worth a warning every time.
                log.warning("429 from Telegram on %s (retry after %.0fs)", endpoint, wait)
                self.pacer.pause(self._clock() + wait)
                if attempt >= retries:
                    raise
            finally:
                self.pacer.finish(ticket, self._clock())
                self._kick()
        raise AssertionError("unreachable")  # pragma: no cover


def budget_short(bot: Bot, chat_id: int) -> bool:
    """Whether `bot`'s pacer says optional messages for `chat_id` should be left out now."""
    limiter = getattr(bot, "rate_limiter", None)
    while limiter is not None and not isinstance(limiter, FloodLimiter):
        limiter = getattr(limiter, "inner", None)  # replicas wrap it (bot/telegram/replicas.py)
    return limiter is not None and limiter.budget_short(chat_id)
