"""Telegram HTML for chat messages: escaping, LLM Markdown → HTML, splitting, summary layout.

Pure: strings and dataclasses in, strings out; no telegram or network imports. Everything that
did not come from this module (titles, LLM output, user text) is treated as untrusted and escaped.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.i18n import N_, N_plural, _, day_label, ngettext, number
from bot.ingest.text import first_words
from bot.models import Repair, Result

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units after entity parsing
MAX_CAPTION = 1024
SAFE_SCHEMES = frozenset({"http", "https", "tg", "mailto"})


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """HTML-escape untrusted text for Telegram (also safe inside double-quoted attributes)."""
    # Telegram understands only &lt; &gt; &amp; &quot; (plus numeric entities), so no &#x27;.
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def safe_href(url: str) -> str:
    """The URL if its scheme is one Telegram links safely (http/https/tg/mailto), else ""."""
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in SAFE_SCHEMES else ""


def link(url: str, label: str) -> str:
    """An <a> tag around escaped `label`, or just the escaped label when the URL is unsafe."""
    href = safe_href(url)
    if not href:
        return escape(label)
    return f'<a href="{escape(href)}">{escape(label)}</a>'


# --- Markdown → Telegram HTML -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML off: an LLM writing <b> or <script> gets it shown as text, never interpreted.
    return MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


_INLINE_TAGS = {
    "strong_open": "<b>",
    "strong_close": "</b>",
    "em_open": "<i>",
    "em_close": "</i>",
    "s_open": "<s>",
    "s_close": "</s>",
}


def _render_inline(children: list[Token], *, in_link: bool = False) -> str:
    out: list[str] = []
    link_stack: list[bool] = []
    for tok in children:
        kind = tok.type
        if kind == "text":
            out.append(escape(tok.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind in _INLINE_TAGS:
            out.append(_INLINE_TAGS[kind])
        elif kind == "code_inline":
            out.append(f"<code>{escape(tok.content)}</code>")
        elif kind == "link_open":
            href = safe_href(str(tok.attrs.get("href", "")))
            # Telegram rejects nested links; an unsafe scheme becomes plain text.
            opened = bool(href) and not in_link and not any(link_stack)
            link_stack.append(opened)
            if opened:
                out.append(f'<a href="{escape(href)}">')
        elif kind == "link_close":
            if link_stack and link_stack.pop():
                out.append("</a>")
        elif kind == "image":
            out.append(escape(tok.content or ""))
        else:  # html_inline (cannot occur with html off), entities already decoded, ...
            out.append(escape(tok.content))
    return "".join(out)


def markdown_to_html(markdown: str) -> str:
    """LLM Markdown (bullets, bold, italics, links, code) → Telegram HTML; everything escaped."""
    tokens = _markdown().parse(markdown)
    out: list[str] = []
    lists: list[list[object]] = []  # [kind, next number]
    quote_depth = 0
    at_start = True  # right after a bullet or an opening <blockquote>: no separator

    def separate() -> None:
        nonlocal at_start
        if out and not at_start:
            out.append("\n" if lists else "\n\n")
        at_start = False

    for tok in tokens:
        kind = tok.type
        if kind == "paragraph_open":
            if not tok.hidden:
                separate()
        elif kind == "inline":
            out.append(_render_inline(tok.children or []))
            at_start = False
        elif kind == "heading_open":
            separate()
            out.append("<b>")
        elif kind == "heading_close":
            out.append("</b>")
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrs.get("start", 1) or 1) if kind == "ordered_list_open" else 0
            if not lists:
                separate()
                at_start = True
            lists.append(["ol" if kind == "ordered_list_open" else "ul", start])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            if out and not at_start:
                out.append("\n")
            current = lists[-1]
            indent = "   " * (len(lists) - 1)
            if current[0] == "ol":
                out.append(f"{indent}{current[1]}. ")
                current[1] = int(current[1]) + 1  # type: ignore[call-overload]
            else:
                out.append(f"{indent}{'•' if len(lists) == 1 else '◦'} ")
            at_start = True
        elif kind == "blockquote_open":
            separate()
            # Telegram does not allow nested blockquotes; inner quotes merge into the outer one.
            if quote_depth == 0:
                out.append("<blockquote>")
            quote_depth += 1
            at_start = True
        elif kind == "blockquote_close":
            quote_depth -= 1
            if quote_depth == 0:
                out.append("</blockquote>")
            at_start = False
        elif kind in ("fence", "code_block"):
            separate()
            out.append(f"<pre>{escape(tok.content.rstrip(chr(10)))}</pre>")
        elif kind == "hr":
            separate()
            out.append("———")
        elif kind == "html_block":
            separate()
            out.append(escape(tok.content.rstrip("\n")))
    return "".join(out).strip()


# --- Splitting ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"<(?P<close>/)?(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>[^>]*)>"
    r"|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);"
    r"|.",
    re.DOTALL,
)
_SENTENCE_END = frozenset(".!?…")


@dataclass(slots=True)
class _Atom:
    raw: str
    char: str  # visible character ("" for tags)
    stack: tuple[tuple[str, str], ...]  # open tags (name, raw opening tag) BEFORE this atom


def _atoms(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    stack: tuple[tuple[str, str], ...] = ()
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        name = match.group("name")
        if name:
            atoms.append(_Atom(raw, "", stack))
            if match.group("close"):
                lowered = name.lower()
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i][0] == lowered:
                        stack = stack[:i]
                        break
            else:
                stack = (*stack, (name.lower(), raw))
        elif raw.startswith("&") and len(raw) > 1:
            atoms.append(_Atom(raw, _html.unescape(raw), stack))
        else:
            atoms.append(_Atom(raw, raw, stack))
    return atoms


def _break_score(atoms: list[_Atom], i: int) -> int:
    """How good a place it is to start a new part at atom i (higher is better)."""
    prev = atoms[i - 1].char if i > 0 else ""
    if not prev:
        return 0
    if prev == "\n":
        before = atoms[i - 2].char if i > 1 else ""
        return 4 if before == "\n" else 3
    if prev.isspace():
        before = atoms[i - 2].char if i > 1 else ""
        return 2 if before in _SENTENCE_END else 1
    return 0


def _render(atoms: list[_Atom], start: int, end: int) -> str:
    """Atoms[start:end] as valid HTML: tags open at `start` reopened, tags open at `end` closed."""
    # Trim whitespace at the cut: Telegram strips it anyway and it would count against the limit.
    while start < end and atoms[start].char.isspace():
        start += 1
    while end > start and atoms[end - 1].char.isspace():
        end -= 1
    if start >= end:
        return ""
    opening = "".join(raw for _name, raw in atoms[start].stack)
    body = "".join(atom.raw for atom in atoms[start:end])
    tail = atoms[end].stack if end < len(atoms) else ()
    # Tags opened and closed inside the part are balanced; only those still open at the end
    # (which include any reopened at the start) need closing, innermost first.
    closing = "".join(f"</{name}>" for name, _raw in reversed(tail))
    return opening + body + closing


def split_html(html: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split Telegram HTML into parts of at most `limit` visible UTF-16 units each.

    Cuts prefer paragraph breaks, then line breaks, then sentence ends, then spaces; a tag open
    across a cut is closed at the end of one part and reopened at the start of the next, so every
    part is valid on its own. Entities (&amp; ...) are never cut.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 (one astral character)")
    atoms = _atoms(html)
    parts: list[str] = []
    start = 0
    count = len(atoms)
    while start < count:
        # Skip leading whitespace so it does not eat into the budget.
        while start < count and atoms[start].char.isspace():
            start += 1
        if start >= count:
            break
        used = 0
        end = start
        best = [0] * 5  # latest cut position for each score, 0 = none
        while end < count:
            width = utf16_len(atoms[end].char) if atoms[end].char else 0
            if used + width > limit:
                break
            used += width
            end += 1
            if end < count:
                score = _break_score(atoms, end)
                if score:
                    best[score] = end
        if end >= count:
            cut = count
        else:
            cut = end
            # Take the best kind of boundary that still leaves the part at least half full
            # (a paragraph break near the start is worse than a sentence end near the limit).
            budget_floor = start + (end - start) // 2
            for score in (4, 3, 2, 1):
                if best[score] > budget_floor:
                    cut = best[score]
                    break
            else:
                for score in (4, 3, 2, 1):
                    if best[score] > start:
                        cut = best[score]
                        break
        part = _render(atoms, start, cut)
        if part and _visible(part).strip():
            parts.append(part)
        start = cut
    return parts


def _visible(html: str) -> str:
    return "".join(atom.char for atom in _atoms(html))


def visible_text(html: str) -> str:
    """The text Telegram would show for `html` (tags dropped, entities decoded)."""
    return _visible(html)


# --- Message layouts ----------------------------------------------------------------------------


def format_heading(
    name: str, when: datetime | None, post_url: str = "", *, kind: str = "Post"
) -> str:
    """ "Post from ‹channel› · ‹date›" for an untitled forwarded post (HTML, linked when public)."""
    label = link(post_url, name) if post_url else escape(name)
    date = f" · {day_label(when.date(), weekday=False)}" if when is not None else ""
    template = _("Message from {source}") if kind == "Message" else _("Post from {source}")
    return template.format(source=label) + escape(date)


def format_origin(
    *,
    channel_title: str = "",
    post_url: str = "",
    user_name: str = "",
    hidden_name: str = "",
    chat_title: str = "",
) -> str:
    """One HTML line naming where a forwarded post came from (channel, user, hidden user, group)."""
    forwarded = _("Forwarded from {source}")
    if channel_title or post_url:
        label = channel_title or _("a channel")
        if post_url:
            return forwarded.format(source=link(post_url, label))
        return forwarded.format(source=f"<b>{escape(label)}</b>")
    if user_name:
        return forwarded.format(source=f"<b>{escape(user_name)}</b>")
    if hidden_name:
        return _("Forwarded from {source} (hidden account)").format(
            source=f"<b>{escape(hidden_name)}</b>"
        )
    if chat_title:
        return forwarded.format(source=f"<b>{escape(chat_title)}</b>")
    return ""


# Reader-facing lines around a summary (kept together for the translation catalogues).
FALLBACK_MARK = N_("AI summary unavailable right now — key sentences from the article")
OFFLINE_FOOTER = N_("Key sentences quoted from the article.")
UNTITLED = N_("Article")


def summary_title(result: Result) -> str:
    """The plain-text title of a result: the article's, its site, its link, or its first words."""
    doc = result.document
    return (
        doc.title.strip()
        or doc.site.strip()
        or doc.url
        or (first_words(doc.text) if doc.text.strip() else "")
        or _(UNTITLED)
    )


