"""Log format, update context and secret masking, through the real logging machinery."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.config import Settings
from bot.errors import ConfigError
from bot.ops.logging import MASK, Masker, current_update_context, setup_logging, update_context
from testsupport.settings import isolated_settings

TOKEN = "123456789:AAH-fake_token_for_tests_0123456789abc"
API_KEY = "sk-test-0123456789abcdefghij"
WEBHOOK_SECRET = "hook-secret-value-42"
DB_PASSWORD = "pg-pass-w0rd"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, lvl in quiet.items():
        logging.getLogger(name).setLevel(lvl)


def _settings(tmp_path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": TOKEN,
        "openai_api_key": API_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "database_url": f"postgresql://bot:{DB_PASSWORD}@db:5432/bot",
    }
    values.update(overrides)
    return isolated_settings(tmp_path, **values)


def _capture(tmp_path, **overrides: object) -> io.StringIO:
    stream = io.StringIO()
    setup_logging(_settings(tmp_path, **overrides), stream=stream)
    return stream


def test_text_lines_carry_update_context(tmp_path) -> None:
    stream = _capture(tmp_path)
    log = logging.getLogger("bot.telegram.test")
    log.info("outside")
    with update_context(chat_id=-100123, update_id=77):
        log.info("inside %s", "handler")
        with update_context(update_id=78):
            log.warning("nested")
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("INFO bot.telegram.test outside")
    assert lines[1].endswith("INFO bot.telegram.test [chat=-100123 update=77] inside handler")
    assert "[chat=-100123 update=78] nested" in lines[2]
    assert current_update_context() == {}


def test_json_lines(tmp_path) -> None:
    stream = _capture(tmp_path, log_format="json")
    log = logging.getLogger("bot.digests.test")
    with update_context(chat_id=5, update_id=9):
        log.info("sent «digest»")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "sent «digest»"
    assert (first["level"], first["logger"], first["chat_id"], first["update_id"]) == (
        "INFO",
        "bot.digests.test",
        5,
        9,
    )
    assert first["ts"].endswith("+00:00")
    assert "chat_id" not in second
    assert "RuntimeError: boom" in second["exc_info"]


async def test_context_is_per_task(tmp_path) -> None:
    stream = _capture(tmp_path, log_format="json")
    log = logging.getLogger("bot.telegram.test")

    async def handle(chat_id: int, update_id: int) -> None:
        with update_context(chat_id=chat_id, update_id=update_id):
            await asyncio.sleep(0.01)  # interleave with the other task
            log.info("handled")

    await asyncio.gather(handle(1, 10), handle(2, 20))
    seen = {(e["chat_id"], e["update_id"]) for e in map(json.loads, stream.getvalue().splitlines())}
    assert seen == {(1, 10), (2, 20)}


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_masked_everywhere(tmp_path, fmt: str) -> None:
    stream = _capture(tmp_path, log_format=fmt)
    log = logging.getLogger("bot.test")
    log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    log.warning("key %s hook %s", API_KEY, WEBHOOK_SECRET)
    log.info("db postgresql://bot:%s@db:5432/bot", DB_PASSWORD)
    log.info("other token https://x/bot987654321:ZZZ-another_token_value_abcdefghijkl/getMe")
    try:
        raise ValueError(f"bad header Authorization: Bearer {API_KEY}")
    except ValueError:
        log.exception("request failed")
    out = stream.getvalue()
    for secret in (TOKEN, API_KEY, WEBHOOK_SECRET, DB_PASSWORD, "ZZZ-another_token_value"):
        assert secret not in out
    assert out.count(MASK) >= 6
    assert "postgresql://bot:***@db:5432/bot" in out


def test_httpx_request_lines_hidden_at_info_masked_at_debug(tmp_path) -> None:
    def call() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
        with httpx.Client(transport=transport) as client:
            client.get(f"https://api.telegram.org/bot{TOKEN}/getMe")

    stream = _capture(tmp_path)
    call()
    assert "getMe" not in stream.getvalue()  # httpx's INFO request line is silenced

    stream = _capture(tmp_path, log_level="DEBUG")
    call()
    out = stream.getvalue()
    assert "/bot***/getMe" in out
    assert TOKEN not in out


def test_setup_is_idempotent_and_validates_level(tmp_path) -> None:
    root = logging.getLogger()
    before = len(root.handlers)
    _capture(tmp_path)
    _capture(tmp_path, log_level="warning")
    assert len(root.handlers) == before + 1
    assert root.level == logging.WARNING
    setup_logging(_settings(tmp_path), level="DEBUG", stream=io.StringIO())  # the CLI's --debug
    assert root.level == logging.DEBUG
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        _capture(tmp_path, log_level="LOUD")


_secret = st.from_regex(r"[A-Za-z0-9_-]{12,40}", fullmatch=True)


@given(prefix=st.text(), secret=_secret, suffix=st.text())
def test_masker_never_leaks_a_known_secret(prefix: str, secret: str, suffix: str) -> None:
    masked = Masker([secret])(prefix + secret + suffix)
    assert secret not in masked


@given(
    digits=st.from_regex(r"[1-9][0-9]{5,10}", fullmatch=True),
    tail=st.from_regex(r"[A-Za-z0-9_-]{30,40}", fullmatch=True),
    text=st.text(),
)
def test_masker_masks_any_bot_token_shape(digits: str, tail: str, text: str) -> None:
    token = f"{digits}:{tail}"
    assert token not in Masker()(f"{text} {token} {text}")


@given(st.text(alphabet=st.characters(blacklist_characters=":@")))
def test_masker_leaves_ordinary_text_alone(text: str) -> None:
    assume("bearer" not in text.lower())
    assert Masker(["not-in-the-text-0123456789:@"])(text) == text
