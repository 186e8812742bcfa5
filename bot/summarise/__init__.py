"""Summarisation stage: a `Summariser` turns a cleaned `Document` into a `Summary`.

Two implementations share the protocol: `LLMSummariser` (any OpenAI-compatible server, prompts
from `prompts/`, map-reduce for long articles) and `OfflineSummariser` (extractive, no model).
`build_summariser` picks one from the settings at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.models import Document, Summary, SummaryOptions, TokenAllowance
from bot.summarise.llm import Completion, LLMClient, OpenAIChatClient
from bot.summarise.llm_summariser import LLMSummariser
from bot.summarise.offline import OfflineSummariser
from bot.summarise.prompts import PromptSet, load_prompts
from bot.summarise.tokens import count_tokens

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.metrics import Metrics

__all__ = [
    "Completion",
    "LLMClient",
    "LLMSummariser",
    "OfflineSummariser",
    "OpenAIChatClient",
    "PromptSet",
    "Summariser",
    "build_summariser",
    "count_tokens",
    "load_prompts",
]


class Summariser(Protocol):
    """Anything that summarises a document; `name` and `prompt_version` key the cache."""

    name: str  # the model name, or "offline"
    prompt_version: str

    async def summarise(
        self,
        document: Document,
        options: SummaryOptions,
        *,
        allowance: TokenAllowance | None = None,
    ) -> Summary: ...

    async def aclose(self) -> None: ...


def build_summariser(
    settings: Settings,
    *,
    client: LLMClient | None = None,
    prompts_dir: Path | None = None,
    metrics: Metrics | None = None,
) -> Summariser:
    """The LLM summariser when an API key is set (or a client is given), else the offline one.

    Builds an `OpenAIChatClient` from the settings when no client is given; close it at
    shutdown with `await summariser.aclose()` (which closes the client, given or built).
    Prompts are validated here, so a broken prompt file raises `ConfigError` at start-up.
    """
    if client is None and not settings.has_llm:
        return OfflineSummariser()
    prompts = load_prompts(prompts_dir)
    if client is None:
        client = OpenAIChatClient.from_settings(settings)
    return LLMSummariser(
        client,
        prompts,
        context_tokens=settings.openai_context_tokens,
        total_timeout=settings.openai_total_timeout,
        metrics=metrics,
        max_article_tokens=settings.max_article_tokens,
    )