def source_url(result: Result) -> str:
    """Where the article came from, when that is a web link ("" for pasted text and files)."""
    doc = result.document
    return doc.url or (doc.source if doc.source.startswith(("http://", "https://")) else "")


def title_html(result: Result) -> str:
    """The bold title, linked to the source when there is one."""
    url = source_url(result)
    title = summary_title(result)
    return f"<b>{link(url, title)}</b>" if url else f"<b>{escape(title)}</b>"


def format_summary(result: Result, *, origin: str = "", heading: str = "") -> str:
    """Title linked to the source, optional origin line (trusted HTML), then the key statements.

    `heading` (trusted HTML, e.g. "Post from ‹channel› · ‹date›") stands in for the title of an
    untitled forwarded post, and then says all the origin line would.
    """
    doc = result.document
    if heading and not doc.title.strip():
        lines = [f"<b>{heading}</b>"]
    else:
        lines = [title_html(result)]
        meta = " · ".join(part for part in (doc.site.strip(), doc.date.strip()) if part)
        if meta:
            lines.append(f"<i>{escape(meta)}</i>")
        if origin:
            lines.append(origin)
    blocks = ["\n".join(lines)]
    if result.is_fallback:
        blocks.append(f"<i>{escape(_(FALLBACK_MARK))}</i>")
    summary = result.summary
    if summary is not None and summary.text.strip():
        blocks.append(markdown_to_html(summary.text))
    notes = list(result.warnings)
    if summary is not None and summary.note and summary.note not in notes:
        notes.append(summary.note)
    if result.summary_kind == "requested":
        notes.append(OFFLINE_FOOTER)
    for note in dict.fromkeys(notes):  # the pipeline repeats the summary's note as a warning
        # Notes from the pipeline are English msgids; a catalogue that has them translates them.
        blocks.append(f"<i>{escape(_(note))}</i>")
    return "\n\n".join(blocks)


