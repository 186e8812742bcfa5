"""Secrets: the bot token in DEBUG logs (URL-encoded), passwords in database URL query strings."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.config import Settings
from bot.ops.check import CheckResult, display_url, render_table
from bot.ops.logging import Masker, setup_logging
from tests.telegram.harness import running_bot
from testsupport.botapi import FakeBotAPI

USER = 8181
OPML = (
    b'<?xml version="1.0"?><opml version="2.0"><body>'
    b'<outline type="rss" text="A" xmlUrl="https://a.example/rss"/></body></opml>'
)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = ("httpx", "httpcore", "telegram", "openai")
    quiet = {name: logging.getLogger(name).level for name in names}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, lvl in quiet.items():
        logging.getLogger(name).setLevel(lvl)


async def test_bot_token_never_shows_in_debug_logs_even_url_encoded(tmp_path: Path) -> None:
    """Item 13: httpx's file-download lines printed bot123456789%3AAAH... at DEBUG."""
    tg = FakeBotAPI(token="123456789:AAH-fake_token_for_tests_0123456789abc").start()
    out = io.StringIO()
    try:
        async with running_bot(tmp_path, tg=tg) as h:
            setup_logging(h.settings, level="DEBUG", stream=out)
            h.tg.push_document(USER, OPML, "feeds.opml")
            await h.tg.wait_for_text(USER, "Imported")
            assert h.tg.downloads()
    finally:
        tg.stop()
    text = out.getvalue()
    assert "getFile" in text or "file/bot" in text  # the lines in question were logged
    secret_half = tg.token.partition(":")[2]
    for leak in (tg.token, quote(tg.token, safe=""), secret_half):
        assert leak not in text


def test_masker_masks_the_encoded_token_and_its_secret_half() -> None:
    token = "987654321:AAF-another_fake_token_abcdefghijklmno"
    masker = Masker([token])
    encoded = quote(token, safe="")
    for line in (
        f"GET https://api.telegram.org/file/bot{encoded}/documents/file_0.opml",
        f"secret {token.partition(':')[2]} alone",
        f"unknown token 111222333%3A{'x' * 35}",
    ):
        masked = masker(line)
        assert token.partition(":")[2] not in masked and "x" * 35 not in masked, masked


PG_QUERY_URL = "postgresql://db.example/news?user=u&password=hunter2-secret&sslmode=require"


def test_check_hides_a_password_in_the_query_string(tmp_path: Path) -> None:
    """Item 15: `check` printed ?password=... in its database line."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=PG_QUERY_URL,
    )
    shown = display_url(PG_QUERY_URL)
    assert "hunter2" not in shown and "db.example/news" in shown
    # And the masker, which every printed line goes through, hides it wherever it appears.
    table = render_table(
        [CheckResult("database", "failed", f"{PG_QUERY_URL}: connection refused")],
        Masker.from_settings(settings),
    )
    assert "hunter2" not in table and "connection refused" in table
