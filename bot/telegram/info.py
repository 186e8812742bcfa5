"""/start, /help (and the command menu), /usage and /stats."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.errors import AccessDeniedError
from bot.storage.chats import UsageStats
from bot.telegram.access import is_admin, start_of_day, tokens_used_today
from bot.telegram.common import Context, chats_of, guarded, reply_text, services_of
from bot.telegram.render import escape, plural


@dataclass(frozen=True, slots=True)
class HelpLine:
    """One line of /help: how to call it, what it does in 3–6 words, and the registered command it
    documents ("" for variants such as `/feeds add URL`, which share their command's entry)."""

    usage: str  # plain text; upper-case words are the arguments
    description: str
    command: str = ""


@dataclass(frozen=True, slots=True)
class HelpGroup:
    """A heading of /help; its emoji also marks its commands in Telegram's command menu."""

    emoji: str
    title: str
    lines: tuple[HelpLine, ...]
    notes: tuple[str, ...] = ()  # plain sentences under the commands


HELP_GROUPS = (
    HelpGroup(
        "📰",
        "Summaries",
        (
            HelpLine("/summarize LINK or TEXT", "Summarise a link or text", "summarize"),
            HelpLine("/tldr", "Same as /summarize", "tldr"),
            HelpLine("/clean LINK or TEXT", "Repaired text and its fixes", "clean"),
            HelpLine("/settings", "Summary length and language", "settings"),
            HelpLine("/help", "All commands, grouped", "help"),
        ),
        ("Or just send a link, paste an article, forward a post, or send a PDF.",),
    ),
    HelpGroup(
        "👥",
        "Groups & channels",
        (
            HelpLine("/auto on|off", "Summarise every posted link", "auto"),
            HelpLine("/settings @channel", "Change a channel's settings"),
            HelpLine("/recap", "What you missed, who said what", "recap"),
            HelpLine("/recap 6h", "The last six hours"),
            HelpLine("/recap on|off", "Admins: store messages or not"),
            HelpLine("/forget", "Delete your stored messages", "forget"),
        ),
        (
            "In a group, reply to me or mention me with a link. Admins switch auto mode; in a "
            "channel, make me an admin and post /auto on.",
            "Reply to one of my summaries with a question to have it answered from the article; "
            "in any chat, type @ and my name and a link to share a summary.",
        ),
    ),
    HelpGroup(
        "📬",
        "Daily digest",
        (
            HelpLine("/subscribe HH:MM Area/City", "Daily digest at that time", "subscribe"),
            HelpLine("/unsubscribe", "Stop the daily digest", "unsubscribe"),
            HelpLine("/digest", "Send the digest now", "digest"),
            HelpLine("/digest all", "Every story, not the top ones"),
            HelpLine("/feeds", "List this chat's feeds", "feeds"),
            HelpLine("/feeds add URL", "Add an RSS or Atom feed"),
            HelpLine("/feeds remove URL", "Stop following a feed"),
            HelpLine("/feeds export", "Your feeds as OPML"),
            HelpLine("/filters", "Show the digest's keyword filters", "filters"),
            HelpLine("/filters include WORD", "Only stories with these words"),
            HelpLine("/filters exclude WORD", "Leave out stories with these"),
            HelpLine("/filters clear", "Remove every filter"),
        ),
        ("Send an .opml file from your feed reader to import its feeds.",),
    ),
    HelpGroup(
        "🔒",
        "Privacy",
        (HelpLine("/usage", "Articles and AI use here", "usage"),),
        (
            "I keep the links, titles and summaries shared in a chat (for its digest and for "
            "repeated links) and usage counts; not the texts you send.",
            "In groups I see only commands, mentions and replies to me, unless I'm an admin.",
        ),
    ),
)
ADMIN_LINES = (HelpLine("/stats", "Figures across all chats"),)
OFFLINE_NOTE = "Summaries quote the article's key sentences."


def registered_commands() -> list[BotCommand]:
    """The command menu for setMyCommands: /help's commands in its order, with its words, each
    description marked with its group's emoji."""
    return [
        BotCommand(line.command, f"{group.emoji} {line.description}")
        for group in HELP_GROUPS
        for line in group.lines
        if line.command
    ]


def _usage_html(usage: str) -> str:
    # Upper-case words (LINK, TEXT, URL, HH:MM) are what the person fills in.
    words = [
        f"<i>{escape(word)}</i>" if word.isupper() or word == "Area/City" else escape(word)
        for word in usage.split(" ")
    ]
    return " ".join(words)


def recap_privacy_note(hours: float) -> str:
    """Exactly what /recap stores, for how long, and how to delete it (plain text)."""
    return (
        "Group messages are stored only after an admin sends /recap on: then, for each text "
        f"message, its text, author's name and id, time, topic and reply, kept {hours:g} hours. "
        "/recap off deletes them all; /forget deletes yours. For questions about an article I "
        "keep its text and which of my messages showed it (30 days)."
    )


def help_html(
    *,
    has_llm: bool,
    bot_username: str = "",
    digests: bool = True,
    admin: bool = False,
    recap_hours: float = 48.0,
) -> str:
    """The /help text: every command, one a line, in four groups."""
    blocks = []
    for group in HELP_GROUPS:
        if group.title == "Daily digest" and not digests:
            continue
        lines = [f"{group.emoji} <b>{escape(group.title)}</b>"]
        extra = ADMIN_LINES if admin and group.title == "Privacy" else ()
        for line in (*group.lines, *extra):
            lines.append(f"{_usage_html(line.usage)} — {escape(line.description)}")
        notes = list(group.notes)
        if group.title == "Summaries" and not has_llm:
            notes.append(OFFLINE_NOTE)
        if group.title == "Privacy":
            notes.append(recap_privacy_note(recap_hours))
        lines += [f"<i>{escape(note)}</i>" for note in notes]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


START_LINE = (
    "Send me a news link, paste an article, or forward a post — I'll reply with who said what."
)
START_EXAMPLE = "https://www.reuters.com/world/…"
ADD_TO_GROUP = "➕ Add to a group"
DIGEST_BUTTON = "📬 Daily digest"
DIGEST_EXPLAINED = (
    "📬 <b>Daily digest</b>\n"
    "Send <code>/subscribe 08:00 Europe/Berlin</code> and I'll send a digest of the articles "
    "shared here every day at that time. Add news sites with <code>/feeds add URL</code>; "
    "/unsubscribe stops it."
)
NAME_MAX = 32


def start_html(first_name: str) -> str:
    """/start: what to do, one example, and where the rest is (under 400 characters)."""
    name = first_name.strip()[:NAME_MAX] or "there"
    return (
        f"👋 Hi {escape(name)}! {escape(START_LINE)}\n\n"
        f"For example, send me <code>{escape(START_EXAMPLE)}</code>\n\n"
        "/help lists everything else."
    )


def start_keyboard(bot_username: str, *, digests: bool = True) -> InlineKeyboardMarkup:
    """[Add to a group] (Telegram's startgroup link) and [Daily digest] (explains /subscribe)."""
    row = [InlineKeyboardButton(ADD_TO_GROUP, url=f"https://t.me/{bot_username}?startgroup=true")]
    if digests:
        row.append(InlineKeyboardButton(DIGEST_BUTTON, callback_data="help|digest"))
    return InlineKeyboardMarkup([row])


@guarded()
async def on_start(update: Update, context: Context) -> None:
    """/start: one line on what to do, one example, two buttons."""
    user = update.effective_user
    await reply_text(
        update,
        context,
        start_html(user.first_name if user is not None else ""),
        reply_markup=start_keyboard(
            context.bot.username, digests=context.bot_data.digest_scheduler is not None
        ),
    )


@guarded()
async def on_help_button(update: Update, context: Context) -> None:
    """The [Daily digest] button under /start: how /subscribe works, as a new message."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await reply_text(update, context, DIGEST_EXPLAINED)


@guarded()
async def on_help(update: Update, context: Context) -> None:
    """/help."""
    services = services_of(context)
    user = update.effective_user
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    await reply_text(
        update,
        context,
        help_html(
            has_llm=services.pipeline.uses_llm,
            bot_username=context.bot.username,
            digests=context.bot_data.digest_scheduler is not None,
            admin=private and is_admin(services, user.id if user else None),
            recap_hours=services.settings.recap_retention_hours,
        ),
    )


def short_number(value: int) -> str:
    """7200 → "7.2k", 950 → "950", 1_500_000 → "1.5M"."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            shown = f"{value / size:.1f}".removesuffix(".0")
            if float(shown) >= 100:
                shown = f"{value / size:.0f}"
            return f"{shown}{suffix}"
    return str(value)


def usage_html(today: UsageStats, month: UsageStats, *, has_llm: bool) -> str:
    """ "📊 6 articles today · 41 this month · AI: 7.2k tokens" (no AI part offline)."""
    parts = [
        plural(today.articles, "article", "articles") + " today",
        f"{month.articles:,} this month",
    ]
    if has_llm:
        parts.append(f"AI: {short_number(month.tokens)} tokens")
    return "📊 " + " · ".join(parts)


def _usage_line(label: str, stats: UsageStats) -> str:
    # /stats is for the bot's operators: cache hits and token split included.
    return (
        f"{label}: {plural(stats.articles, 'article', 'articles')}, "
        f"{plural(stats.requests, 'summary', 'summaries')} ({stats.cached:,} from the cache), "
        f"{plural(stats.tokens, 'token', 'tokens')} "
        f"({stats.prompt_tokens:,} in, {stats.completion_tokens:,} out)"
    )


@guarded()
async def on_usage(update: Update, context: Context) -> None:
    """/usage: this chat's articles today and this month, and the AI's tokens (plus your quota)."""
    services = services_of(context)
    chat = update.effective_chat
    if chat is None:
        return
    repo = chats_of(context)
    now = services.clock.now()
    today = start_of_day(now)
    month = today.replace(day=1)
    lines = [
        usage_html(
            await repo.usage_for_chat(chat.id, today),
            await repo.usage_for_chat(chat.id, month),
            has_llm=services.pipeline.uses_llm,
        )
    ]
    quota = services.settings.daily_token_quota
    user = update.effective_user
    if quota > 0 and user is not None and chat.type == ChatType.PRIVATE:
        used = await tokens_used_today(services, user.id)
        # Only worth a line once it may matter (a quarter spent): a person far from the limit
        # needs no reminder, and /usage stays one line for most.
        if used * 4 >= quota:
            lines.append(f"Your daily AI allowance: {used:,} of {quota:,} tokens used.")
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
    if context.bot_data.replica is not None:
        lines.append(queue_line(await context.bot_data.replica.counts()))
    await reply_text(update, context, "\n".join(lines))


def queue_line(counts: dict[str, int]) -> str:
    """/stats in replica mode: the durable queue's updates by state, parked ones named."""
    waiting = counts.get("queued", 0) + counts.get("received", 0) + counts.get("failed", 0)
    return (
        f"Update queue: {counts.get('done', 0):,} done, {waiting:,} waiting, "
        f"{counts.get('running', 0):,} running, {counts.get('parked', 0):,} parked after "
        "repeated failures"
    )