# --- /clean ---------------------------------------------------------------------------------------

# Repair kinds in a reader's words: (one, several); kinds sharing a label are counted together.
# Each pair is an ngettext msgid ("{n} synonym", "{n} synonyms") translated where it is counted.
REPAIR_LABELS: dict[str, tuple[str, str]] = {
    "spinner": N_plural("{n} synonym", "{n} synonyms"),
    "casing": N_plural("{n} capitalisation", "{n} capitalisation"),
    "acronym": N_plural("{n} acronym", "{n} acronyms"),
    "boilerplate": N_plural("{n} clutter", "{n} clutter"),
    "unicode": N_plural("{n} character", "{n} characters"),
    "spacing": N_plural("{n} spacing", "{n} spacing"),
    "whitespace": N_plural("{n} spacing", "{n} spacing"),
}
# Which kinds say most about what a content farm did, when they are equally frequent.
_TELLING_ORDER = ("spinner", "casing", "acronym", "boilerplate", "unicode", "spacing", "whitespace")
NO_FIXES = N_("✏️ No fixes were needed.")
EXAMPLE_CHARS = 60


def plural(count: int, one: str, several: str) -> str:
    """ "1 fix", "2 fixes" in the current language: `one`/`several` are an ngettext msgid pair
    with a {n} placeholder (numbers grouped the language's way)."""
    return ngettext(one, several, count).format(n=number(count))


