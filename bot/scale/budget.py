"""One Telegram flood budget per bot token, shared by every replica through Redis.

The single-process pacer (`bot/telegram/ratelimit.py`) keeps one rolling-window *lane* per limit
(overall, each chat, each group) and holds a granted send's slot from its grant until `window`
seconds after its HTTP call returned: Telegram counts the request at some moment between the two,
so with at most `limit` slots held no rolling window of Telegram's sees more than `limit`
requests, whatever the jitter. `SharedBudget` keeps exactly those lanes in Redis, one sorted set
per lane (member: a slot of one send; score: when it frees), and grants or refuses a send in one
Lua script, so replicas never race each other. Redis's own clock (`TIME`) is the only clock.

Differences from the in-process pacer, and why:
- A granted slot is held until `lease` seconds, not forever, while its call is in flight: a
  replica killed mid-call must not hold a slot for ever. The lease is longer than any Bot API call
  (PTB's write timeout), so a live call never loses its slot.
- Priorities cannot be one queue across processes; instead a lower priority may fill a lane only
  up to `limit - reserve`, so answers (INTERACTIVE) always find room that status edits (PROGRESS)
  and digests (BULK) left free. Within one replica the local pacer still orders by priority.
- A Redis outage never sends unbudgeted: `acquire` retries with back-off until Redis answers
  (sends are *delayed*, never sent over the limit); a failed `release` lets the lease expire.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

ChatKey = int | str

# INTERACTIVE, PROGRESS, BULK as in bot/pacing.py (lower goes first); the number is all we need.
INTERACTIVE, PROGRESS, BULK = 0, 1, 2


class RedisLike(Protocol):
    """The part of `redis.asyncio.Redis` the budget uses."""

    def register_script(self, script: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` messages in any rolling `seconds`."""

    limit: int
    seconds: float


@dataclass(frozen=True, slots=True)
class SharedLimits:
    """Telegram's limits as the shared budget keeps them (the same defaults as the pacer)."""

    overall: Window = Window(30, 1.0)
    chat: Window = Window(3, 3.0)  # ~1/s per chat, short bursts allowed
    group: Window = Window(20, 60.0)  # groups and channels, on top of `chat`
    # Slots of the overall lane a priority leaves free for better ones (index = priority).
    overall_reserve: tuple[int, ...] = (0, 4, 8)
    # Slots of a group's per-minute lane kept for answers: a status edit never takes the last.
    group_reserve: tuple[int, ...] = (0, 2, 2)


# Grant, or say how long to wait. KEYS: the lanes. ARGV: ticket, weight, lease, then per lane
# limit, reserve. Returns "0" on a grant, else seconds to wait (as a string: Lua numbers returned
# to Redis are truncated to integers).
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local id, weight, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 + 2 * i])
  local reserve = tonumber(ARGV[3 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local used = redis.call('ZCARD', key)
  local excess = used + math.min(weight, limit) - (limit - reserve)
  if excess > 0 then
    local entry = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
    local free_at = tonumber(entry[2]) or (now + 0.05)
    wait = math.max(wait, free_at - now)
  end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 + 2 * i])
  for j = 1, math.min(weight, limit) do
    redis.call('ZADD', key, now + lease, id .. ':' .. j)
  end
  redis.call('PEXPIRE', key, math.ceil((lease + 120) * 1000))
end
return '0'
"""

# The call returned: its slots free `window` seconds from now. KEYS: lanes; ARGV: ticket, weight,
# then per lane limit, window. ZADD XX: a slot whose lease expired meanwhile stays gone.
RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local id, weight = ARGV[1], tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  for j = 1, math.min(weight, limit) do
    redis.call('ZADD', key, 'XX', now + window + 0.000001, id .. ':' .. j)
  end
end
return 1
"""


@dataclass(slots=True)
class Grant:
    """Slots held for one send until `release`."""

    ticket: str
    weight: int
    lanes: list[tuple[str, Window]] = field(default_factory=list)


