"""/start, /help (and the command menu), /usage and /stats."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.errors import AccessDeniedError
from bot.i18n import DEFAULT, N_, _, ngettext, number, translator
from bot.storage.chats import UsageStats
from bot.telegram.access import is_admin, start_of_day, tokens_used_today
from bot.telegram.common import Context, chats_of, guarded, reply_text, services_of
from bot.telegram.render import escape


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
        N_("Summaries"),
        (
            HelpLine(N_("/summarize LINK or TEXT"), N_("Summarise a link or text"), "summarize"),
            HelpLine("/tldr", N_("Same as /summarize"), "tldr"),
            HelpLine(N_("/clean LINK or TEXT"), N_("Repaired text and its fixes"), "clean"),
            HelpLine("/settings", N_("Summary length and language"), "settings"),
            HelpLine("/help", N_("All commands, grouped"), "help"),
        ),
        (N_("Or just send a link, paste an article, forward a post, or send a PDF."),),
    ),
    HelpGroup(
        "👥",
        N_("Groups & channels"),
        (
            HelpLine("/auto on|off", N_("Summarise every posted link"), "auto"),
            HelpLine("/settings @channel", N_("Change a channel's settings")),
            HelpLine("/recap", "What you missed, who said what", "recap"),
            HelpLine("/recap 6h", "The last six hours"),
            HelpLine("/recap on|off", "Admins: store messages or not"),
            HelpLine("/forget", "Delete your stored messages", "forget"),
        ),
        (
            N_(
                "In a group, reply to me or mention me with a link. Admins switch auto mode; in a "
                "channel, make me an admin and post /auto on."
            ),
            "Reply to one of my summaries with a question to have it answered from the article; "
            "in any chat, type @ and my name and a link to share a summary.",
        ),
    ),
    HelpGroup(
        "📬",
        N_("Daily digest"),
        (
            HelpLine(
                N_("/subscribe HH:MM Area/City"), N_("Daily digest at that time"), "subscribe"
            ),
            HelpLine("/unsubscribe", N_("Stop the daily digest"), "unsubscribe"),
            HelpLine("/digest", N_("Send the digest now"), "digest"),
            HelpLine("/digest all", N_("Every story, not the top ones")),
            HelpLine("/feeds", N_("List this chat's feeds"), "feeds"),
            HelpLine(N_("/feeds add URL"), N_("Add an RSS or Atom feed")),
            HelpLine(N_("/feeds remove URL"), N_("Stop following a feed")),
            HelpLine("/feeds export", N_("Your feeds as OPML")),
            HelpLine("/filters", N_("Show the digest's keyword filters"), "filters"),
            HelpLine(N_("/filters include WORD"), N_("Only stories with these words")),
            HelpLine(N_("/filters exclude WORD"), N_("Leave out stories with these")),
            HelpLine("/filters clear", N_("Remove every filter")),
        ),
        (N_("Send an .opml file from your feed reader to import its feeds."),),
    ),
    HelpGroup(
        "🔒",
        N_("Privacy"),
        (HelpLine("/usage", N_("Articles and AI use here"), "usage"),),
        (
            N_(
                "I keep the links, titles and summaries shared in a chat (for its digest and for "
                "repeated links) and usage counts; not the texts you send."
            ),
            N_("In groups I see only commands, mentions and replies to me, unless I'm an admin."),
        ),
    ),
)
ADMIN_LINES = (HelpLine("/stats", N_("Figures across all chats")),)
OFFLINE_NOTE = N_("Summaries quote the article's key sentences.")


def registered_commands(lang: str = DEFAULT) -> list[BotCommand]:
    """The command menu for setMyCommands in `lang`: /help's commands in its order, with its
    words, each description marked with its group's emoji."""
    gettext = translator(lang).gettext
    return [
        BotCommand(line.command, f"{group.emoji} {gettext(line.description)}")
        for group in HELP_GROUPS
        for line in group.lines
        if line.command
    ]


