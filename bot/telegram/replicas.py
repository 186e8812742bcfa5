"""Replica mode (SCALE_OUT=true): the Telegram side of several processes sharing one bot token.

Each replica:
- serves the webhook itself (`IngressHandler`): it checks the secret token, records the update
  once and queues it (`bot.scale.queue.UpdateQueue`), and answers 200 at once; a database outage
  answers 503, so Telegram keeps the update and delivers it again (delayed, never lost);
- runs a procrastinate worker that feeds queued updates to `Application.process_update` (one
  chat's updates in order, `WORKER_CONCURRENCY` at once), and retries the jobs of replicas that
  stopped sending heartbeats;
- sends through the local flood limiter *and* the Redis budget every replica shares
  (`SharedBudgetGate`), behind `ReplayingLimiter` so a retried job does not repeat its messages.

Polling mode never builds any of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import socket
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from prometheus_client import Counter
from telegram import Update
from telegram.ext import Application, BaseRateLimiter, CallbackContext
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.pacing import current_priority
from bot.scale.budget import SharedBudget, SharedLimits, Window, budget_prefix
from bot.scale.queue import SendJournal, UpdateQueue, current_job
from bot.scale.replay import ReplayingLimiter
from bot.telegram.ratelimit import FloodLimiter, Limits, chat_key, flood_weight

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20  # Telegram's updates are a few kB; anything this big is not one


def shared_limits(local: Limits) -> SharedLimits:
    """The shared budget's windows, taken from the local pacer's (one definition of the limits)."""

    def window(w: Any) -> Window:
        return Window(w.limit, w.seconds)

    return SharedLimits(
        overall=window(local.overall), chat=window(local.chat), group=window(local.group)
    )


def local_pacer(limiter: object) -> FloodLimiter | None:
    """The FloodLimiter inside the replica's limiter wrappers (for budget_short and tests)."""
    while limiter is not None and not isinstance(limiter, FloodLimiter):
        limiter = getattr(limiter, "inner", None)
    return limiter


class SharedBudgetGate(BaseRateLimiter[int]):
    """The local limiter (ordering, RetryAfter handling) with the shared Redis budget taken
    right around the HTTP call, so the replicas together stay within the bot token's limits."""

    def __init__(self, inner: BaseRateLimiter[Any], budget: SharedBudget) -> None:
        self.inner = inner
        self.budget = budget

    async def initialize(self) -> None:
        """Initialise the local limiter."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Shut the local limiter down."""
        await self.inner.shutdown()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Pass through the local pacer; a flood-limited call also holds a shared slot, taken
        after the local grant (so local priority order holds) and held until the reply."""
        weight = flood_weight(endpoint, data)
        if weight == 0:
            return await self.inner.process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        chat, group = chat_key(data.get("chat_id"))
        priority = int(current_priority())

        async def gated(*a: Any, **kw: Any) -> Any:
            async with self.budget.slot(chat, group=group, weight=weight, priority=priority):
                return await callback(*a, **kw)

        return await self.inner.process_request(
            gated, args, kwargs, endpoint, data, rate_limit_args
        )


async def _keep_running(
    make: Callable[[], Coroutine[Any, Any, None]], what: str, pause: float = 2.0
) -> None:
    """Run `make()` until cancelled, starting it again after a failure (a PostgreSQL outage
    stops procrastinate's worker; its jobs wait in the queue meanwhile: delayed, not lost)."""
    while True:
        try:
            await make()
            return
        except Exception as exc:
            log.warning("%s stopped (%s); starting it again in %.0f s", what, exc, pause)
            await asyncio.sleep(pause)


class IngressHandler(RequestHandler):
    """POST <webhook path>: secret checked, update recorded and queued, 200; no other work."""

    def initialize(self, replica: Replica) -> None:  # type: ignore[override]
        self.replica = replica

    async def post(self) -> None:
        """Accept one update from Telegram."""
        secret = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), self.replica.secret.encode()):
            self.set_status(403)
            return
        if len(self.request.body) > MAX_UPDATE_BYTES:
            self.set_status(413)
            return
        try:
            update = json.loads(self.request.body)
            int(update["update_id"])
        except (ValueError, KeyError, TypeError):
            self.set_status(400)  # not an update: Telegram never sends this, nothing to retry
            return
        try:
            new = await self.replica.queue.accept(update)
        except Exception as exc:
            # PostgreSQL unreachable: Telegram keeps the update and delivers it again later.
            log.warning("could not queue update %s: %s", update.get("update_id"), exc)
            self.replica.jobs.labels("ingress_unavailable").inc()
            self.set_status(503)
            return
        self.replica.jobs.labels("queued" if new else "duplicate").inc()
        self.set_status(200)