def budget_prefix(bot_token: str) -> str:
    """The Redis key prefix of one bot token's budget (a hash: the token never reaches Redis)."""
    return "newsfix:flood:" + hashlib.sha256(bot_token.encode()).hexdigest()[:16]


class SharedBudget:
    """Rolling-window flood limits for one bot token, shared by every process through Redis."""

    def __init__(
        self,
        redis: RedisLike,
        prefix: str,
        *,
        limits: SharedLimits | None = None,
        lease: float = 30.0,
        poll: float = 0.05,
        outage_backoff: float = 0.5,
    ) -> None:
        self.limits = limits or SharedLimits()
        self.prefix = prefix
        self.lease = lease
        self.poll = poll
        self.outage_backoff = outage_backoff
        self._acquire = redis.register_script(ACQUIRE)
        self._release = redis.register_script(RELEASE)
        self.outages = 0  # Redis errors seen (sends delayed meanwhile)

    def _lanes(self, chat: ChatKey | None, group: bool) -> list[tuple[str, Window, int]]:
        """(key, window, index into the reserve tables) per lane the send counts in."""
        lanes = [(f"{self.prefix}:all", self.limits.overall, 0)]
        if chat is not None:
            lanes.append((f"{self.prefix}:chat:{chat}", self.limits.chat, -1))
            if group:
                lanes.append((f"{self.prefix}:group:{chat}", self.limits.group, 1))
        return lanes

    def _reserve(self, table: int, priority: int) -> int:
        if table < 0:
            return 0
        reserves = self.limits.overall_reserve if table == 0 else self.limits.group_reserve
        return reserves[min(max(priority, 0), len(reserves) - 1)]

    async def acquire(
        self,
        chat: ChatKey | None,
        *,
        group: bool = False,
        weight: int = 1,
        priority: int = INTERACTIVE,
    ) -> Grant:
        """Wait until every lane the send counts in has room, then hold its slots."""
        lanes = self._lanes(chat, group)
        ticket = uuid.uuid4().hex
        args: list[Any] = [ticket, max(1, weight), self.lease]
        for _key, window, table in lanes:
            args += [window.limit, self._reserve(table, priority)]
        keys = [key for key, _window, _table in lanes]
        while True:
            try:
                wait = float(await self._acquire(keys=keys, args=args))
            except (OSError, ConnectionError, TimeoutError) as exc:
                wait = self._outage(exc)
            except Exception as exc:  # redis.exceptions.RedisError and friends
                if type(exc).__module__.split(".")[0] != "redis":
                    raise
                wait = self._outage(exc)
            if wait <= 0:
                return Grant(ticket, max(1, weight), [(k, w) for k, w, _t in lanes])
            # A lane full of in-flight slots says "lease from now"; a reply usually frees one much
            # sooner, so look again after `poll` at most. Jitter keeps replicas from lock-step.
            await asyncio.sleep(min(wait, self.poll) * (1 + random.random() * 0.2))

    def _outage(self, exc: BaseException) -> float:
        self.outages += 1
        log.warning("flood budget: Redis unavailable (%s); sends wait", exc)
        return self.outage_backoff

    async def release(self, grant: Grant) -> None:
        """The call returned (or failed): its slots free one window from now."""
        args: list[Any] = [grant.ticket, grant.weight]
        for _key, window in grant.lanes:
            args += [window.limit, window.seconds]
        try:
            await self._release(keys=[key for key, _w in grant.lanes], args=args)
        except Exception as exc:
            # The lease expires by itself; until then the slot just stays taken (slower, not over).
            log.warning("flood budget: could not release a slot (%s)", exc)

    @asynccontextmanager
    async def slot(
        self,
        chat: ChatKey | None,
        *,
        group: bool = False,
        weight: int = 1,
        priority: int = INTERACTIVE,
    ) -> AsyncIterator[Grant]:
        """`async with budget.slot(chat_id): await call()` — hold slots around one call."""
        grant = await self.acquire(chat, group=group, weight=weight, priority=priority)
        try:
            yield grant
        finally:
            await self.release(grant)
