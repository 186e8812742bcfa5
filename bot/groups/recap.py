"""Recaps of a group's conversation: who said what, each point linked to its message. Pure.

The offline recap is extractive: messages are grouped into threads by their replies, each thread
is scored by how many replies it drew and how central its words are to the whole conversation,
and the best message of each of the top threads is quoted with its author. The LLM recap gets
the same messages as numbered lines and must cite them as `[#id]`; the citations become links.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import InputError
from bot.models import ChatMessage
from bot.summarise.offline import stopwords

MAX_POINT_CHARS = 220
MIN_WORDS = 4  # "ok", "lol", "+1 agreed" say nothing a recap needs
DEFAULT_POINTS = 6
SUPERGROUP_OFFSET = 1_000_000_000_000  # supergroup ids are -100<internal id>

_WORDS = re.compile(r"\w+", re.UNICODE)
_WINDOW = re.compile(r"^\s*(\d{1,4})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)\s*$", re.I)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}
_CITATION = re.compile(r"\[#(\d+)\]")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class RecapPoint:
    """One line of a recap: an attributed point and the message it comes from."""

    author: str
    text: str
    message_id: int
    replies: int = 0


def parse_window(text: str, *, longest: timedelta) -> timedelta:
    """'6h', '90m', '2d' → a timedelta; InputError for anything else or beyond `longest`."""
    match = _WINDOW.match(text)
    if not match:
        raise InputError(
            "Give the time to cover like 30m, 6h or 2d, or send /recap alone for everything "
            "since your last message."
        )
    amount, unit = int(match.group(1)), match.group(2)[0].lower()
    window = timedelta(seconds=amount * _UNIT_SECONDS[unit])
    if window <= timedelta(0):
        raise InputError("The time to cover must be more than zero, like 30m or 6h.")
    if window > longest:
        hours = int(longest.total_seconds() // 3600)
        raise InputError(f"I keep messages for {hours} hours, so a recap covers at most that.")
    return window


def newest(messages: Sequence[ChatMessage], limit: int) -> tuple[list[ChatMessage], int]:
    """At most `limit` of the newest messages, oldest first, and how many were left out."""
    ordered = sorted(messages, key=lambda m: (m.at, m.message_id))
    if len(ordered) <= limit:
        return ordered, 0
    return ordered[-limit:], len(ordered) - limit


def message_link(
    chat_id: int, message_id: int, *, username: str = "", thread_id: int | None = None
) -> str:
    """A t.me link to a message: public groups by username, supergroups by internal id."""
    if username:
        return f"https://t.me/{username}/{message_id}"
    if chat_id > -SUPERGROUP_OFFSET:
        return ""  # basic groups have no message links
    internal = -chat_id - SUPERGROUP_OFFSET
    if thread_id:
        return f"https://t.me/c/{internal}/{thread_id}/{message_id}"
    return f"https://t.me/c/{internal}/{message_id}"


def _words(text: str) -> list[str]:
    common = stopwords()
    return [w for w in (t.lower() for t in _WORDS.findall(text)) if w not in common and len(w) > 1]


def _threads(messages: Sequence[ChatMessage]) -> dict[int, list[ChatMessage]]:
    """Messages grouped under the root of their reply chain (a message with no reply is a root)."""
    by_id = {m.message_id: m for m in messages}
    roots: dict[int, int] = {}

    def root_of(message: ChatMessage) -> int:
        seen: list[int] = []
        current = message
        while current.reply_to is not None and current.reply_to in by_id:
            if current.message_id in roots:
                break
            seen.append(current.message_id)
            current = by_id[current.reply_to]
            if len(seen) > len(by_id):  # a cycle in the data; stop rather than loop
                break
        root = roots.get(current.message_id, current.message_id)
        for message_id in seen:
            roots[message_id] = root
        roots[current.message_id] = root
        return root

    threads: dict[int, list[ChatMessage]] = defaultdict(list)
    for message in messages:
        threads[root_of(message)].append(message)
    return threads


def offline_recap(
    messages: Sequence[ChatMessage], points: int = DEFAULT_POINTS
) -> list[RecapPoint]:
    """The most replied-to and most central messages, one per thread, attributed, in time order."""
    usable = [m for m in messages if len(_words(m.text)) >= MIN_WORDS or len(m.text.split()) >= 8]
    if not usable:
        return []
    bags = {m.message_id: Counter(_words(m.text)) for m in usable}
    frequency: Counter[str] = Counter()
    for bag in bags.values():
        frequency.update(bag.keys())
    total = len(bags)
    replies: Counter[int] = Counter(m.reply_to for m in messages if m.reply_to is not None)

    def centrality(message: ChatMessage) -> float:
        # Words that many other messages use carry the conversation's topics; a message made
        # of them is central. Normalised by length so long rants do not win by size alone.
        bag = bags[message.message_id]
        if not bag:
            return 0.0
        score = sum(math.log(1 + frequency[w]) * math.log(1 + total / frequency[w]) for w in bag)
        return score / math.sqrt(sum(bag.values()))

    chosen: list[tuple[float, ChatMessage, int]] = []
    for thread in _threads(usable).values():
        drew = sum(replies[m.message_id] for m in thread)
        best = max(
            thread, key=lambda m: (centrality(m) + 2.0 * replies[m.message_id], -m.message_id)
        )
        weight = centrality(best) + 1.5 * math.log(1 + drew) + 0.5 * math.log(len(thread))
        chosen.append((weight, best, drew))
    chosen.sort(key=lambda item: (-item[0], item[1].message_id))
    top = sorted(chosen[:points], key=lambda item: (item[1].at, item[1].message_id))
    return [
        RecapPoint(author=m.author, text=shorten(m.text), message_id=m.message_id, replies=drew)
        for _, m, drew in top
    ]


def shorten(text: str, limit: int = MAX_POINT_CHARS) -> str:
    """One line of at most `limit` characters, cut at a word boundary with an ellipsis."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"


