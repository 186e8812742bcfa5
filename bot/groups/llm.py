"""The LLM side of recaps and article questions: prompts rendered within the context budget.

Recaps: one request when the transcript fits the context, else map-reduce: each run of messages
is recapped on its own (the bullets keep their `[#id]` citations), and the bullets, written back
as transcript lines, are recapped once more. Questions: one request over the article (cut to the
budget around the sentences that match the question best), whose quotes are then checked
against the article's text.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.errors import SummariseError
from bot.groups.questions import Answer, answer_offline, split_sentences
from bot.groups.recap import DEFAULT_POINTS, RecapPoint, chunks, parse_llm_recap, transcript
from bot.models import ChatMessage
from bot.summarise.llm import LLMClient
from bot.summarise.llm_summariser import language_instruction, sanitize_output
from bot.summarise.prompts import Prompt
from bot.summarise.tokens import count_tokens

RECAP_OUTPUT_TOKENS = 700
ANSWER_OUTPUT_TOKENS = 300
MESSAGE_OVERHEAD_TOKENS = 8
SAFETY_MARGIN = 0.05
MAX_ROUNDS = 3
MAP_CONCURRENCY = 4
NOT_IN_ARTICLE = "NOT IN ARTICLE"
MIN_QUOTE_WORDS = 3  # shorter quoted bits ("so-called") are not claims about the article

_DELIMITER = re.compile(r"<(\s*/?\s*(?:messages|article|question))", re.IGNORECASE)
_QUOTE = re.compile(r"[\"“„«]([^\"”“«»]{3,400})[\"”»]")
_NORMALISE = re.compile(r"[^\w]+", re.UNICODE)


def _neutral(text: str) -> str:
    """Untrusted text cannot close the prompt's delimiters."""
    return _DELIMITER.sub(r"&lt;\1", text)


@dataclass(frozen=True, slots=True)
class LLMRecap:
    """The recap's points and how many LLM requests it took."""

    points: list[RecapPoint]
    calls: int


