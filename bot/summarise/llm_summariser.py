"""LLM summaries: one call when the article fits the context budget, map-reduce when it does not.

Article text is sent delimited as untrusted data; model output is treated as untrusted text
(sanitised and length-capped here, and never evaluated by any caller).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass

from bot.errors import (
    ConfigError,
    InputError,
    LLMRefusedError,
    LLMUnavailableError,
    QuotaExceededError,
    SummariseError,
)
from bot.metrics import Metrics
from bot.models import Document, Length, Summary, SummaryOptions, TokenAllowance
from bot.summarise.chunking import split_to_budget
from bot.summarise.llm import Completion, LLMClient
from bot.summarise.prompts import Prompt, PromptSet
from bot.summarise.tokens import count_tokens

log = logging.getLogger(__name__)

BULLETS: dict[Length, int] = {"short": 3, "medium": 5, "long": 8}
# Output reserve per request; generous so bullets are never cut mid-sentence.
MAX_OUTPUT_TOKENS: dict[Length, int] = {"short": 350, "medium": 550, "long": 900}
MAP_OUTPUT_TOKENS = 500
# Per-message framing the chat format adds on top of the contents, plus a safety margin for
# servers whose tokeniser differs from the one we count with.
MESSAGE_OVERHEAD_TOKENS = 8
SAFETY_MARGIN = 0.05
MIN_ARTICLE_BUDGET = 64
MAX_SUMMARY_CHARS = 4000
MAX_REDUCE_ROUNDS = 4

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_DELIMITERS = {tag: re.compile(rf"<(\s*/?\s*{tag})", re.IGNORECASE) for tag in ("article", "notes")}
_FENCE = re.compile(r"^\s*```[A-Za-z]*\s*$", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[*•·‣▪–—]|\d+[.)])\s+", re.MULTILINE)


def escape_delimiters(text: str, tag: str = "article") -> str:
    """Neutralise `<article>`/`</article>` (or `<notes>`) inside untrusted text."""
    return _DELIMITERS[tag].sub(r"&lt;\1", text)


def sanitize_output(text: str, *, max_chars: int = MAX_SUMMARY_CHARS) -> str:
    """Model output → plain Markdown bullets: no control characters, fences or runaway length."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    text = _FENCE.sub("", text)
    text = _BULLET.sub("- ", text)
    # One bullet per line: blank lines only make the chat message longer.
    text = "\n".join(line.rstrip() for line in text.split("\n") if line.strip())
    if len(text) > max_chars:
        cut = text.rfind("\n", 0, max_chars)
        text = text[: cut if cut > max_chars // 2 else max_chars].rstrip() + "\n- …"
    return text


def check_output(raw: str, finish_reason: str = "stop") -> str:
    """Sanitised bullets from one answer, or a SummariseError (never cached) when the answer is
    a refusal, was cut before one bullet was complete, or is not bullets at all."""
    if finish_reason == "content_filter":
        raise LLMRefusedError(detail=f"finish_reason content_filter: {raw[:200]!r}")
    text = sanitize_output(raw)
    lines = text.split("\n") if text else []
    if finish_reason == "length" and lines:
        # Cut at max_tokens: the last line is unfinished; keep only the complete bullets.
        lines = lines[:-1]
    if not any(line.startswith("- ") for line in lines):
        # "I cannot help with that." or "HACKED" (an article's instruction obeyed) is not a
        # summary; every prompt asks for Markdown bullets.
        raise LLMRefusedError(
            "The LLM did not answer with a summary. Try again later.",
            detail=f"finish_reason {finish_reason}, no bullets in {raw[:200]!r}",
        )
    return "\n".join(lines)


_LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")
_LANGUAGE_NAME = re.compile(r"^[^\W\d_][^\W\d_ -]*(?:[ -][^\W\d_]+){0,3}$")


def language_instruction(language: str) -> str:
    """The sentence telling the model which language to write in ("" = the article's)."""
    language = language.strip()
    if not language:
        return "Write the summary in the same language as the article."
    if _LANGUAGE_CODE.match(language):
        return (
            f"Write the summary in the language with code '{language}' (ISO 639 / BCP 47), "
            "translating quotes faithfully."
        )
    if len(language) <= 32 and _LANGUAGE_NAME.match(language):
        return f"Write the summary in {language}, translating quotes faithfully."
    # The language comes from users: never let it carry instructions into the prompt.
    raise InputError("Give the language as a code like 'en' or 'pt-BR', or a name like 'German'.")


@dataclass
class _Spend:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    allowance: TokenAllowance | None = None


class LLMSummariser:
    """Summaries from an LLM client with prompts from files; map-reduce for long articles."""

    def __init__(
        self,
        client: LLMClient,
        prompts: PromptSet,
        *,
        context_tokens: int,
        total_timeout: float,
        metrics: Metrics | None = None,
        map_concurrency: int = 4,
        max_article_tokens: int = 0,
    ) -> None:
        self.client = client
        self.prompts = prompts
        self.context_tokens = context_tokens
        self.total_timeout = total_timeout
        self.metrics = metrics
        self.map_concurrency = max(1, map_concurrency)
        self.max_article_tokens = max(0, max_article_tokens)
        self.name = client.model
        self.prompt_version = prompts.version
        # Fail at start-up, not on the first long article, when the budget cannot work.
        for prompt, reserve in (
            (prompts.summarize, MAX_OUTPUT_TOKENS["long"]),
            (prompts.map, MAP_OUTPUT_TOKENS),
            (prompts.reduce, MAX_OUTPUT_TOKENS["long"]),
        ):
            budget = self._budget(prompt, reserve)
            if budget < MIN_ARTICLE_BUDGET:
                raise ConfigError(
                    f"OPENAI_CONTEXT_TOKENS={context_tokens} leaves only {budget} tokens for "
                    f"the article in the {prompt.name!r} prompt; raise it (at least "
                    f"{context_tokens - budget + MIN_ARTICLE_BUDGET})."
                )

    async def aclose(self) -> None:
        """Close the LLM client (the summariser owns it once built)."""
        await self.client.aclose()

    # -- budgeting -------------------------------------------------------------------------
    def _count(self, text: str) -> int:
        return count_tokens(text, self.client.model)

    def _budget(self, prompt: Prompt, output_reserve: int) -> int:
        """Tokens left for the article/notes text in one request using `prompt`."""
        empty = prompt.render(
            article="",
            notes="",
            title="x" * 200,  # titles are capped at 200 characters below
            bullets="8",
            length="medium",
            part="99",
            parts="99",
            language_instruction=language_instruction("xx"),
        )
        overhead = sum(self._count(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in empty)
        usable = int(self.context_tokens * (1 - SAFETY_MARGIN))
        return usable - overhead - output_reserve

    # -- calls -----------------------------------------------------------------------------
    async def _call(self, messages: list[dict[str, str]], max_tokens: int, spend: _Spend) -> str:
        # The worst case of this call is reserved before it is sent, so a quota is never
        # overrun by the parts of a long article (or the links of one message) in flight.
        reserved = 0
        if spend.allowance is not None:
            reserved = max_tokens + sum(
                self._count(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages
            )
            if not spend.allowance.reserve(reserved):
                raise QuotaExceededError(
                    "This article needs more tokens than are left of your daily quota. "
                    "It resets at midnight UTC.",
                    detail=f"call needs {reserved}, {spend.allowance.remaining} left",
                )
        started = time.perf_counter()
        try:
            completion: Completion = await self.client.complete(messages, max_tokens=max_tokens)
        except BaseException:
            if spend.allowance is not None:
                # Unknown spend: keep the reservation counted, the server may have billed it.
                spend.allowance.settle(reserved, reserved)
            raise
        if spend.allowance is not None:
            spend.allowance.settle(
                reserved, completion.prompt_tokens + completion.completion_tokens
            )
        spend.prompt_tokens += completion.prompt_tokens
        spend.completion_tokens += completion.completion_tokens
        spend.calls += 1
        if self.metrics is not None:
            self.metrics.llm_latency.observe(time.perf_counter() - started)
            self.metrics.llm_tokens.labels(direction="prompt").inc(completion.prompt_tokens)
            self.metrics.llm_tokens.labels(direction="completion").inc(completion.completion_tokens)
        return check_output(completion.text, completion.finish_reason)

    async def summarise(
        self,
        document: Document,
        options: SummaryOptions,
        *,
        allowance: TokenAllowance | None = None,
    ) -> Summary:
        """Summarise `document`; raise a `SummariseError` subclass on failure.

        Articles over `max_article_tokens`, or over what `allowance` leaves for one request,
        are shortened to their first part (the summary's note says so); QuotaExceededError
        when not even a short part fits the allowance.
        """
        try:
            async with asyncio.timeout(self.total_timeout):
                return await self._summarise(document, options, allowance)
        except TimeoutError:
            raise LLMUnavailableError(
                f"The LLM did not finish within {self.total_timeout:g} seconds. Try again later.",
                detail=f"total timeout for {document.source!r}",
            ) from None

    async def _summarise(
        self, document: Document, options: SummaryOptions, allowance: TokenAllowance | None
    ) -> Summary:
        spend = _Spend(allowance=allowance)
        common = {
            # The title is untrusted too: one line, capped, no delimiter tags.
            "title": escape_delimiters(" ".join(document.title.split())[:200]) or "(none)",
            "bullets": str(BULLETS[options.length]),
            "length": options.length,
            "language_instruction": language_instruction(options.language),
        }
        text = document.text.strip()
        if not text:
            raise InputError("There is no text to summarise.")
        max_tokens = MAX_OUTPUT_TOKENS[options.length]
        budget = self._budget(self.prompts.summarize, max_tokens)
        article = escape_delimiters(text)
        article, note = self._shorten(article, budget, max_tokens, allowance)
        if self._count(article) <= budget:
            messages = self.prompts.summarize.render(article=article, **common)
            result = await self._call(messages, max_tokens, spend)
        else:
            notes = await self._map(article, common, spend)
            result = await self._reduce(notes, common, max_tokens, spend)
        return Summary(
            text=result,
            model=self.name,
            prompt_version=self.prompt_version,
            prompt_tokens=spend.prompt_tokens,
            completion_tokens=spend.completion_tokens,
            language=options.language,
            length=options.length,
            note=note,
        )

    def _shorten(
        self, article: str, budget: int, max_tokens: int, allowance: TokenAllowance | None
    ) -> tuple[str, str]:
        """The article cut to the per-request cap, plus the note that says so ("" when whole);
        QuotaExceededError when the summary would cost more than `allowance` leaves.

        Only the fixed cap shortens (the same for everyone, so the summary can be cached); a
        quota that is nearly spent refuses instead of caching a summary of a smaller part.
        """
        tokens = self._count(article)
        note = ""
        cap = self.max_article_tokens
        if cap and tokens > cap:
            article = split_to_budget(article, cap, count=self._count)[0]
            note = (
                "The article is long: this summary covers its first part "
                f"(about {round(100 * self._count(article) / tokens)}%)."
            )
            tokens = self._count(article)
        if allowance is not None:
            overhead = self.context_tokens - int(self.context_tokens * SAFETY_MARGIN) - budget
            cost = tokens + overhead + max_tokens
            if tokens > budget:  # map-reduce: every part carries a prompt and its notes
                map_budget = self._budget(self.prompts.map, MAP_OUTPUT_TOKENS)
                parts = -(-tokens // max(1, map_budget))
                cost += parts * (overhead + MAP_OUTPUT_TOKENS)
            if cost > allowance.remaining:
                raise QuotaExceededError(
                    f"This article needs about {cost:,} tokens, more than the "
                    f"{allowance.remaining:,} left of your daily quota. It resets at midnight UTC.",
                    detail=f"estimated {cost}, {allowance.remaining} left",
                )
        return article, note

    async def _map(self, article: str, common: dict[str, str], spend: _Spend) -> list[str]:
        """Notes on every chunk of the article, in order."""
        budget = self._budget(self.prompts.map, MAP_OUTPUT_TOKENS)
        chunks = [c for c in split_to_budget(article, budget, count=self._count) if c.strip()]
        log.info("article split into %d parts for map-reduce", len(chunks))
        semaphore = asyncio.Semaphore(self.map_concurrency)
        values = {k: v for k, v in common.items() if k != "bullets" and k != "length"}

        async def one(index: int, chunk: str) -> str:
            messages = self.prompts.map.render(
                article=chunk.strip(), part=str(index), parts=str(len(chunks)), **values
            )
            async with semaphore:
                return await self._call(messages, MAP_OUTPUT_TOKENS, spend)

        try:
            # A TaskGroup cancels the other parts as soon as one fails for good.
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(i, c)) for i, c in enumerate(chunks, start=1)]
        except BaseExceptionGroup as group_error:
            raise _first_error(group_error) from None
        return [task.result() for task in tasks]

    async def _reduce(
        self, notes: list[str], common: dict[str, str], max_tokens: int, spend: _Spend
    ) -> str:
        """Merge notes into the summary, in several rounds if they do not fit at once."""
        budget = self._budget(self.prompts.reduce, max_tokens)
        text = self._join_notes(notes)
        for _ in range(MAX_REDUCE_ROUNDS):
            if self._count(text) <= budget:
                messages = self.prompts.reduce.render(notes=text, **common)
                return await self._call(messages, max_tokens, spend)
            # Too many notes for one request: merge consecutive groups into longer notes first.
            groups = [g for g in split_to_budget(text, budget, count=self._count) if g.strip()]
            long_form = {**common, "bullets": str(BULLETS["long"]), "length": "long"}
            merged = await asyncio.gather(
                *(
                    self._call(
                        self.prompts.reduce.render(notes=g.strip(), **long_form),
                        MAX_OUTPUT_TOKENS["long"],
                        spend,
                    )
                    for g in groups
                )
            )
            text = self._join_notes(list(merged))
        raise SummariseError(
            "The article is too long to summarise with this model's context size.",
            detail=f"notes still over {budget} tokens after {MAX_REDUCE_ROUNDS} reduce rounds",
        )

    @staticmethod
    def _join_notes(notes: list[str]) -> str:
        return "\n\n".join(
            f"Part {i}:\n{escape_delimiters(n, 'notes')}" for i, n in enumerate(notes, start=1)
        )


def _first_error(group: BaseExceptionGroup) -> BaseException:
    """The first leaf exception of a (possibly nested) exception group."""
    first: BaseException = group
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first
