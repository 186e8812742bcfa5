"""The LLM seam: one small protocol, a real OpenAI-compatible client, and error mapping.

Like httpx's transport, anything with `model`, `complete()` and `aclose()` can stand in for the
real client (tests use the real client against a local fake server instead of mocking it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import openai

from bot.errors import (
    LLMRateLimitError,
    LLMUnavailableError,
    NeedsKeyError,
    SummariseError,
)

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

# The openai client refuses an empty key, but local servers (Ollama, llama.cpp) ignore it.
PLACEHOLDER_API_KEY = "not-needed"


@dataclass(frozen=True, slots=True)
class Completion:
    """One chat completion: the answer text and the tokens the server says it used."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    model: str
    finish_reason: str = "stop"  # "length" = cut at max_tokens; "content_filter" = refused


class LLMClient(Protocol):
    """Anything that can answer a chat; `model` names the model it asks."""

    model: str

    async def complete(self, messages: list[dict[str, str]], *, max_tokens: int) -> Completion: ...

    async def aclose(self) -> None: ...


class OpenAIChatClient:
    """`openai.AsyncOpenAI` chat completions against any OpenAI-compatible server."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout: float = 60.0,
        max_retries: int = 3,
        temperature: float = 0.2,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.temperature = temperature
        # The client's own retries give exponential backoff and honour Retry-After on 429/5xx.
        self._client = openai.AsyncOpenAI(
            api_key=api_key.strip() or PLACEHOLDER_API_KEY,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIChatClient:
        """Build the client from OPENAI_* settings."""
        return cls(
            base_url=settings.openai_base_url,
            model=settings.openai_model,
            api_key=settings.openai_api_key,
            timeout=settings.openai_timeout,
            max_retries=settings.openai_max_retries,
        )

    async def complete(self, messages: list[dict[str, str]], *, max_tokens: int) -> Completion:
        """Send one chat request; raise a `SummariseError` subclass on any failure."""
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=self.temperature,
            )
        except openai.APIError as exc:
            raise map_openai_error(exc, self.model) from exc
        except ValueError as exc:  # JSONDecodeError: an HTTP 200 whose body is not JSON
            raise self._not_openai(f"invalid JSON: {exc}") from exc
        try:
            choices = response.choices
            if not choices:
                raise LLMUnavailableError(
                    "The LLM returned an empty answer. Try again later.",
                    detail=f"no choices from {self.base_url}",
                )
            choice = choices[0]
            text = choice.message.content or ""
            finish_reason = str(choice.finish_reason or "stop")
            refusal = getattr(choice.message, "refusal", None)
        except (AttributeError, TypeError, IndexError) as exc:
            # The openai client hands back a str for an HTML page (a proxy's login page, a
            # wrong OPENAI_BASE_URL) and a dict/list for JSON of another shape.
            raise self._not_openai(f"{type(response).__name__}: {exc}") from exc
        if refusal:
            finish_reason = "content_filter"
        usage = response.usage
        if usage is None:
            # Some compatible servers omit usage; estimate so quotas still count something.
            from bot.summarise.tokens import count_tokens

            prompt_tokens = sum(count_tokens(m.get("content", ""), self.model) for m in messages)
            completion_tokens = count_tokens(text, self.model)
        else:
            prompt_tokens = usage.prompt_tokens or 0
            completion_tokens = usage.completion_tokens or 0
        return Completion(
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            model=response.model or self.model,
            finish_reason=finish_reason,
        )

    def _not_openai(self, detail: str) -> LLMUnavailableError:
        return LLMUnavailableError(
            "The server at OPENAI_BASE_URL did not answer like an OpenAI API. Check "
            "OPENAI_BASE_URL, or try again later.",
            detail=f"{self.base_url}: {detail}"[:500],
        )

    async def aclose(self) -> None:
        """Close the underlying HTTP connection pool."""
        await self._client.close()


def map_openai_error(exc: openai.APIError, model: str = "") -> SummariseError:
    """Translate an openai exception (raised after the client's retries) into the bot's tree."""
    detail = f"{exc.__class__.__name__}: {exc}"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return NeedsKeyError(detail=detail)
    if isinstance(exc, openai.RateLimitError):
        if getattr(exc, "code", None) == "insufficient_quota":
            return LLMRateLimitError(
                "The LLM account has no quota or credit left. Top it up or use the offline "
                "summariser.",
                detail=detail,
            )
        return LLMRateLimitError(detail=detail)
    if isinstance(exc, openai.APITimeoutError):
        return LLMUnavailableError(
            "The LLM took too long to answer. Try again later.", detail=detail
        )
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnavailableError(
            "The LLM server could not be reached. Check OPENAI_BASE_URL or try again later.",
            detail=detail,
        )
    if isinstance(exc, openai.NotFoundError):
        return SummariseError(
            f"The LLM server does not offer the model {model!r}. Check OPENAI_MODEL.",
            detail=detail,
        )
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return LLMUnavailableError(detail=detail)
    if isinstance(exc, openai.APIStatusError):
        return SummariseError(
            f"The LLM refused the request (HTTP {exc.status_code}). Try a shorter text or "
            "check the LLM settings.",
            detail=detail,
        )
    return LLMUnavailableError(detail=detail)
