"""The real openai client against the local fake server: request shape, retries, error mapping."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.errors import LLMRateLimitError, LLMUnavailableError, NeedsKeyError, SummariseError
from bot.summarise.llm import OpenAIChatClient
from testsupport.openai_server import FakeOpenAI

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]


LLM_REPLY = "- **Ana** said “yes”."  # what the shared `llm` fixture answers here


@pytest.fixture
async def client(llm: FakeOpenAI, settings: Settings) -> AsyncIterator[OpenAIChatClient]:
    configured = settings.model_copy(
        update={
            "openai_base_url": llm.base_url,
            "openai_api_key": "sk-test",
            "openai_model": "test-model",
            "openai_max_retries": 2,
            "openai_timeout": 5.0,
        }
    )
    chat = OpenAIChatClient.from_settings(configured)
    yield chat
    await chat.aclose()


async def test_request_shape_and_usage(llm: FakeOpenAI, client: OpenAIChatClient) -> None:
    completion = await client.complete(MESSAGES, max_tokens=123)
    assert completion.text == "- **Ana** said “yes”."
    assert completion.model == "test-model"
    assert completion.prompt_tokens > 0 and completion.completion_tokens > 0
    [request] = llm.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.json["model"] == "test-model"
    assert request.json["max_tokens"] == 123
    assert request.json["messages"] == MESSAGES


async def test_retries_on_429_and_500_then_succeeds(
    llm: FakeOpenAI, client: OpenAIChatClient
) -> None:
    llm.fail_next(429, retry_after=0.01)
    llm.fail_next(500, retry_after=0.01)
    completion = await client.complete(MESSAGES, max_tokens=50)
    assert completion.text.startswith("- **Ana**")
    assert [r.status for r in llm.requests] == [429, 500, 200]


async def test_401_is_needs_key_without_retrying(llm: FakeOpenAI, client: OpenAIChatClient) -> None:
    llm.fail_next(401)
    with pytest.raises(NeedsKeyError) as caught:
        await client.complete(MESSAGES, max_tokens=50)
    assert "OPENAI_API_KEY" in caught.value.user_message
    assert len(llm.requests) == 1


async def test_persistent_429_is_rate_limit(llm: FakeOpenAI, client: OpenAIChatClient) -> None:
    llm.fail_next(429, times=3, retry_after=0.01)
    with pytest.raises(LLMRateLimitError):
        await client.complete(MESSAGES, max_tokens=50)
    assert len(llm.requests) == 3  # first try + max_retries=2


async def test_persistent_500_is_unavailable(llm: FakeOpenAI, client: OpenAIChatClient) -> None:
    llm.fail_next(500, times=3, retry_after=0.01)
    with pytest.raises(LLMUnavailableError):
        await client.complete(MESSAGES, max_tokens=50)
    assert [r.status for r in llm.requests] == [500, 500, 500]


async def test_unknown_model_says_so(llm: FakeOpenAI, client: OpenAIChatClient) -> None:
    llm.fail_next(404)
    with pytest.raises(SummariseError, match="OPENAI_MODEL"):
        await client.complete(MESSAGES, max_tokens=50)


async def test_request_timeout_is_unavailable(llm: FakeOpenAI) -> None:
    llm.delay_all(1.0)
    chat = OpenAIChatClient(base_url=llm.base_url, model="m", timeout=0.2, max_retries=0)
    started = time.monotonic()
    try:
        with pytest.raises(LLMUnavailableError, match="too long"):
            await chat.complete(MESSAGES, max_tokens=50)
    finally:
        await chat.aclose()
    assert time.monotonic() - started < 1.0


async def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    chat = OpenAIChatClient(base_url=f"http://127.0.0.1:{port}/v1", model="m", max_retries=0)
    try:
        with pytest.raises(LLMUnavailableError, match="OPENAI_BASE_URL"):
            await chat.complete(MESSAGES, max_tokens=50)
    finally:
        await chat.aclose()


async def test_empty_key_still_sends_a_placeholder(llm: FakeOpenAI) -> None:
    chat = OpenAIChatClient(base_url=llm.base_url, model="local", api_key="")
    try:
        await chat.complete(MESSAGES, max_tokens=5)
    finally:
        await chat.aclose()
    assert llm.requests[0].headers["authorization"].startswith("Bearer ")


async def test_insufficient_quota_says_to_top_up(llm: FakeOpenAI, client: OpenAIChatClient) -> None:
    body = {
        "error": {
            "message": "You exceeded your current quota.",
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }
    llm.fail_next(429, times=3, retry_after=0.01, body=body)
    with pytest.raises(LLMRateLimitError, match="no quota or credit"):
        await client.complete(MESSAGES, max_tokens=50)
