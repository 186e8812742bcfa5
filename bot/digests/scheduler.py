"""The digest scheduler: the database says what is due; APScheduler only wakes the process.

Every tick (each minute, and once right after start) reads the active subscriptions, works out with
the injected clock which (subscription, local date) pairs are due, records the ones missed beyond
the grace window as skipped, and hands the rest to a few workers. A worker claims one delivery
(see `bot/storage/deliveries.py`), builds the digest, and sends it part by part, recording progress
after each part. Pacing is the front end's: the injected `send` goes through the bot's pacer, and
the fan-out marks its sends as BULK (`bot.pacing`) so that answers to users go first. Expired claims of dead processes are picked up the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.digests.filters import ChatFilter
from bot.digests.selection import Entry, Selection, select
from bot.digests.timing import due_dates, local_date_of
from bot.errors import ChatGoneError, ChatMovedError, DeliveryUnknownError, TopicGoneError
from bot.pacing import Priority, send_priority
from bot.storage.deliveries import FAILED, SENT, SKIPPED, Claim, Deliveries
from bot.storage.digests import DigestArticle, DigestStore, SubscriptionInfo

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.clock import Clock
    from bot.digests.feeds import FeedPoller
    from bot.metrics import Metrics

log = logging.getLogger(__name__)

# Sends one HTML message (already under Telegram's limit) to a chat. Raises ChatGoneError when
# the chat blocked/removed the bot and ChatMovedError when it became a supergroup.
SendFn = Callable[[int, str], Awaitable[None]]


class DigestRenderer(Protocol):
    """Turns grouped entries into messages for the front end (Telegram HTML in the bot)."""

    def digest(
        self, entries: Sequence[Entry], day: date | None, *, more: int = 0, filtered: int = 0
    ) -> list[str]:
        """The digest as messages, each within the front end's length limit; the footer says
        how many more stories there were and how many items the chat's filters dropped."""
        ...

    def empty(self, day: date | None) -> str:
        """The note for a day with nothing to report."""
        ...


DEFAULT_LEASE = timedelta(minutes=3)
# Enough workers that a send is always waiting at the pacer while the others do their database
# work (claim, material, record): with 24 the fan-out reached only 70-85% of 30 sends/s.
DEFAULT_WORKERS = 48
FIRST_DIGEST_LOOKBACK = timedelta(hours=24)
MAX_LOOKBACK = timedelta(days=7)
FEED_LOOKAHEAD = timedelta(minutes=10)  # poll feeds of chats due this soon ahead of time
DEFAULT_MAX_STORIES = 10


def default_worker_id() -> str:
    """host:pid:random — unique per process, readable in the deliveries table."""
    return f"{_host()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _host() -> str:
    return socket.gethostname()[:60].replace(":", "-")


def local_worker_is_dead(worker_id: str, own_id: str) -> bool:
    """True when `worker_id` (host:pid:random, of this host) names a process that is gone.

    Our own pid under another id is a previous incarnation (a container restarts as pid 1).
    """
    try:
        _host_part, pid_text, _suffix = worker_id.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if worker_id == own_id:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists but belongs to someone else
    return False


@dataclass
class TickReport:
    """What one tick did (tests and the benchmark read it)."""

    sent: int = 0
    messages: int = 0
    empty: int = 0
    skipped_late: int = 0
    failed: int = 0
    lost: int = 0  # claims lost mid-send (lease taken over) or left for a retry after an error
    resumed: int = 0
    chats: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Job:
    subscription_id: int
    chat_id: int
    local_date: date
    due_at: datetime
    claim: Claim | None = None  # set for re-claimed expired deliveries


