"""`python -m bot run` as a real process against the fake Bot API and LLM: /healthz and /metrics in
polling and webhook modes, JSON logs without secrets or message text, and SIGTERM handling."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from testsupport.botapi import FakeBotAPI
from testsupport.corpora import ROOT, SPUN_EXAMPLE
from testsupport.openai_server import FakeOpenAI

CANARY = "zebra canary sentence that must never reach the logs"
LLM_REPLY = "- **The minister** said the plan is ready."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """`python -m bot run` in a subprocess, with the environment a deployment would set."""

    def __init__(self, tmp_path: Path, tg: FakeBotAPI, **env: str) -> None:
        self.metrics_port = free_port()
        self.stderr_path = tmp_path / "bot.log"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
        base.update(
            PYTHONPATH=str(ROOT),
            TELEGRAM_BOT_TOKEN=tg.token,
            TELEGRAM_API_URL=tg.api_url,
            DATA_DIR=str(tmp_path / "data"),
            DATABASE_URL="",
            METRICS_PORT=str(self.metrics_port),
            METRICS_LISTEN="127.0.0.1",
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            OPENAI_API_KEY="",
        )
        base.update(env)
        self.env = base
        self.cwd = tmp_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._log = self.stderr_path.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.cwd,  # no stray .env from the checkout
            env=self.env,
            stdout=self._log,
            stderr=self._log,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.metrics_port}{path}"

    async def wait_ready(self, within: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                assert self.proc is not None and self.proc.returncode is None, self.log()
                try:
                    response = await client.get(self.url("/healthz"))
                    if response.status_code == 200:
                        return response.json()
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"bot never became ready:\n{self.log()}")

    async def terminate(self, within: float = 15.0) -> tuple[int, float]:
        """SIGTERM; (exit status, seconds it took)."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), within)
        return code, time.monotonic() - started

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        self._log.close()

    def log(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log().splitlines() if line.strip()]


@pytest.fixture
def tg() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


async def _metric(client: httpx.AsyncClient, bot: BotProcess, name: str) -> float:
    text = (await client.get(bot.url("/metrics"))).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    )


async def test_polling_health_metrics_logs_and_sigterm(tmp_path: Path, tg: FakeBotAPI) -> None:
    bot = BotProcess(tmp_path, tg)
    await bot.start()
    try:
        ready = await bot.wait_ready()
        assert ready["checks"]["database"]["ok"] is True
        assert ready["checks"]["scheduler"] == {"ok": True}  # the digest scheduler reports in
        assert ready["last_update_at"] is None
        # A link the fetcher refuses (private address) makes the handler log a line at INFO.
        tg.push_message(chat_id=4242, text=f"{CANARY} http://127.0.0.1:9/article")
        await tg.wait_for("sendMessage", chat_id=4242, within=20)
        async with httpx.AsyncClient(timeout=5) as client:
            # The reply is sent inside the handler; the update counts as processed right after.
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                health = (await client.get(bot.url("/healthz"))).json()
                if health["last_update_at"] is not None:
                    break
                await asyncio.sleep(0.05)
            assert health["last_update_at"] is not None
            assert await _metric(client, bot, "bot_updates_total") >= 1
        code, took = await bot.terminate()
    finally:
        await bot.kill()
    assert code == 0, bot.log()
    assert took < 10
    lines = bot.json_lines()  # every line is JSON
    about_chat = [line for line in lines if line.get("chat_id") == 4242]
    assert about_chat and all(isinstance(line.get("update_id"), int) for line in about_chat)
    log = bot.log()
    assert CANARY not in log  # no message text at INFO
    assert tg.token not in log and tg.token.split(":")[1] not in log
    async with httpx.AsyncClient(timeout=2) as client:
        with pytest.raises(httpx.ConnectError):  # the health server is gone with the process
            await client.get(bot.url("/livez"))


async def test_sigterm_lets_an_in_flight_summary_finish(tmp_path: Path, tg: FakeBotAPI) -> None:
    with FakeOpenAI(reply=LLM_REPLY) as llm:
        llm.delay_all(1.5)
        bot = BotProcess(
            tmp_path, tg, OPENAI_API_KEY="sk-test-key-0123456789", OPENAI_BASE_URL=llm.base_url
        )
        await bot.start()
        try:
            await bot.wait_ready()
            tg.push_message(chat_id=77, text=SPUN_EXAMPLE.read_text())
            deadline = time.monotonic() + 20
            # The fake records requests from its own thread: poll until the LLM call is in flight.
            while not llm.completions and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            assert llm.completions, bot.log()
            code, took = await bot.terminate(within=25)
        finally:
            await bot.kill()
    assert code == 0, bot.log()
    assert took < 25
    # The summary that was being written when SIGTERM arrived still reached the chat.
    await tg.wait_for_text(77, "The minister", within=1)
    assert "sk-test-key-0123456789" not in bot.log()


async def test_webhook_mode_serves_health_and_stops_on_sigterm(
    tmp_path: Path, tg: FakeBotAPI
) -> None:
    hook_port = free_port()
    secret = "hook-secret-0123456789"
    bot = BotProcess(
        tmp_path,
        tg,
        WEBHOOK_URL=f"http://127.0.0.1:{hook_port}/telegram",
        WEBHOOK_SECRET=secret,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(hook_port),
    )
    await bot.start()
    try:
        await bot.wait_ready()
        update = tg.make_message(chat_id=99, text="/help")
        payload = {"update_id": 5001, "message": update}
        async with httpx.AsyncClient(timeout=5) as client:
            posted = await client.post(
                f"http://127.0.0.1:{hook_port}/telegram",
                json=payload,
                headers={"X-Telegram-Bot-Api-Secret-Token": secret},
            )
            assert posted.status_code == 200
            await tg.wait_for("sendMessage", chat_id=99, within=20)
            assert await _metric(client, bot, "bot_updates_total") >= 1
        code, took = await bot.terminate()
    finally:
        await bot.kill()
    assert code == 0, bot.log()
    assert took < 10
    assert secret not in bot.log()


async def test_sigterm_during_set_webhook_exits_0(tmp_path: Path, tg: FakeBotAPI) -> None:
    """Issue 6: SIGTERM while setWebhook was in flight exited with status 1 (1 run in 8)."""
    hook_port = free_port()
    bot = BotProcess(
        tmp_path,
        tg,
        WEBHOOK_URL=f"http://127.0.0.1:{hook_port}/telegram",
        WEBHOOK_SECRET="hook-secret-0123456789",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(hook_port),
    )

    def terminate() -> None:
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGTERM)

    release = tg.hold("setWebhook", on_arrival=terminate)  # SIGTERM lands mid-request, always
    await bot.start()
    try:
        assert bot.proc is not None
        code = await asyncio.wait_for(bot.proc.wait(), 30)
    finally:
        release.set()
        await bot.kill()
    assert code == 0, bot.log()
    messages = [line["message"] for line in bot.json_lines()]
    assert "SIGTERM received; stopping" in messages and messages[-1] == "bot stopped"
    assert "Traceback" not in bot.log()
