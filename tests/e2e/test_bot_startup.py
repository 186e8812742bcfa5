"""Start-up: clear one-line errors for bad settings; webhook mode refuses a wrong secret; SIGTERM
during any start-up step stops cleanly."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.errors import ConfigError
from bot.services import build_services
from bot.telegram.app import build_application, run_bot, webhook_kwargs
from tests.telegram.harness import make_settings
from testsupport.botapi import FakeBotAPI
from testsupport.corpora import ROOT
from testsupport.openai_server import FakeOpenAI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("token", "needle"),
    [("", "TELEGRAM_BOT_TOKEN is not set"), ("12345:short", "TELEGRAM_BOT_TOKEN is malformed")],
)
def test_bad_token_is_a_config_error(tmp_path: Path, token: str, needle: str) -> None:
    with FakeBotAPI() as tg:
        settings = make_settings(tmp_path, tg, None, telegram_bot_token=token)
        with pytest.raises(ConfigError, match=needle):
            run_bot(settings)


def test_unreachable_api_and_wrong_token_are_config_errors(tmp_path: Path) -> None:
    with FakeBotAPI() as tg:
        settings = make_settings(
            tmp_path, tg, None, telegram_api_url=f"http://127.0.0.1:{free_port()}"
        )
        with pytest.raises(ConfigError, match="Cannot reach the Telegram Bot API"):
            run_bot(settings)
        wrong = make_settings(tmp_path, tg, None, telegram_bot_token="1:" + "x" * 35)
        with pytest.raises(ConfigError, match="rejected TELEGRAM_BOT_TOKEN"):
            run_bot(wrong)


def test_unwritable_database_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with FakeBotAPI() as tg:
        settings = make_settings(
            tmp_path, tg, None, database_url=f"sqlite:///{blocker / 'sub' / 'bot.db'}"
        )
        with pytest.raises(ConfigError):
            run_bot(settings)


def test_cli_prints_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OPENAI_"))}
    env.update(
        TELEGRAM_BOT_TOKEN="123:" + "a" * 35,
        TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}",
        DATA_DIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Cannot reach the Telegram Bot API" in lines[0]
    assert "Traceback" not in proc.stderr
    assert "a" * 35 not in proc.stderr


async def test_webhook_refuses_a_wrong_secret_and_accepts_the_right_one(tmp_path: Path) -> None:
    port = free_port()
    with FakeBotAPI() as tg:
        settings = make_settings(
            tmp_path,
            tg,
            None,
            webhook_url=f"http://127.0.0.1:{port}/tg-hook",
            webhook_secret="s3cret-token",
            webhook_listen="127.0.0.1",
            webhook_port=port,
        )
        services = await build_services(settings)
        app = build_application(services)
        try:
            async with app:
                await app.start()
                assert app.updater is not None
                await app.updater.start_webhook(**webhook_kwargs(settings))
                assert tg.webhook["secret_token"] == "s3cret-token"
                message = tg.make_message(77, "/help")
                body = json.dumps({"update_id": 1, "message": message})
                url = f"http://127.0.0.1:{port}/tg-hook"
                headers = {"Content-Type": "application/json"}
                async with httpx.AsyncClient() as client:
                    wrong = await client.post(
                        url,
                        content=body,
                        headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "nope"},
                    )
                    missing = await client.post(url, content=body, headers=headers)
                    assert (wrong.status_code, missing.status_code) == (403, 403)
                    right = await client.post(
                        url,
                        content=body,
                        headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "s3cret-token"},
                    )
                    assert right.status_code == 200
                await tg.wait_for_text(77, "Summaries")
                assert len(tg.sent(77)) == 1
                await app.updater.stop()
                await app.stop()
        finally:
            await services.pipeline.aclose()
            await services.db.close()


def test_webhook_without_secret_is_refused(tmp_path: Path) -> None:
    with FakeBotAPI() as tg:
        settings = make_settings(tmp_path, tg, None, webhook_url="https://bot.example/hook")
        with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
            run_bot(settings)


# --- SIGTERM during start-up ------------------------------------------------------------------
#
# A service manager sends SIGTERM at any moment. Each case holds one start-up request in the fake
# Bot API and sends SIGTERM to this process the moment it arrives, so the signal always lands
# while that request is in flight. run_bot runs on the main thread, as under `python -m bot run`.


class Killed(Exception):
    """What SIGTERM's default action (death by signal) becomes inside these tests."""


def _die(signum: int, frame: object) -> None:
    raise Killed("SIGTERM reached the default handler: the process would have died")