class DigestScheduler:
    """Finds due digests and delivers each exactly once (per subscription and local date)."""

    def __init__(
        self,
        *,
        store: DigestStore,
        clock: Clock,
        send: SendFn,
        renderer: DigestRenderer,
        metrics: Metrics | None = None,
        grace: timedelta = timedelta(hours=6),
        worker_id: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        poller: FeedPoller | None = None,
        workers: int = DEFAULT_WORKERS,
        max_stories: int = DEFAULT_MAX_STORIES,
    ) -> None:
        self.store = store
        self.clock = clock
        self.send = send
        self.renderer = renderer
        self.metrics = metrics
        self.grace = grace
        self.worker_id = worker_id or default_worker_id()
        self.deliveries = Deliveries(store.db, self.worker_id, lease=lease)
        self.poller = poller
        self.workers = workers
        self.max_stories = max_stories
        self._lock = asyncio.Lock()
        self._prep_lock = asyncio.Lock()  # feed polling ahead of time; never delays a tick
        self._aps: AsyncIOScheduler | None = None
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, *, interval_seconds: float = 60.0) -> None:
        """Start APScheduler: a tick now (catch-up after downtime) and then every minute."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        self._stopping = False
        try:
            await self.reclaim_dead_local()
        except Exception:  # the leases then simply expire as before
            log.warning("could not release dead processes' digest leases", exc_info=True)
        self._aps = AsyncIOScheduler(timezone="UTC")
        trigger = (
            CronTrigger(second=0, timezone="UTC")  # on the minute, when digests fall due
            if interval_seconds == 60.0
            else IntervalTrigger(seconds=interval_seconds)
        )
        self._aps.add_job(
            self.tick, trigger, id="digest-tick", max_instances=1, coalesce=True,
            misfire_grace_time=None,
        )  # fmt: skip
        self._aps.add_job(self.tick, id="digest-catch-up", max_instances=1)
        # Half a minute off the tick: feeds of chats due in the next minutes are polled ahead,
        # so the fan-out at the due minute only sends.
        self._aps.add_job(
            self._prepare_safely, CronTrigger(second=30, timezone="UTC"), id="digest-feeds",
            max_instances=1, coalesce=True,
        )  # fmt: skip
        self._aps.start()
        log.info("digest scheduler started as %s", self.worker_id)

    async def reclaim_dead_local(self) -> int:
        """Release at once the digest leases of this host's dead processes (a kill -9 or a
        crash before a restart), so their chats do not wait out the lease."""
        host = self.worker_id.rsplit(":", 2)[0] if self.worker_id.count(":") >= 2 else _host()
        released = await self.deliveries.release_dead(
            host, lambda holder: local_worker_is_dead(holder, self.worker_id), self.clock.now()
        )
        if released:
            log.info("released %d digest leases of dead processes on %s", released, host)
        return released

    async def stop(self) -> None:
        """Stop waking up; a tick in progress finishes its current sends (claims stay safe)."""
        # Workers finish the digest in hand and take no new one; the rest is either unclaimed
        # (the next process claims it) or resumed after its lease expires.
        self._stopping = True
        async with self._lock:
            pass
        # Only after the tick is done: APScheduler's shutdown cancels the jobs still running,
        # which would cut a tick off mid-send. Polling feeds ahead of time may be cut off.
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        async with self._prep_lock:
            pass

    @property
    def running(self) -> bool:
        return self._aps is not None and self._aps.running

    # -- one tick --------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Deliver everything due now; safe to call concurrently from several processes."""
        if self._stopping:
            return TickReport()
        async with self._lock:
            if self._stopping:  # stop() ran while this tick waited for the lock
                return TickReport()
            try:
                return await self._tick()
            except Exception:
                log.exception("digest tick failed")  # the next tick tries again
                return TickReport()

    async def _tick(self) -> TickReport:
        now = self.clock.now()
        report = TickReport()
        subs = await self.store.active_subscriptions()
        jobs, late = self._due(subs, now)
        known = await self.deliveries.known({j.local_date for j in jobs + late})
        for job in late:
            if (job.subscription_id, job.local_date) in known:
                continue
            if await self.deliveries.record_skip(
                job.subscription_id,
                job.chat_id,
                job.local_date,
                job.due_at,
                f"missed by {now - job.due_at} (grace {self.grace})",
            ):
                report.skipped_late += 1
                self._count("skipped_late")
                log.warning(
                    "digest for chat %s on %s skipped: due %s, now %s is past the grace window",
                    job.chat_id,
                    job.local_date,
                    job.due_at.isoformat(),
                    now.isoformat(),
                )
        pending = [j for j in jobs if (j.subscription_id, j.local_date) not in known]
        for claim in await self.deliveries.expired(now, limit=10_000):
            if now - claim.due_at > self.grace:
                await self.deliveries.finish(claim, SKIPPED, now, "abandoned beyond grace")
                self._count("skipped_late")
                continue
            pending.insert(
                0, _Job(claim.subscription_id, claim.chat_id, claim.local_date, claim.due_at, claim)
            )
        if not pending:
            return report
        if self.poller is not None:
            await self._prepoll(pending, subs, now)
        chats = {s.id: (s.chat_id, s.since) for s in subs}
        queue: asyncio.Queue[_Job] = asyncio.Queue()
        for job in sorted(pending, key=lambda j: j.due_at):
            queue.put_nowait(job)

        async def worker() -> None:
            while not queue.empty() and not self._stopping:
                job = queue.get_nowait()
                try:
                    await self._deliver(job, chats, report)
                except Exception:
                    report.lost += 1
                    self._count("error")
                    log.exception("digest for chat %s on %s failed", job.chat_id, job.local_date)

        with send_priority(Priority.BULK):  # the workers inherit it
            await asyncio.gather(*(worker() for _ in range(max(1, self.workers))))
        return report

    def _due(self, subs: list[SubscriptionInfo], now: datetime) -> tuple[list[_Job], list[_Job]]:
        # Subscriptions sharing (time, zone) share their due instants: compute them once.
        groups: dict[tuple[str, str], list[SubscriptionInfo]] = defaultdict(list)
        for sub in subs:
            groups[(sub.local_time, sub.timezone)].append(sub)
        jobs: list[_Job] = []
        late: list[_Job] = []
        oldest_since = min((s.since for s in subs), default=now)
        for (local_time, zone), members in groups.items():
            try:
                dues = due_dates(local_time, zone, now, grace=self.grace, since=oldest_since)
            except (ValueError, KeyError):
                log.error("subscription time %r %r is invalid; ignored", local_time, zone)
                continue
            for due in dues:
                for sub in members:
                    if due.due_at < sub.since:
                        continue
                    job = _Job(sub.id, sub.chat_id, due.local_date, due.due_at)
                    (late if due.late else jobs).append(job)
        # Of several late dates for one subscription only the newest is recorded.
        newest: dict[int, _Job] = {}
        for job in late:
            if (
                job.subscription_id not in newest
                or job.local_date > newest[job.subscription_id].local_date
            ):
                newest[job.subscription_id] = job
        return jobs, list(newest.values())

    async def _prepoll(
        self, pending: list[_Job], subs: list[SubscriptionInfo], now: datetime
    ) -> None:
        """Poll feeds of due chats (and of those due soon) before the fan-out starts."""
        assert self.poller is not None
        soon = {j.chat_id for j in pending}
        feeds = await self.store.feeds_for_chats(sorted(soon))
        if feeds:
            await self.poller.poll_stale(feeds, now=now, at=min(j.due_at for j in pending))

    async def _prepare_safely(self) -> None:
        if self._stopping:
            return
        async with self._prep_lock:
            if self._stopping:
                return
            try:
                await self.prepare_upcoming()
            except asyncio.CancelledError:
                if not self._stopping:
                    raise
                log.info("polling feeds ahead of digests stopped with the scheduler")
            except Exception:
                log.exception("polling feeds ahead of digests failed")

    async def prepare_upcoming(self) -> int:
        """Poll feeds of chats whose digest is due within FEED_LOOKAHEAD (run between ticks)."""
        if self.poller is None:
            return 0
        now = self.clock.now()
        subs = await self.store.active_subscriptions()
        ahead = now + FEED_LOOKAHEAD
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for sub in subs:
            groups[(sub.local_time, sub.timezone)].append(sub.chat_id)
        chats: list[int] = []
        for (local_time, zone), members in groups.items():
            dues = due_dates(local_time, zone, ahead, grace=timedelta(0))
            if any(now < due.due_at <= ahead for due in dues):
                chats.extend(members)
        feeds = await self.store.feeds_for_chats(chats)
        return await self.poller.poll_stale(feeds, now=now) if feeds else 0

    # -- one delivery ----------------------------------------------------------------------

    async def _deliver(
        self,
        job: _Job,
        chats: dict[int, tuple[int, datetime | None]],
        report: TickReport,
    ) -> None:
        now = self.clock.now()
        claim = job.claim or await self.deliveries.claim(
            job.subscription_id, job.chat_id, job.local_date, job.due_at, now
        )
        if claim is None:
            return  # another process has it, or it is done
        if job.claim is not None:
            report.resumed += 1
        chat_id, since = chats.get(claim.subscription_id, (claim.chat_id, None))
        # Feeds were polled for every pending chat (resumed ones included) before the fan-out.
        messages = await self.build(
            chat_id, claim.subscription_id, claim.local_date, claim.due_at, since=since
        )
        if not messages:
            await self.deliveries.finish(claim, SKIPPED, self.clock.now(), "nothing new")
            report.empty += 1
            self._count("empty")
            return
        index = claim.messages_sent
        while index < len(messages):
            try:
                await self._send(chat_id, messages[index])
            except DeliveryUnknownError as exc:
                # Sent, but the answer was lost: most likely delivered, so it counts as sent
                # rather than being sent again after the lease.
                log.warning("digest part for chat %s may not have arrived: %s", chat_id, exc.detail)
            except ChatMovedError as exc:
                chat_id = exc.new_chat_id
                log.info("chat moved; digest continues in %s", chat_id)
                continue
            except ChatGoneError as exc:
                # Blocked, removed or missing chats will not heal by retrying; anything else
                # (network, 5xx) propagates and leaves the claim to be retried after its lease.
                await self.store.pause(claim.subscription_id, _pause_reason(exc))
                await self.deliveries.finish(claim, FAILED, self.clock.now(), str(exc)[:500])
                report.failed += 1
                self._count("chat_gone")
                log.info("digest for chat %s stopped: chat gone; subscription paused", chat_id)
                return
            index += 1
            report.messages += 1
            if index == len(messages):
                break  # the completion below records the last part
            if not await self.deliveries.progress(claim, index, self.clock.now()):
                report.lost += 1
                log.warning("lost the lease on chat %s's digest; another worker continues", chat_id)
                return
        if await self.deliveries.finish(claim, SENT, self.clock.now(), messages_sent=index):
            report.sent += 1
            report.chats.append(chat_id)
            self._count("sent")

    async def _send(self, chat_id: int, html: str) -> None:
        await self.send(chat_id, html)

    async def build(
        self,
        chat_id: int,
        subscription_id: int,
        local_date: date,
        due_at: datetime,
        *,
        since: datetime | None = None,
    ) -> list[str]:
        """The digest's messages for (previous digest's due time, this due time]; [] = skip."""
        if since is None:
            sub = await self.store.subscription(chat_id)
            since = sub.since if sub is not None else due_at
        # The first digest covers what the chat read since a day before it subscribed; later
        # ones start at the previous sent digest, so articles of skipped days roll over (but
        # never more than a week back).
        articles = await self.store.digest_material(
            subscription_id,
            chat_id,
            local_date,
            due_at,
            first_after=min(since, due_at) - FIRST_DIGEST_LOOKBACK,
            max_lookback=MAX_LOOKBACK,
        )
        return await self._messages(chat_id, articles, local_date)

    async def select(
        self, chat_id: int, articles: list[DigestArticle], *, everything: bool = False
    ) -> Selection:
        """The chat's filters applied, copies merged, stories ranked and cut to `max_stories`."""
        chat_filter = ChatFilter(await self.store.filters(chat_id)) if articles else None
        return select(
            articles, chat_filter=chat_filter, limit=None if everything else self.max_stories
        )

    def _render(self, chosen: Selection, day: date | None) -> list[str]:
        return self.renderer.digest(chosen.entries, day, more=chosen.more, filtered=chosen.filtered)

    async def _messages(
        self, chat_id: int, articles: list[DigestArticle], day: date | None
    ) -> list[str]:
        chosen = await self.select(chat_id, articles)
        if chosen.entries:
            return self._render(chosen, day)
        if await self.store.empty_note(chat_id):
            return [self.renderer.empty(day)]
        return []

    async def send_now(self, chat_id: int, *, everything: bool = False) -> int:
        """/digest: send the chat's digest up to now without touching the schedule; messages sent.

        `everything` (/digest all) lifts the limit on the number of stories."""
        now = self.clock.now()
        sub = await self.store.subscription(chat_id)
        zone = sub.timezone if sub else await self.store.chat_timezone(chat_id)
        after: datetime | None = None
        if sub is not None:
            after = await self.store.previous_digest_due(
                sub.id, local_date_of(now, zone) + timedelta(days=1)
            )
        if after is None:
            after = now - FIRST_DIGEST_LOOKBACK
        if self.poller is not None:
            feeds = await self.store.feeds(chat_id)
            if feeds:
                await self.poller.poll_stale(feeds, now=now)
        articles = await self.store.articles(chat_id, after, self.clock.now())
        chosen = await self.select(chat_id, articles, everything=everything)
        if not chosen.entries:
            return 0
        messages = self._render(chosen, local_date_of(now, zone))
        for html in messages:
            await self._send(chat_id, html)
        self._count("on_demand")
        return len(messages)

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.digests.labels(outcome).inc()


def _pause_reason(exc: ChatGoneError) -> str:
    """Why a subscription was paused: its forum topic went away, or the whole chat did."""
    if isinstance(exc, TopicGoneError):
        return "topic gone: deleted or closed"
    return "chat gone: bot blocked or removed"