def transcript(messages: Sequence[ChatMessage], char_limit: int = 600) -> str:
    """Numbered lines for the LLM: `[#id] Author (↪ #reply): text`."""
    lines = []
    for m in messages:
        reply = f" (↪ #{m.reply_to})" if m.reply_to is not None else ""
        lines.append(f"[#{m.message_id}] {m.author}{reply}: {shorten(m.text, char_limit)}")
    return "\n".join(lines)


def parse_llm_recap(text: str, messages: Sequence[ChatMessage]) -> list[RecapPoint]:
    """Bullets citing `[#id]` → points; a bullet citing no known message is dropped."""
    by_id = {m.message_id: m for m in messages}
    points: list[RecapPoint] = []
    for raw in text.splitlines():
        if not _BULLET.match(raw):
            continue
        cited = [int(n) for n in _CITATION.findall(raw) if int(n) in by_id]
        if not cited:
            continue
        body = _CITATION.sub("", _BULLET.sub("", raw)).strip(" -–—:")
        body = re.sub(r"\s{2,}", " ", body).strip()
        if body:
            source = by_id[cited[0]]
            points.append(
                RecapPoint(author=source.author, text=shorten(body), message_id=source.message_id)
            )
    return points


def chunks(messages: Sequence[ChatMessage], budget: int, count) -> list[list[ChatMessage]]:  # type: ignore[no-untyped-def]
    """Messages split into runs whose transcript fits `budget` tokens by `count(text)`."""
    parts: list[list[ChatMessage]] = []
    current: list[ChatMessage] = []
    used = 0
    for message in messages:
        size = count(transcript([message])) + 1
        if current and used + size > budget:
            parts.append(current)
            current, used = [], 0
        current.append(message)
        used += size
    if current:
        parts.append(current)
    return parts