def _usage_html(usage: str) -> str:
    # Upper-case words (LINK, TEXT, URL, HH:MM) are what the person fills in; Area/City too, in
    # any language ("Регион/Город").
    words = [
        f"<i>{escape(word)}</i>"
        if word.isupper() or ("/" in word and not word.startswith("/"))
        else escape(word)
        for word in _(usage).split(" ")
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
        lines = [f"{group.emoji} <b>{escape(_(group.title))}</b>"]
        extra = ADMIN_LINES if admin and group.title == "Privacy" else ()
        for line in (*group.lines, *extra):
            lines.append(f"{_usage_html(line.usage)} — {escape(_(line.description))}")
        notes = list(group.notes)
        if group.title == "Summaries" and not has_llm:
            notes.append(OFFLINE_NOTE)
        if group.title == "Privacy":
            notes.append(recap_privacy_note(recap_hours))
        lines += [f"<i>{escape(_(note))}</i>" for note in notes]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


START_LINE = N_(
    "Send me a news link, paste an article, or forward a post — I'll reply with who said what."
)
START_EXAMPLE = "https://www.reuters.com/world/…"
ADD_TO_GROUP = N_("➕ Add to a group")
DIGEST_BUTTON = N_("📬 Daily digest")
DIGEST_EXPLAINED = N_(
    "📬 <b>Daily digest</b>\n"
    "Send <code>/subscribe 08:00 Europe/Berlin</code> and I'll send a digest of the articles "
    "shared here every day at that time. Add news sites with <code>/feeds add URL</code>; "
    "/unsubscribe stops it."
)
NAME_MAX = 32


def start_html(first_name: str) -> str:
    """/start: what to do, one example, and where the rest is (under 400 characters)."""
    name = first_name.strip()[:NAME_MAX] or _("there")
    hello = _("👋 Hi {name}!").format(name=escape(name))
    example = _("For example, send me {example}").format(
        example=f"<code>{escape(START_EXAMPLE)}</code>"
    )
    rest = _("/help lists everything else.")
    return f"{hello} {escape(_(START_LINE))}\n\n{example}\n\n{rest}"


def start_keyboard(bot_username: str, *, digests: bool = True) -> InlineKeyboardMarkup:
    """[Add to a group] (Telegram's startgroup link) and [Daily digest] (explains /subscribe)."""
    row = [
        InlineKeyboardButton(_(ADD_TO_GROUP), url=f"https://t.me/{bot_username}?startgroup=true")
    ]
    if digests:
        row.append(InlineKeyboardButton(_(DIGEST_BUTTON), callback_data="help|digest"))
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
    await reply_text(update, context, _(DIGEST_EXPLAINED))


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
        ngettext("{n} article today", "{n} articles today", today.articles).format(
            n=number(today.articles)
        ),
        _("{n} this month").format(n=number(month.articles)),
    ]
    if has_llm:
        parts.append(_("AI: {n} tokens").format(n=short_number(month.tokens)))
    return "📊 " + " · ".join(parts)


def _usage_line(label: str, stats: UsageStats) -> str:
    # /stats is for the bot's operators: cache hits and token split included.
    articles = ngettext("{n} article", "{n} articles", stats.articles)
    summaries = ngettext("{n} summary", "{n} summaries", stats.requests)
    tokens = ngettext("{n} token", "{n} tokens", stats.tokens)
    return _(
        "{label}: {articles}, {summaries} ({cached} from the cache), {tokens} ({prompt} in, "
        "{completion} out)"
    ).format(
        label=label,
        articles=articles.format(n=number(stats.articles)),
        summaries=summaries.format(n=number(stats.requests)),
        cached=number(stats.cached),
        tokens=tokens.format(n=number(stats.tokens)),
        prompt=number(stats.prompt_tokens),
        completion=number(stats.completion_tokens),
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
            lines.append(
                _("Your daily AI allowance: {used} of {quota} tokens used.").format(
                    used=number(used), quota=number(quota)
                )
            )
    await reply_text(update, context, "\n".join(lines))


@guarded()
async def on_stats(update: Update, context: Context) -> None:
    """/stats for the bot's admins: chats, summaries and tokens across all chats."""
    services = services_of(context)
    user = update.effective_user
    if not is_admin(services, user.id if user else None):
        raise AccessDeniedError(N_("/stats is only for the bot's admins."))
    repo = chats_of(context)
    counts = await repo.chat_counts()
    today = start_of_day(services.clock.now())
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()) if kind != "blocked")
    lines = [
        _("📈 <b>Bot statistics</b>"),
        _("Chats: {kinds}; blocked or removed: {blocked}").format(
            kinds=escape(kinds or _("none")), blocked=counts.get("blocked", 0)
        ),
        _usage_line(_("Today (UTC)"), await repo.usage_total(today)),
        _usage_line(_("All time"), await repo.usage_total()),
        _("LLM: on") if services.pipeline.uses_llm else _("LLM: off (offline summaries)"),
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