class Replica:
    """The queue, worker, ingress server and shared budget of one replica."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.services = services
        self.settings = settings
        self.secret = settings.webhook_secret
        self.name = f"{socket.gethostname()}-{os.getpid()}"
        self.queue = UpdateQueue(
            settings.effective_database_url,
            max_attempts=settings.job_max_attempts,
            on_parked=self._on_parked,
        )
        import redis.asyncio as aioredis

        self.redis = aioredis.Redis.from_url(settings.redis_url, socket_timeout=5)
        self.budget = SharedBudget(
            self.redis, budget_prefix(settings.telegram_bot_token), limits=shared_limits(Limits())
        )
        self.jobs = Counter(
            "bot_update_jobs_total",
            "Webhook updates: queued, duplicate (re-delivered), ingress_unavailable, parked",
            ["outcome"],
            registry=services.metrics.registry,
        )
        self._server: HTTPServer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._application: Application | None = None

    def _on_parked(self, update_id: int, error: str) -> None:
        self.jobs.labels("parked").inc()

    def rate_limiter(self, local: BaseRateLimiter[Any]) -> BaseRateLimiter[Any]:
        """Local limiter → shared budget → replay journal (outermost)."""
        return ReplayingLimiter(SharedBudgetGate(local, self.budget), SendJournal(self.queue))

    @property
    def serving(self) -> bool:
        """Whether the webhook server and the worker are running (readiness)."""
        return self._server is not None and all(not task.done() for task in self._tasks)

    async def _handle(self, data: dict[str, Any]) -> None:
        application = self._application
        if application is None:  # pragma: no cover - start() sets it before the worker runs
            raise RuntimeError("replica not started")
        await application.process_update(Update.de_json(data, application.bot))
        self.services.health.mark_update()

    async def _record_failure(self, update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
        # PTB hands a handler's exception to the error handlers instead of raising it; the job
        # must fail (and be retried, then parked), so remember it for the queue.
        scope = current_job.get()
        if scope is not None and context.error is not None:
            scope.failure = context.error

    async def start(self, application: Application) -> None:  # type: ignore[type-arg]
        """Open the queue, serve the webhook, register it with Telegram, start the worker."""
        self._application = application
        self.queue.handler = self._handle
        application.add_error_handler(self._record_failure)
        await self.queue.open()
        await self.queue.ensure_schema()
        path = "/" + urlsplit(self.settings.webhook_url).path.lstrip("/")
        web = WebApplication([(path, IngressHandler, {"replica": self})])
        sockets = bind_sockets(self.settings.webhook_port, self.settings.webhook_listen)
        self._server = HTTPServer(web, xheaders=True)
        self._server.add_sockets(sockets)
        self.services.health.updates_probe = lambda: self.serving
        # Every replica registers the same URL; the load balancer spreads Telegram's posts.
        await application.bot.set_webhook(
            self.settings.webhook_url,
            secret_token=self.secret,
            allowed_updates=Update.ALL_TYPES,
            max_connections=100,
        )
        stalled = self.settings.worker_stalled_after
        self._tasks = [
            asyncio.create_task(
                _keep_running(
                    lambda: self.queue.run_worker(
                        concurrency=self.settings.worker_concurrency,
                        name=self.name,
                        heartbeat=max(0.5, stalled / 4),
                        stalled_after=stalled,
                    ),
                    "update worker",
                ),
                name="update worker",
            ),
            asyncio.create_task(
                self.queue.watch_stalled(every=max(1.0, stalled / 3), stalled_after=stalled),
                name="stalled jobs",
            ),
        ]
        log.info("replica %s serving %s", self.name, self.settings.webhook_url)

    async def stop(self) -> None:
        """Drain: stop taking updates, let running jobs finish (the rest stay queued), close."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        for task in reversed(self._tasks):
            task.cancel()  # the worker waits for its running jobs, then unregisters
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        with contextlib.suppress(Exception):
            await self.queue.close()
        with contextlib.suppress(Exception):
            await self.redis.aclose()

    async def counts(self) -> dict[str, int]:
        """Updates per state in the durable queue (for /stats)."""
        return await self.queue.counts()
