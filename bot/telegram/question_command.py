"""Questions about an article: a reply to one of the bot's summaries is answered from that
article's cleaned text (kept when the summary was sent), never from the open web."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextvars import ContextVar

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.errors import BotError
from bot.groups.llm import llm_answer
from bot.groups.questions import answer_offline
from bot.models import Result
from bot.services import Services
from bot.storage.article_texts import ArticleTexts, StoredArticle
from bot.summarise.prompts import load_prompt
from bot.telegram.access import check_quota, is_allowed
from bot.telegram.common import Context, guarded, reply_text, services_of
from bot.telegram.messages import links_in
from bot.telegram.progress import Progress
from bot.telegram.render import escape, link

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
# A reply that starts like this is a question even without a question mark; "thanks!" is not.
QUESTION_STARTS = frozenset(
    "what who whom whose when where why how which did does do is are was were will would can "
    "could should tell explain summarise summarize quote list name".split()
)

# User-facing texts, in one place for the translation catalogues.
NO_ARTICLE = (
    "I can only answer questions about an article I summarised here: reply with your question "
    "to one of my summaries (of the last 30 days), or send me a link first."
)
NOT_ANSWERED = "The article does not say. I only answer from its text, not from the web."
OFFLINE_NOTE = "No LLM is configured, so these are the article's best-matching sentences."
UNVERIFIED_NOTE = (
    "The LLM's answer quoted words the article does not contain, so here are the article's "
    "own best-matching sentences instead."
)
LLM_FAILED_NOTE = "The LLM did not answer, so these are the article's best-matching sentences."
TOO_LONG = f"Please ask in at most {MAX_QUESTION_CHARS} characters."


def texts_of(services: Services) -> ArticleTexts:
    """The article-text store on the injected database."""
    return ArticleTexts(services.db, services.clock)


async def remember_summary(
    services: Services, chat_id: int, sent: Sequence[Message], result: Result
) -> None:
    """Keep the article behind a summary just sent, so replies to it can be answered."""
    if not sent or not result.content_hash:
        return
    try:
        texts = texts_of(services)
        document = result.document
        await texts.put(
            result.content_hash,
            url=document.url or document.source,
            title=document.title,
            text=document.text,
        )
        await texts.remember_messages(chat_id, [m.message_id for m in sent], result.content_hash)
    except Exception:  # answering later questions is a courtesy; the summary is already out
        log.exception("could not keep the article behind a summary")


def looks_like_question(text: str) -> bool:
    """A question mark (any script), or an English question word first."""
    text = text.strip()
    if not text:
        return False
    if any(mark in text[-3:] for mark in ("?", "？", "؟", "\u037e")):
        return True
    first = text.split()[0].lower().strip(",.:!")
    return first in QUESTION_STARTS


def _reply_to_bot(message: Message, bot_id: int) -> Message | None:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    return replied


def render_answer(article: StoredArticle, body_html: str, note: str = "") -> str:
    """The answer as HTML: the article named (linked), the answer, an optional note."""
    title = article.title.strip() or article.url or "the article"
    head = f"💬 <b>From {link(article.url, title) if article.url else escape(title)}</b>"
    parts = [head, body_html]
    if note:
        parts.append(f"<i>{escape(note)}</i>")
    return "\n\n".join(parts)


def _sentences_html(sentences: Sequence[str]) -> str:
    return "\n".join(f"• “{escape(s)}”" for s in sentences)


async def answer_question(services: Services, article: StoredArticle, question: str) -> str:
    """The HTML answer to `question` from `article` (LLM when configured, else offline)."""
    offline = answer_offline(question, article.text)
    client = getattr(services.pipeline.summariser, "client", None)
    if services.pipeline.uses_llm and client is not None:
        try:
            answer = await llm_answer(
                client,
                load_prompt("question"),
                question,
                article.text,
                title=article.title,
                context_tokens=services.settings.openai_context_tokens,
            )
        except BotError as exc:
            log.warning("LLM answer failed: %s", exc.detail or exc.user_message)
            note = LLM_FAILED_NOTE
        else:
            if not answer.found:
                return render_answer(article, escape(NOT_ANSWERED))
            if not answer.unverified:
                return render_answer(article, escape(answer.text))
            log.info("LLM answer quoted text not in the article: %s", answer.unverified)
            note = UNVERIFIED_NOTE
    else:
        note = OFFLINE_NOTE
    if not offline.found:
        return render_answer(article, escape(NOT_ANSWERED))
    return render_answer(article, _sentences_html(offline.sentences), note)


# Whether the update being handled was taken as a question (set by `_answer_reply`, read by
# `on_reply_to_bot` in the same task).
_handled: ContextVar[bool] = ContextVar("question_handled", default=False)


async def on_reply_to_bot(update: Update, context: Context) -> None:
    """A reply to one of the bot's messages: a question about the summarised article is
    answered (and no other handler runs); anything else goes on to the usual handlers."""
    message = update.effective_message
    if message is None or _reply_to_bot(message, context.bot.id) is None:
        return
    token = _handled.set(False)
    try:
        await _answer_reply(update, context)
        if _handled.get():
            raise ApplicationHandlerStop
    finally:
        _handled.reset(token)


@guarded(check_access=False)
async def _answer_reply(update: Update, context: Context) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    replied = _reply_to_bot(message, context.bot.id)
    text = (message.text or "").strip()
    if replied is None or not looks_like_question(text) or text.startswith("/"):
        return  # "thanks!" and the like go on to the usual handlers
    if links_in(message):
        return  # links in a reply are new articles to summarise, handled as before
    services = services_of(context)
    user = update.effective_user
    if not is_allowed(services, user_id=user.id if user else None, chat_id=chat.id):
        return
    article = await texts_of(services).for_message(chat.id, replied.message_id)
    if article is None:
        _handled.set(True)
        await reply_text(update, context, escape(NO_ARTICLE))
        return
    _handled.set(True)
    if len(text) > MAX_QUESTION_CHARS:
        await reply_text(update, context, escape(TOO_LONG))
        return
    await check_quota(services, user.id if user else None)
    async with Progress(
        context.bot, chat.id, reply_to=message.message_id, services=services
    ) as progress:
        await progress.finish(await answer_question(services, article, text))