def _label(kind: str) -> tuple[str, str]:
    return REPAIR_LABELS.get(kind, ("{n} " + kind, "{n} " + kind))


_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def is_invisible(repair: Repair) -> bool:
    """A repair a reader cannot see: only spaces, line breaks or format characters changed."""
    changed = repair.before + repair.after
    return all(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in changed)


def fixes_headline(repairs: Sequence[Repair]) -> str:
    """ "✏️ 92 fixes: 41 synonyms, 41 capitalisation, 6 acronyms, 2 clutter" (largest first)."""
    if not repairs:
        return _(NO_FIXES)
    counts: dict[tuple[str, str], int] = {}
    first_kind: dict[tuple[str, str], int] = {}
    for repair in repairs:
        label = _label(repair.kind)
        counts[label] = counts.get(label, 0) + 1
        rank = _TELLING_ORDER.index(repair.kind) if repair.kind in _TELLING_ORDER else 99
        first_kind[label] = min(first_kind.get(label, 99), rank)
    ordered = sorted(counts, key=lambda label: (-counts[label], first_kind[label]))
    parts = ", ".join(plural(counts[label], *label) for label in ordered)
    return f"✏️ {plural(len(repairs), '{n} fix', '{n} fixes')}: {parts}"


@dataclass(frozen=True, slots=True)
class Example:
    """One distinct visible repair, how often it was made, and where first."""

    repair: Repair
    count: int