@pytest.fixture
def sigterm_guard() -> Iterator[None]:
    """SIGTERM outside the bot's own handling fails the test instead of killing pytest."""
    previous = signal.signal(signal.SIGTERM, _die)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the clients closed so far (the real close methods still run)."""
    from telegram.request import HTTPXRequest

    from bot.ingest.fetch import Fetcher
    from bot.storage.db import Database
    from bot.summarise.llm import OpenAIChatClient

    calls: list[str] = []
    for cls, name in [
        (Fetcher, "aclose"),
        (OpenAIChatClient, "aclose"),
        (Database, "close"),
        (HTTPXRequest, "shutdown"),
    ]:
        original = getattr(cls, name)

        def spy(self: Any, *, _original: Any = original, _label: str = cls.__name__) -> Any:
            calls.append(_label)
            return _original(self)

        monkeypatch.setattr(cls, name, spy)
    return calls


@pytest.mark.parametrize(
    ("mode", "method"),
    [
        ("polling", "getMe"),  # the preflight
        ("polling", "setMyCommands"),  # post_init
        ("polling", "deleteWebhook"),  # polling start-up
        ("polling", "getUpdates"),  # serving
        ("webhook", "setWebhook"),  # issue 6: exited with status 1 about 1 run in 8
    ],
)
def test_sigterm_during_start_up_stops_cleanly(
    tmp_path: Path,
    sigterm_guard: None,
    closed: list[str],
    caplog: pytest.LogCaptureFixture,
    mode: str,
    method: str,
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    port = free_port()
    webhook = {
        "webhook_url": f"http://127.0.0.1:{port}/tg-hook",
        "webhook_secret": "s3cret-token",
        "webhook_listen": "127.0.0.1",
        "webhook_port": port,
    }
    arrived: list[float] = []

    def terminate() -> None:
        arrived.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGTERM)

    with FakeBotAPI() as tg, FakeOpenAI() as llm:
        settings = make_settings(tmp_path, tg, llm, **(webhook if mode == "webhook" else {}))
        release = tg.hold(method, on_arrival=terminate)
        started = time.monotonic()
        try:
            assert run_bot(settings) == 0
        finally:
            release.set()
        took = time.monotonic() - started
        later = [c.method for c in tg.calls if arrived and c.at > arrived[0]]
    assert arrived, f"{method} was never called"
    assert took < 15
    # Every client was closed: the Bot API's two, the page fetcher, the LLM client, the database.
    assert sorted(set(closed)) == ["Database", "Fetcher", "HTTPXRequest", "OpenAIChatClient"]
    assert closed.count("HTTPXRequest") >= 2
    messages = [r.getMessage() for r in caplog.records]
    assert "SIGTERM received; stopping" in messages
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if method != "getUpdates":
        assert later == []  # start-up went no further than the step the signal interrupted
    with socket.socket() as sock:  # the webhook server is not left listening
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_sigterm_during_migrations_lets_them_finish_then_stops(
    tmp_path: Path,
    pg_database_url: str,
    sigterm_guard: None,
    closed: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    import psycopg

    caplog.set_level(logging.INFO, logger="bot")
    # Alembic's first read of alembic_version waits for this lock: the migration is in progress.
    holder = psycopg.connect(pg_database_url)
    holder.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    holder.commit()
    holder.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
    problems: list[str] = []

    def terminate_while_migrating() -> None:
        deadline = time.monotonic() + 20
        try:
            with psycopg.connect(pg_database_url, autocommit=True) as watcher:
                query = (
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                while watcher.execute(query).fetchone() == (0,):
                    if time.monotonic() > deadline:
                        problems.append("the migration never reached the lock")
                        return
                    time.sleep(0.02)
            os.kill(os.getpid(), signal.SIGTERM)
            while "SIGTERM received; stopping" not in [r.getMessage() for r in caplog.records]:
                if time.monotonic() > deadline:
                    problems.append("the bot never saw the SIGTERM")
                    return
                time.sleep(0.02)
        finally:
            holder.rollback()  # the migration goes on
            holder.close()

    watcher = threading.Thread(target=terminate_while_migrating)
    watcher.start()
    try:
        with FakeBotAPI() as tg:
            settings = make_settings(tmp_path, tg, None, database_url=pg_database_url)
            assert run_bot(settings) == 0
    finally:
        watcher.join()
    assert problems == []
    assert tg.calls == []  # stopped before getMe
    assert closed == []  # nothing was open yet: the database is opened after migrating
    with psycopg.connect(pg_database_url) as conn:  # the migration ran to the end, not cut off
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