class _Budget:
    def __init__(self, client: LLMClient, prompt: Prompt, context_tokens: int, reserve: int):
        self.model = client.model
        empty = prompt.render(
            messages="",
            article="",
            question="",
            title="x" * 200,
            chat=" in x" + "x" * 60,
            points="99",
            language_instruction=language_instruction("xx"),
        )
        overhead = sum(self.count(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in empty)
        self.tokens = int(context_tokens * (1 - SAFETY_MARGIN)) - overhead - reserve

    def count(self, text: str) -> int:
        return count_tokens(text, self.model)


async def llm_recap(
    client: LLMClient,
    prompt: Prompt,
    messages: Sequence[ChatMessage],
    *,
    context_tokens: int,
    chat_title: str = "",
    language: str = "",
    points: int = DEFAULT_POINTS,
) -> LLMRecap:
    """Recap `messages` with the LLM; SummariseError when it fails or cites nothing."""
    budget = _Budget(client, prompt, context_tokens, RECAP_OUTPUT_TOKENS)
    if budget.tokens < 200:
        raise SummariseError(
            "OPENAI_CONTEXT_TOKENS is too small for a recap.", detail=f"budget {budget.tokens}"
        )
    common = {
        "chat": f" in {chat_title[:60]}" if chat_title else "",
        "points": str(points),
        "language_instruction": language_instruction(language).replace("summary", "recap"),
    }
    calls = 0
    semaphore = asyncio.Semaphore(MAP_CONCURRENCY)

    async def ask(part: Sequence[ChatMessage]) -> list[RecapPoint]:
        nonlocal calls
        rendered = prompt.render(messages=_neutral(transcript(part)), **common)
        async with semaphore:
            completion = await client.complete(rendered, max_tokens=RECAP_OUTPUT_TOKENS)
        calls += 1
        return parse_llm_recap(sanitize_output(completion.text), part)

    current: list[ChatMessage] = list(messages)
    for _ in range(MAX_ROUNDS):
        parts = chunks(current, budget.tokens, budget.count)
        if len(parts) <= 1:
            found = await ask(current)
            if not found:
                raise SummariseError(
                    "The LLM's recap cited none of the messages.", detail="no [#id] bullets"
                )
            return LLMRecap(found[:points], calls)
        mapped = await asyncio.gather(*(ask(part) for part in parts))
        # The bullets become the next round's "messages", under the ids they cite, so the
        # final recap still links to the original messages.
        by_id = {m.message_id: m for m in current}
        current = [
            replace(by_id[p.message_id], text=p.text, reply_to=None)
            for found in mapped
            for p in found
        ]
        if not current:
            raise SummariseError(
                "The LLM's recap cited none of the messages.", detail="no [#id] bullets in map"
            )
    raise SummariseError(
        "Too many messages to recap with this model's context size; try a shorter time.",
        detail=f"still over {budget.tokens} tokens after {MAX_ROUNDS} rounds",
    )


@dataclass(frozen=True, slots=True)
class LLMAnswer:
    """The LLM's answer (plain text), or not found; `unverified` lists quotes not in the text."""

    text: str
    found: bool
    unverified: tuple[str, ...] = ()


def _normal(text: str) -> str:
    return _NORMALISE.sub(" ", text.casefold()).strip()


def unverified_quotes(answer: str, article: str) -> tuple[str, ...]:
    """Quoted passages of `answer` (3+ words) that do not occur in `article`, ignoring case,
    punctuation and spacing."""
    haystack = f" {_normal(article)} "
    missing = []
    for match in _QUOTE.finditer(answer):
        quote = match.group(1)
        words = _normal(quote)
        if len(words.split()) >= MIN_QUOTE_WORDS and f" {words} " not in haystack:
            missing.append(quote)
    return tuple(missing)


def fit_article(article: str, question: str, budget: int, count) -> str:  # type: ignore[no-untyped-def]
    """The article, or when too long, its sentences around the best matches, within `budget`."""
    if count(article) <= budget:
        return article
    sentences = split_sentences(article)
    best = answer_offline(question, article, limit=8).sentences
    wanted = {sentences.index(s) for s in best if s in sentences}
    keep: set[int] = set()
    used = 0
    # The best sentences with their neighbours first, then the article's opening.
    order = [j for i in sorted(wanted) for j in (i - 1, i, i + 1)] + list(range(len(sentences)))
    for index in order:
        if index in keep or not 0 <= index < len(sentences):
            continue
        size = count(sentences[index]) + 1
        if used + size > budget:
            break
        keep.add(index)
        used += size
    return " ".join(sentences[i] for i in sorted(keep))


async def llm_answer(
    client: LLMClient,
    prompt: Prompt,
    question: str,
    article: str,
    *,
    title: str = "",
    context_tokens: int,
    language: str = "",
) -> LLMAnswer:
    """Answer `question` from `article` with the LLM; quotes are checked against the article."""
    budget = _Budget(client, prompt, context_tokens, ANSWER_OUTPUT_TOKENS)
    text = fit_article(article, question, max(budget.tokens, 100), budget.count)
    rendered = prompt.render(
        article=_neutral(text),
        question=_neutral(question[:1000]),
        title=title[:200],
        language_instruction=language_instruction(language).replace("summary", "answer"),
    )
    completion = await client.complete(rendered, max_tokens=ANSWER_OUTPUT_TOKENS)
    reply = sanitize_output(completion.text, max_chars=1500).strip()
    if not reply:
        raise SummariseError("The LLM returned an empty answer. Try again later.")
    if NOT_IN_ARTICLE in reply.upper():
        return LLMAnswer("", False)
    return LLMAnswer(reply, True, unverified_quotes(reply, article))


__all__ = [
    "NOT_IN_ARTICLE",
    "Answer",
    "LLMAnswer",
    "LLMRecap",
    "fit_article",
    "llm_answer",
    "llm_recap",
    "unverified_quotes",
]
