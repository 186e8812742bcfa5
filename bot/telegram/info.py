"""/start, /help, /usage and /stats."""

from __future__ import annotations

from telegram import BotCommand, Update
from telegram.constants import ChatType

from bot.errors import AccessDeniedError
from bot.storage.chats import UsageStats
from bot.telegram.access import is_admin, start_of_day, tokens_used_today
from bot.telegram.common import Context, chats_of, guarded, reply_text, services_of
from bot.telegram.render import escape

COMMANDS = (
    BotCommand("summarize", "Summarise a link or text (or reply to a message)"),
    BotCommand("tldr", "Same as /summarize"),
    BotCommand("clean", "Show the repaired article text and the list of repairs"),
    BotCommand("settings", "Summary length, language and auto mode"),
    BotCommand("auto", "Auto mode on/off in groups and channels"),
    BotCommand("usage", "Articles and tokens in this chat"),
    BotCommand("help", "What this bot does"),
)
GROUP_COMMANDS = (
    BotCommand("recap", "What did I miss: /recap, /recap 6h; admins: /recap on|off"),
    BotCommand("forget", "Delete your messages stored for /recap in this group"),
)
# Registered with Telegram only when the digest module is installed (bot.digests.register).
DIGEST_COMMANDS = (
    BotCommand("subscribe", "Daily digest of this chat's articles: /subscribe 08:00 Europe/Berlin"),
    BotCommand("unsubscribe", "Stop the daily digest"),
    BotCommand("digest", "The digest now"),
    BotCommand("feeds", "RSS/Atom feeds for the digest: /feeds add URL"),
)


def recap_privacy_html(hours: float) -> str:
    """The /help privacy note: exactly what /recap stores, for how long, and how to delete it."""
    return (
        "<b>Privacy.</b> For summaries I keep the article's text and summary, the articles "
        "shared per chat (for digests), the tokens used per chat and user (for quotas), and "
        "which of my messages showed which article (30 days, for questions). Group messages "
        "are stored only after an "
        "admin sends <code>/recap on</code>: then, for each text message in that group, its "
        f"text, author's name and id, time, topic and reply, kept {hours:g} hours. "
        "<code>/recap off</code> deletes them all; <code>/forget</code> deletes yours."
    )


def help_html(
    *, has_llm: bool, bot_username: str, digests: bool = False, recap_hours: float = 48.0
) -> str:
    """The /help text; says so when the bot runs on the offline summariser."""
    mode = (
        "Summaries are written by an LLM."
        if has_llm
        else "⚠️ No LLM is configured (OPENAI_API_KEY is unset), so summaries are the offline "
        "extractive kind: the article's key sentences, picked, not rewritten."
    )
    return "\n".join(
        [
            "<b>I repair and summarise news articles.</b>",
            "",
            "Send me a link (or several, to pages or PDFs), paste an article's text, send a "
            "PDF, or forward a post: I reply with the title and the key statements — who said "
            "what. I also fix what content farms break: lowercased names, odd synonyms, glued "
            "quotes, comment-form clutter.",
            "",
            "/summarize <i>link or text</i> — summarise (also as a reply to a message or a PDF); "
            "/tldr too",
            "/clean <i>link</i> — the repaired text and the list of repairs",
            "/settings — summary length, language, auto mode (groups and channels)",
            "/auto on|off — summarise every link posted in a group or channel (admins)",
            "/usage — articles and tokens in this chat",
            "/recap <i>6h</i> — what you missed in a group, who said what, linked (admins: "
            "/recap on|off); /forget deletes your stored messages",
            "Reply to one of my summaries with a question to have it answered from the article. "
            f"In any chat, type @{escape(bot_username)} <i>link</i> to share a summary.",
            *(
                [
                    "/subscribe <i>HH:MM Area/City</i> — a daily digest of this chat's articles "
                    "and feeds; /unsubscribe, /digest (now), /feeds add <i>URL</i>",
                ]
                if digests
                else []
            ),
            "",
            f"In groups, use commands, reply to me, or mention @{escape(bot_username)} "
            "(Telegram shows me mentions only when I'm an admin or privacy mode is off). "
            "In channels, add me as an admin and post <code>/auto on</code>. To change a "
            "channel's settings from here, send <code>/settings @channel</code>.",
            "",
            recap_privacy_html(recap_hours),
            "",
            escape(mode),
        ]
    )


@guarded()
async def on_start(update: Update, context: Context) -> None:
    """/start: a greeting plus the help."""
    services = services_of(context)
    user = update.effective_user
    name = user.first_name if user is not None else "there"
    greeting = f"👋 Hi {escape(name)}!\n\n"
    await reply_text(
        update,
        context,
        greeting
        + help_html(
            has_llm=services.pipeline.uses_llm,
            bot_username=context.bot.username,
            recap_hours=services.settings.recap_retention_hours,
        ),
    )


@guarded()
async def on_help(update: Update, context: Context) -> None:
    """/help."""
    services = services_of(context)
    await reply_text(
        update,
        context,
        help_html(
            has_llm=services.pipeline.uses_llm,
            bot_username=context.bot.username,
            digests=context.bot_data.digest_scheduler is not None,
            recap_hours=services.settings.recap_retention_hours,
        ),
    )


def _usage_line(label: str, stats: UsageStats) -> str:
    return (
        f"{label}: <b>{stats.articles}</b> articles, <b>{stats.requests}</b> summaries "
        f"({stats.cached} from the cache), <b>{stats.tokens:,}</b> tokens "
        f"({stats.prompt_tokens:,} in, {stats.completion_tokens:,} out)"
    )


@guarded()
async def on_usage(update: Update, context: Context) -> None:
    """/usage: this chat's articles and tokens, today and in total (plus your quota)."""
    services = services_of(context)
    chat = update.effective_chat
    if chat is None:
        return
    repo = chats_of(context)
    today = start_of_day(services.clock.now())
    lines = [
        "📊 <b>Usage in this chat</b>",
        _usage_line("Today (UTC)", await repo.usage_for_chat(chat.id, today)),
        _usage_line("All time", await repo.usage_for_chat(chat.id)),
    ]
    quota = services.settings.daily_token_quota
    user = update.effective_user
    if quota > 0 and user is not None and chat.type == ChatType.PRIVATE:
        used = await tokens_used_today(services, user.id)
        lines.append(f"Your daily quota: {used:,} of {quota:,} tokens used.")
    await reply_text(update, context, "\n".join(lines))


@guarded()
async def on_stats(update: Update, context: Context) -> None:
    """/stats for the bot's admins: chats, summaries and tokens across all chats."""
    services = services_of(context)
    user = update.effective_user
    if not is_admin(services, user.id if user else None):
        raise AccessDeniedError("/stats is only for the bot's admins.")
    repo = chats_of(context)
    counts = await repo.chat_counts()
    today = start_of_day(services.clock.now())
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()) if kind != "blocked")
    lines = [
        "📈 <b>Bot statistics</b>",
        f"Chats: {escape(kinds or 'none')}; blocked or removed: {counts.get('blocked', 0)}",
        _usage_line("Today (UTC)", await repo.usage_total(today)),
        _usage_line("All time", await repo.usage_total()),
        f"LLM: {'on' if services.pipeline.uses_llm else 'off (offline summaries)'}",
    ]
    await reply_text(update, context, "\n".join(lines))
