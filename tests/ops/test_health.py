"""`/healthz`, `/livez` and `/metrics` over real HTTP against a real (SQLite/PostgreSQL) database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import create_async_engine

from bot.clock import FakeClock
from bot.config import Settings
from bot.metrics import Health, Metrics
from bot.ops.health import HealthServer
from bot.services import Services
from bot.storage.db import Database

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def _services(settings: Settings, url: str) -> Services:
    db = await Database.open(url)
    return Services(
        settings=settings,
        db=db,
        pipeline=None,  # type: ignore[arg-type]  # the health server never touches it
        metrics=Metrics(),
        clock=FakeClock(T0),
    )


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    svc = await _services(settings, settings.effective_database_url)
    try:
        yield svc
    finally:
        await svc.db.close()


@pytest.fixture
async def server(services: Services) -> AsyncIterator[HealthServer]:
    async with HealthServer(services, "127.0.0.1", 0) as srv:
        yield srv


def _url(server: HealthServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def test_services_carry_a_fresh_health_each() -> None:
    metrics = Metrics()
    a = Services(settings=None, db=None, pipeline=None, metrics=metrics)  # type: ignore[arg-type]
    b = Services(settings=None, db=None, pipeline=None, metrics=metrics)  # type: ignore[arg-type]
    a.health.shutting_down = True
    assert b.health.shutting_down is False


async def test_healthz_ready_with_database(server: HealthServer, services: Services) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(_url(server, "/healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert "scheduler" not in body["checks"]  # no digests registered: nothing to check
    assert body["last_update_at"] is None
    assert response.headers["cache-control"] == "no-store"


async def test_healthz_reports_scheduler_and_shutdown(
    server: HealthServer, services: Services
) -> None:
    async with httpx.AsyncClient() as client:
        services.health.scheduler_running = False
        stopped = await client.get(_url(server, "/healthz"))
        services.health.scheduler_running = True
        running = await client.get(_url(server, "/healthz"))
        services.health.shutting_down = True
        draining = await client.get(_url(server, "/healthz"))
        live = await client.get(_url(server, "/livez"))
    assert stopped.status_code == 503
    assert stopped.json()["checks"]["scheduler"] == {"ok": False}
    assert running.status_code == 200
    assert draining.status_code == 503
    assert draining.json()["checks"]["accepting_updates"] == {"ok": False}
    assert live.status_code == 200  # liveness does not depend on readiness


async def test_healthz_last_update_from_health_or_gauge(
    server: HealthServer, services: Services
) -> None:
    clock: FakeClock = services.clock  # type: ignore[assignment]
    services.health.mark_update(T0 - timedelta(seconds=90))
    async with httpx.AsyncClient() as client:
        first = (await client.get(_url(server, "/healthz"))).json()
        # The Telegram layer may only set the metric: the later of the two wins.
        services.metrics.last_update_timestamp.set((T0 - timedelta(seconds=30)).timestamp())
        clock.advance(10)
        second = (await client.get(_url(server, "/healthz"))).json()
    assert first["last_update_age_seconds"] == 90.0
    assert datetime.fromisoformat(first["last_update_at"]) == T0 - timedelta(seconds=90)
    assert second["last_update_age_seconds"] == 40.0


async def test_healthz_503_when_database_unreachable(services: Services, tmp_path) -> None:
    # A SQLite "file" that is a directory cannot be opened: the ping must fail, not hang or crash.
    (tmp_path / "gone").mkdir()
    healthy, services.db = (
        services.db,
        Database(create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'gone'}"), ""),
    )
    try:
        async with HealthServer(services) as srv, httpx.AsyncClient() as client:
            response = await client.get(_url(srv, "/healthz"))
    finally:
        await services.db.close()
        services.db = healthy
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


async def test_metrics_exposes_registry(server: HealthServer, services: Services) -> None:
    services.metrics.updates.labels("message").inc(3)
    services.metrics.summaries.labels("llm").inc()
    services.metrics.fetch_errors.labels("timeout").inc(2)
    services.metrics.telegram_retry_after.inc()
    services.metrics.llm_latency.observe(1.5)
    async with httpx.AsyncClient() as client:
        response = await client.get(_url(server, "/metrics"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }
    assert samples[("bot_updates_total", (("kind", "message"),))] == 3
    assert samples[("bot_summaries_total", (("outcome", "llm"),))] == 1
    assert samples[("bot_fetch_errors_total", (("kind", "timeout"),))] == 2
    assert samples[("bot_telegram_retry_after_total", ())] == 1
    assert samples[("bot_llm_latency_seconds_count", ())] == 1


async def test_metrics_openmetrics_when_asked(server: HealthServer) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            _url(server, "/metrics"), headers={"Accept": "application/openmetrics-text"}
        )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


async def test_unknown_path_404_and_stop_closes_port(services: Services) -> None:
    srv = HealthServer(services)
    await srv.start()
    async with httpx.AsyncClient() as client:
        assert (await client.get(_url(srv, "/nope"))).status_code == 404
        await srv.stop()
        with pytest.raises(httpx.ConnectError):
            await client.get(_url(srv, "/livez"))
    await srv.stop()  # idempotent


async def test_healthz_on_postgres(settings: Settings, pg_database_url: str) -> None:
    svc = await _services(settings, pg_database_url)
    try:
        async with HealthServer(svc) as srv, httpx.AsyncClient() as client:
            response = await client.get(_url(srv, "/healthz"))
        assert response.status_code == 200
        assert response.json()["checks"]["database"]["ok"] is True
    finally:
        await svc.db.close()


def test_health_defaults() -> None:
    health = Health()
    assert health.scheduler_running is None and not health.shutting_down
    health.mark_update()
    assert health.last_update_at is not None


async def test_probe_is_the_container_healthcheck(server: HealthServer, services: Services) -> None:
    import asyncio
    import os
    import sys

    async def run_probe() -> int:
        env = {**os.environ, "METRICS_PORT": str(server.port)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.ops.health", env=env, stderr=asyncio.subprocess.PIPE
        )
        await proc.communicate()
        return proc.returncode or 0

    assert await run_probe() == 0
    services.health.shutting_down = True  # 503 → unhealthy
    assert await run_probe() == 1


def test_probe_fails_when_nothing_listens() -> None:
    from bot.ops.health import probe

    assert probe("http://127.0.0.1:9/healthz", limit=1) == 1


async def test_updates_probe_gates_readiness(server: HealthServer, services: Services) -> None:
    state = {"running": False}
    services.health.updates_probe = lambda: state["running"]
    async with httpx.AsyncClient() as client:
        starting = await client.get(_url(server, "/healthz"))
        state["running"] = True
        running = await client.get(_url(server, "/healthz"))
        services.health.updates_probe = lambda: 1 / 0  # a broken probe means "not ready"
        broken = await client.get(_url(server, "/healthz"))
    assert starting.status_code == 503
    assert starting.json()["checks"]["accepting_updates"] == {"ok": False}
    assert running.status_code == 200
    assert broken.status_code == 503
