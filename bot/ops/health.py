"""Liveness/readiness state and the small HTTP server that exposes `/healthz` and `/metrics`.

`bot.metrics.Health` is a plain state object the front ends update (it lives on `Services.health`):

- the digest lifecycle sets `scheduler_running = True` when its scheduler starts and `False` when it
  stops; `None` (the default) means "no scheduler expected" and is not checked;
- the Telegram layer calls `mark_update()` after each processed update (the
  `bot_last_update_timestamp_seconds` gauge is read too, so setting either is enough) and sets
  `shutting_down = True` when it stops taking updates, which turns readiness off at once;
- optionally it sets `updates_probe` to a callable saying whether updates are being fetched, e.g.
  `lambda: app.running and (app.updater is None or app.updater.running)`: then readiness waits
  for polling/the webhook to be up and turns off as soon as SIGTERM stops the updater.

`HealthServer(services, host, port)` serves, on the same port in polling and webhook modes alike:

- `GET /livez`   200 while the event loop answers (liveness);
- `GET /healthz` 200 when ready (database answers `SELECT 1`, scheduler running if expected, not
  shutting down) else 503, with a JSON body naming each check;
- `GET /metrics` Prometheus exposition of `services.metrics.registry`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client.exposition import choose_encoder
from sqlalchemy import text
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

if TYPE_CHECKING:
    from bot.metrics import Health
    from bot.services import Services

log = logging.getLogger(__name__)

DB_PING_TIMEOUT = 2.0  # seconds; a database slower than this is not "ready"
LAST_UPDATE_GAUGE = "bot_last_update_timestamp_seconds"


async def ping_database(services: Services, limit: float = DB_PING_TIMEOUT) -> tuple[bool, str]:
    """(ok, detail): run `SELECT 1` on the injected database within `limit` seconds."""
    db = getattr(services, "db", None)
    if db is None:
        return False, "no database configured"
    started = time.perf_counter()
    try:
        async with asyncio.timeout(limit):
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except TimeoutError:
        return False, f"no answer within {limit:g} s"
    except Exception as exc:  # any driver error means "not reachable"; the class says which
        return False, f"{exc.__class__.__name__}"
    return True, f"{(time.perf_counter() - started) * 1000:.0f} ms"


def _last_update(services: Services) -> datetime | None:
    """The latest of Health.last_update_at and the last-update gauge (whichever was set)."""
    health: Health = services.health
    moments = [health.last_update_at] if health.last_update_at else []
    metrics = getattr(services, "metrics", None)
    if metrics is not None:
        value = metrics.registry.get_sample_value(LAST_UPDATE_GAUGE)
        if value:  # 0.0 means never set
            moments.append(datetime.fromtimestamp(value, UTC))
    return max(moments) if moments else None


async def readiness(services: Services) -> tuple[bool, dict[str, Any]]:
    """(ready, report): the JSON `/healthz` returns, computed from live checks and `Health`."""
    health: Health = services.health
    now = services.clock.now()
    db_ok, db_detail = await ping_database(services)
    checks: dict[str, Any] = {"database": {"ok": db_ok, "detail": db_detail}}
    if health.scheduler_running is not None:
        checks["scheduler"] = {"ok": bool(health.scheduler_running)}
    accepting = not health.shutting_down
    if accepting and health.updates_probe is not None:
        try:
            accepting = bool(health.updates_probe())
        except Exception:  # a probe that fails says "not ready", never breaks /healthz
            log.debug("updates probe failed", exc_info=True)
            accepting = False
    checks["accepting_updates"] = {"ok": accepting}
    last = _last_update(services)
    ready = all(check["ok"] for check in checks.values())
    report: dict[str, Any] = {
        "status": "ok" if ready else "unavailable",
        "checks": checks,
        "last_update_at": last.isoformat() if last else None,
        "last_update_age_seconds": round((now - last).total_seconds(), 1) if last else None,
        "uptime_seconds": round((now - health.started_at).total_seconds(), 1),
    }
    return ready, report


class _Base(RequestHandler):
    def initialize(self, services: Services) -> None:
        self.services = services

    def log_exception(self, *args: Any) -> None:  # tornado's own logging is noisy; keep ours
        log.exception("health server request failed")


class _Live(_Base):
    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"status": "alive"}))


class _Ready(_Base):
    async def get(self) -> None:
        ready, report = await readiness(self.services)
        self.set_status(200 if ready else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(report))


class _Metrics(_Base):
    def get(self) -> None:
        encoder, content_type = choose_encoder(self.request.headers.get("Accept", ""))
        self.set_header("Content-Type", content_type)
        self.finish(encoder(self.services.metrics.registry))


class HealthServer:
    """`/livez`, `/healthz` and `/metrics` on `host:port` (port 0 picks a free one: see `.port`)."""

    def __init__(self, services: Services, host: str = "127.0.0.1", port: int = 0) -> None:
        self.services = services
        self.host = host
        self.port = port
        self._server: HTTPServer | None = None

    async def start(self) -> None:
        """Bind and serve on the running event loop."""
        if self._server is not None:
            return
        app = Application(
            [
                (r"/livez", _Live, {"services": self.services}),
                (r"/healthz", _Ready, {"services": self.services}),
                (r"/metrics", _Metrics, {"services": self.services}),
            ],
            # Without this tornado logs every request at INFO, drowning the bot's own lines.
            log_function=lambda handler: None,
        )
        sockets = bind_sockets(self.port, self.host)
        self._server = HTTPServer(app, xheaders=False)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        log.info("health and metrics on http://%s:%d (/healthz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        await server.close_all_connections()

    async def __aenter__(self) -> HealthServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def probe(url: str, limit: float = 4.0) -> int:
    """0 when `url` answers 200, else 1: the container HEALTHCHECK (`python -m bot.ops.health`)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=limit) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"health check failed: {exc}", file=sys.stderr)
        return 1


def _probe_url() -> str:
    # Read the environment directly (not Settings): the probe must stay cheap and never fail on
    # unrelated settings; it reaches the server from inside the same container/host.
    port = os.environ.get("METRICS_PORT", "0").strip() or "0"
    return f"http://127.0.0.1:{port}/healthz"


if __name__ == "__main__":
    raise SystemExit(probe(sys.argv[1] if len(sys.argv) > 1 else _probe_url()))