def telling_examples(repairs: Sequence[Repair], limit: int = 5) -> list[Example]:
    """The `limit` most telling visible repairs, in text order.

    Identical repairs count as one example (×n). Kinds take turns, the most frequent kind first,
    so that five capitalisations do not hide the synonyms; within a kind the most repeated and
    then the earliest repair comes first.
    """
    groups: dict[tuple[str, str, str], list[Repair]] = {}
    for repair in sorted(repairs, key=lambda r: r.start):
        if is_invisible(repair):
            continue
        groups.setdefault((repair.kind, repair.before, repair.after), []).append(repair)
    by_kind: dict[str, list[Example]] = {}
    for (kind, _before, _after), found in groups.items():
        by_kind.setdefault(kind, []).append(Example(found[0], len(found)))
    for examples in by_kind.values():
        examples.sort(key=lambda e: (-e.count, e.repair.start))

    def kind_rank(kind: str) -> tuple[int, int]:
        total = sum(e.count for e in by_kind[kind])
        return (-total, _TELLING_ORDER.index(kind) if kind in _TELLING_ORDER else 99)

    queues = [by_kind[kind] for kind in sorted(by_kind, key=kind_rank)]
    chosen: list[Example] = []
    depth = 0
    while len(chosen) < limit and any(len(q) > depth for q in queues):
        for queue in queues:
            if depth < len(queue) and len(chosen) < limit:
                chosen.append(queue[depth])
        depth += 1
    return sorted(chosen, key=lambda e: e.repair.start)


_SPACE_NAMES = {
    " ": N_("space"),
    "\n": N_("line break"),
    "\t": N_("tab"),
    "\u00a0": N_("no-break space"),
}


def _quoted(text: str, limit: int = EXAMPLE_CHARS) -> str:
    if text and all(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in text):
        # Only spaces or format characters: name them, or the line would show nothing.
        names = [
            _(_SPACE_NAMES[ch]) if ch in _SPACE_NAMES else f"U+{ord(ch):04X}" for ch in text[:3]
        ]
        return f"[{' '.join(names)}{' …' if len(text) > 3 else ''}]"
    shown = " ".join(text.split())
    return f"“{shown[:limit]}{'…' if len(shown) > limit else ''}”"


def example_text(repair: Repair, count: int = 1) -> str:
    """One repair in plain words: “before” → “after”, removed “…”, or added “…” (× n)."""
    if not repair.before:
        change = _("added {text}").format(text=_quoted(repair.after))
    elif not repair.after:
        change = _("removed {text}").format(text=_quoted(repair.before))
    else:
        change = f"{_quoted(repair.before)} → {_quoted(repair.after)}"
    return f"{change} ×{count}" if count > 1 else change


def format_fixes(result: Result, *, examples: int = 5) -> str:
    """The fixes headline and the most telling examples, as HTML lines."""
    repairs = result.clean.repairs if result.clean else ()
    lines = [escape(fixes_headline(repairs))]
    for example in telling_examples(repairs, examples):
        lines.append(f"• {escape(example_text(example.repair, example.count))}")
    return "\n".join(lines)


def format_clean(result: Result, *, with_text: bool = True) -> str:
    """/clean's reply: the title linked to the source, the fixes, then the cleaned text."""
    blocks = [title_html(result), format_fixes(result)]
    if with_text:
        blocks.append(escape(result.document.text))
    return "\n\n".join(blocks)


def fixes_list(result: Result) -> str:
    """Every repair in text order, invisible ones by name, as plain text for a file."""
    repairs = sorted(result.clean.repairs if result.clean else (), key=lambda r: r.start)
    lines = [summary_title(result)]
    if source_url(result):
        lines.append(source_url(result))
    lines += ["", fixes_headline(repairs).removeprefix("✏️ "), ""]
    for repair in repairs:
        label = plural(1, *_label(repair.kind)).removeprefix("1").strip()
        at = _("(at character {n})").format(n=number(repair.start))
        lines.append(f"{label}\t{example_text(repair)}\t{at}")
    return "\n".join(lines) + "\n"
