"""Pure digest rendering: entries → Telegram HTML messages, split only at entry boundaries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from bot.digests.selection import Entry
from bot.telegram.render import (
    MAX_MESSAGE,
    escape,
    link,
    markdown_to_html,
    split_html,
    utf16_len,
    visible_text,
)

OVERVIEW_FROM = 6  # entries; below this the list itself is the overview
MAX_LINES = 2  # key-statement lines per entry
MAX_LINE_CHARS = 280
MAX_OTHER_SOURCES = 8

_BULLET = re.compile(r"^\s*(?:[-*•·▪–]|\d+[.)])\s+")


def key_lines(summary: str, limit: int = MAX_LINES) -> list[str]:
    """The first one or two statements of a summary, as plain text lines."""
    lines: list[str] = []
    for raw in summary.splitlines():
        # A Markdown parser, not a pattern: only real links and marks go, so a quote's own
        # brackets ("If this [deal] is going") stay.
        text = visible_text(markdown_to_html(_BULLET.sub("", raw))).strip()
        if not text:
            continue
        if len(text) > MAX_LINE_CHARS:
            cut = text.rfind(" ", 0, MAX_LINE_CHARS)
            text = text[: cut if cut > MAX_LINE_CHARS // 2 else MAX_LINE_CHARS].rstrip(",;:") + "…"
        lines.append(text)
        if len(lines) >= limit:
            break
    return lines


# Key statements per entry: the first shows, the rest fold into an expandable quote, so a long
# entry costs one line of screen until the reader opens it.
MAX_KEY_LINES = 4


def render_entry(entry: Entry) -> str:
    """One entry: bold linked title, the first key statement, the others in an expandable
    blockquote, and the other sources of the same story."""
    head = f"<b>{link(entry.url, entry.title)}</b>"
    if entry.sources:
        head += f" — {escape(entry.sources[0].site)}" if entry.sources[0].site else ""
    lines = [f"• {escape(line)}" for line in key_lines(entry.summary, MAX_KEY_LINES)]
    parts = [head, *lines[:1]]
    if len(lines) > 1:
        parts.append("<blockquote expandable>" + "\n".join(lines[1:]) + "</blockquote>")
    others = entry.sources[1:]
    if others:
        shown = ", ".join(link(s.url, s.site or s.url) for s in others[:MAX_OTHER_SOURCES])
        more = len(others) - MAX_OTHER_SOURCES
        parts.append(f"<i>Also reported by</i> {shown}" + (f" and {more} more" if more > 0 else ""))
    return "\n".join(parts)


def render_header(entries: Sequence[Entry], day: date | None) -> str:
    """The digest's title line, plus a short overview when there are many entries."""
    when = f" — {day:%a} {day.day} {day:%b %Y}" if day else ""
    header = f"<b>📰 Your news digest{escape(when)}</b>"
    if len(entries) >= OVERVIEW_FROM:
        sources = sum(len(e.sources) or 1 for e in entries)
        sites = sorted({s.site for e in entries for s in e.sources if s.site})
        line = f"{len(entries)} stories from {sources} articles"
        if sites:
            line += f" ({', '.join(sites[:5])}{', …' if len(sites) > 5 else ''})"
        merged = sum(1 for e in entries if len(e.sources) > 1)
        if merged:
            line += f"; {merged} reported by several sources"
        header += "\n" + escape(line) + "."
    return header


def render_footer(more: int = 0, filtered: int = 0) -> str:
    """The last line: stories beyond the limit and items the chat's filters dropped ('' if none)."""
    notes = []
    if more:
        notes.append(
            f"{more} more {'story' if more == 1 else 'stories'}: /digest all shows them all"
        )
    if filtered:
        notes.append(f"{filtered} {'item' if filtered == 1 else 'items'} filtered out (/filters)")
    return f"<i>{escape('. '.join(notes))}.</i>" if notes else ""


def render_digest(
    entries: Sequence[Entry],
    *,
    day: date | None = None,
    limit: int = MAX_MESSAGE,
    more: int = 0,
    filtered: int = 0,
) -> list[str]:
    """The digest as messages of at most `limit` UTF-16 units, never cutting an entry in two
    (unless one entry alone is longer than a message). Entries are packed greedily in order,
    which for blocks of fixed order gives the fewest messages."""
    footer = render_footer(more, filtered)
    blocks = [render_header(entries, day), *(render_entry(e) for e in entries)]
    blocks += [footer] if footer else []
    messages: list[str] = []
    current, used = "", 0
    for block in blocks:
        # Blocks are whole elements, so visible lengths add up (+2 for the blank line).
        size = _units(block)
        if current and used + 2 + size <= limit:
            current, used = f"{current}\n\n{block}", used + 2 + size
            continue
        if current:
            messages.append(current)
        if size <= limit:
            current, used = block, size
        else:
            pieces = split_html(block, limit)
            messages.extend(pieces[:-1])
            current = pieces[-1] if pieces else ""
            used = _units(current)
    if current:
        messages.append(current)
    return messages


def render_empty(day: date | None = None) -> str:
    """The 'nothing new' note for chats that asked for one."""
    when = f" for {day:%a} {day.day} {day:%b}" if day else ""
    return f"<b>📰 Your news digest{escape(when)}</b>\nNothing new since the last digest."


def _units(html: str) -> int:
    # Telegram counts the visible text; measure that, not the markup.
    return utf16_len(visible_text(html))


class DigestHtml:
    """The digest scheduler's renderer: Telegram HTML, split under the message limit."""

    def digest(
        self, entries: Sequence[Entry], day: date | None, *, more: int = 0, filtered: int = 0
    ) -> list[str]:
        """The digest as Telegram messages."""
        return render_digest(entries, day=day, more=more, filtered=filtered)

    def empty(self, day: date | None) -> str:
        """The 'nothing new' note."""
        return render_empty(day)
