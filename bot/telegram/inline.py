"""Inline mode: `@bot <url>` in any chat offers the article's summary from the cache.

Telegram drops an inline answer that comes later than ~10 s, and users expect one at once, so a
query never waits for a summary: a cached article is answered straight from the database; an
article not yet cached gets a "summarising…" placeholder (not cached by Telegram) while its
summary is made in the background, so the same query a few seconds later finds it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass, field

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions, Update
from telegram.constants import ParseMode

from bot.errors import BotError
from bot.models import Document, Result, SummaryOptions
from bot.services import Services
from bot.storage.article_texts import ArticleTexts
from bot.telegram.access import check_quota
from bot.telegram.common import Context, guarded, services_of
from bot.telegram.render import escape, format_summary, link, split_html, visible_text

log = logging.getLogger(__name__)

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
CACHE_SECONDS = 300  # a finished summary may be reused by Telegram for a while
FAILURE_SECONDS = 60.0  # a failed article is not retried on every keystroke
MAX_DESCRIPTION = 120
ANSWER_MEMO_SECONDS = 60.0
ANSWER_MEMO_SIZE = 2000

# User-facing texts, in one place for the translation catalogues.
NO_URL_TITLE = "Paste a link to a news article"
NO_URL_TEXT = "Type @{bot} followed by a link to a news article to share its summary."
MANY_URLS_TITLE = "One link at a time"
MANY_URLS_TEXT = "Inline mode summarises one link at a time; I found {count}."
PENDING_TITLE = "Summarising… ask again in a few seconds"
PENDING_DESCRIPTION = "The summary is being made; type a space to refresh."
PENDING_TEXT = "⏳ Summarising {link}… Ask @{bot} again in a few seconds for the summary."
FAILED_TITLE = "Could not summarise this link"


@dataclass
class InlineJobs:
    """Background summaries started by inline queries, and what each URL turned out to be."""

    running: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)  # requested URL → content hash
    failures: dict[str, tuple[float, str]] = field(default_factory=dict)  # URL → (when, why)
    # URL → (when, result): a popular link is answered without the database for a while.
    answers: dict[str, tuple[float, InlineQueryResultArticle]] = field(default_factory=dict)

    def remembered(self, url: str, now: float) -> InlineQueryResultArticle | None:
        """A recently rendered answer for `url`, if still fresh."""
        found = self.answers.get(url)
        if found is None or now - found[0] > ANSWER_MEMO_SECONDS:
            return None
        return found[1]

    def remember(self, url: str, now: float, result: InlineQueryResultArticle) -> None:
        """Keep a rendered answer (the memo is bounded: dropped whole when full)."""
        if len(self.answers) >= ANSWER_MEMO_SIZE:
            self.answers.clear()
        self.answers[url] = (now, result)


def urls_in(query: str) -> list[str]:
    """The distinct http(s) links in an inline query, in order."""
    found: list[str] = []
    for match in _URL.findall(query):
        url = match.rstrip(".,;:!?)]}»”")
        if url not in found:
            found.append(url)
    return found


def _id(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _article(
    result_id: str, title: str, html: str, description: str = ""
) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id,
        title=title[:200] or "Summary",
        description=description[:MAX_DESCRIPTION] or None,
        input_message_content=InputTextMessageContent(
            split_html(html)[0],
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )


async def cached_result(services: Services, jobs: InlineJobs, url: str) -> Result | None:
    """The cached summary of `url` as a pipeline Result, or None when it is not cached yet."""
    texts = ArticleTexts(services.db, services.clock)
    known = jobs.hashes.get(url)
    article = None
    if known is None:
        article = await texts.for_url(url)
        if article is None:
            return None
        known = article.content_hash
    summariser = services.pipeline.summariser
    summary = await texts.newest_summary(
        known, prompt_version=summariser.prompt_version, model=summariser.name
    )
    if summary is None:
        return None
    if article is None:
        article = await texts.by_hash(known)
    title = article.title if article is not None else ""
    document = Document(source=url, text="", title=title, url=article.url if article else url)
    return Result(document=document, summary=summary, content_hash=known)


async def _summarise_in_background(
    services: Services, jobs: InlineJobs, url: str, user_id: int | None
) -> None:
    try:
        result = await services.pipeline.summarise(
            url, SummaryOptions(), user_id=user_id, origin="inline"
        )
        texts = ArticleTexts(services.db, services.clock)
        document = result.document
        await texts.put(result.content_hash, url=url, title=document.title, text=document.text)
        jobs.hashes[url] = result.content_hash
    except BotError as exc:
        jobs.failures[url] = (asyncio.get_running_loop().time(), exc.user_message)
        log.info("inline summary of %s failed: %s", url, exc.detail or exc.user_message)
    except Exception:
        jobs.failures[url] = (asyncio.get_running_loop().time(), "Something went wrong.")
        log.exception("inline summary of %s crashed", url)
    finally:
        jobs.running.pop(url, None)


def start_summary(services: Services, jobs: InlineJobs, url: str, user_id: int | None) -> None:
    """Summarise `url` in the background unless that is already under way."""
    if url in jobs.running:
        return
    jobs.running[url] = asyncio.create_task(
        _summarise_in_background(services, jobs, url, user_id), name=f"inline:{url[:60]}"
    )


def _recent_failure(jobs: InlineJobs, url: str) -> str | None:
    failure = jobs.failures.get(url)
    if failure is None:
        return None
    when, why = failure
    if asyncio.get_running_loop().time() - when > FAILURE_SECONDS:
        jobs.failures.pop(url, None)
        return None
    return why


async def inline_results(
    services: Services, jobs: InlineJobs, query: str, *, bot_username: str, user_id: int | None
) -> tuple[list[InlineQueryResultArticle], int]:
    """(results, cache seconds) for an inline query; never waits for a summary to be made."""
    urls = urls_in(query)
    if not urls:
        text = escape(NO_URL_TEXT.format(bot=bot_username))
        return [_article(_id("no-url"), NO_URL_TITLE, text)], 0
    if len(urls) > 1:
        text = escape(MANY_URLS_TEXT.format(count=len(urls)))
        return [_article(_id("many", str(len(urls))), MANY_URLS_TITLE, text)], 0
    url = urls[0]
    now = asyncio.get_running_loop().time()
    memo = jobs.remembered(url, now)
    if memo is not None:
        return [memo], CACHE_SECONDS
    result = await cached_result(services, jobs, url)
    if result is not None:
        html = format_summary(result)
        first = visible_text(html).split("\n")
        description = next((line for line in first[1:] if line.strip()), url)
        title = result.document.title or url
        article = _article(_id("summary", result.content_hash), title, html, description)
        jobs.remember(url, now, article)
        return [article], CACHE_SECONDS
    failed = _recent_failure(jobs, url)
    if failed is not None:
        return [_article(_id("failed", url), FAILED_TITLE, f"⚠️ {escape(failed)}", failed)], 0
    await check_quota(services, user_id)
    start_summary(services, jobs, url, user_id)
    text = PENDING_TEXT.format(link=link(url, url), bot=escape(bot_username))
    return [_article(_id("pending", url), PENDING_TITLE, text, PENDING_DESCRIPTION)], 0


@guarded(remember=False)
async def on_inline_query(update: Update, context: Context) -> None:
    """`@bot <url>`: the cached summary, or a placeholder while it is made."""
    inline = update.inline_query
    if inline is None:
        return
    services = services_of(context)
    try:
        results, cache = await inline_results(
            services,
            context.bot_data.inline_jobs,
            inline.query,
            bot_username=context.bot.username,
            user_id=inline.from_user.id,
        )
    except BotError as exc:  # e.g. the daily quota: one clear result instead of nothing
        results = [_article(_id("error"), FAILED_TITLE, f"⚠️ {escape(exc.user_message)}")]
        cache = 0
    await inline.answer(results, cache_time=cache, is_personal=True)
