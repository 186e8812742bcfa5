"""A local fake Telegram Bot API server that speaks the real wire format and rejects what Telegram
rejects, so the real python-telegram-bot Application can be tested offline.

    with FakeBotAPI() as tg:
        settings = Settings(telegram_bot_token=tg.token, telegram_api_url=tg.api_url, ...)
        tg.push_message(chat_id=42, text="https://example.org/a")
        message = await tg.wait_for("sendMessage", chat_id=42)

Wire format: POST `/bot<token>/<method>` with form-encoded (or multipart, for files) bodies where
nested objects are JSON strings; answers `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": N, "description": "...", "parameters": {...}}`.
Files: `push_document()` delivers a message with a `document`; `getFile` answers
`{file_id, file_unique_id, file_size, file_path}` (refusing files over 20 MB: "Bad Request: file is
too big") and the bytes are then served at `GET /file/bot<token>/<file_path>`, only for paths that
getFile handed out, as Telegram does.
Rejected like Telegram: unparsable HTML (unknown/unclosed/misnested tags, bad attributes), text
over 4,096 UTF-16 units after entity parsing (captions over 1,024), empty text, unknown chats,
chats that blocked the bot (403), groups upgraded to supergroups (400 + migrate_to_chat_id),
edits that change nothing (400 "message is not modified": same text, entities and keyboard),
sends and edits over the flood limits (429 + retry_after; see `FloodModel`: 30 in any rolling
second overall, 3 in any rolling 3 s per chat, 20 in any rolling minute per group or channel,
repeated violations earning growing retry_after), and an empty chat_id ("chat_id is empty").
A request whose body ends before its Content-Length (the client hung up mid-request) is not
dispatched, as on a real server, but recorded as an error (status 499, CUT_OFF).
`@username` as chat_id resolves only public channels and supergroups (never users), and
getChatMember about other users fails in a channel where the bot is not an administrator.
Forum topics: `forum()` makes a supergroup with `is_forum`, `create_topic()` (or the bot's
createForumTopic) opens a topic whose id is its creation message's id, `push_message(...,
thread_id=N)` posts in it (`message_thread_id`, `is_topic_message`); sendMessage, sendDocument and
sendChatAction with a `message_thread_id` of a deleted topic (or in a chat without topics) answer
"Bad Request: message thread not found", of a closed one "Bad Request: TOPIC_CLOSED".
Inline mode: `push_inline_query()` delivers an inline query; answerInlineQuery checks the results
(at most 50, unique ids, article titles, the message text's HTML and length) and is refused for
unknown, already answered or expired (10 s) queries, as Telegram does.
"""

from __future__ import annotations

import asyncio
import collections
import email.parser
import email.policy
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import parse_qsl, unquote

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
BOT_ID = 123456789
BOT_USERNAME = "newsfix_test_bot"

# Methods that put a message into a chat (flood-limited), and those that edit one.
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)
EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files: bots download at most 20 MB
CUT_OFF = "client closed the connection mid-request"  # recorded with status 499
DOWNLOAD = "download"  # the method name recorded for GET /file/bot<token>/<file_path>


def utf16_len(text: str) -> int:
    """Telegram's length unit."""
    return len(text.encode("utf-16-le")) // 2


# --- Telegram HTML ------------------------------------------------------------------------------


class HTMLError(ValueError):
    """Telegram's "can't parse entities" error."""


_ALLOWED = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(r"\s*([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")


def _decode(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _NAMED:
            return _NAMED[name]
        code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise HTMLError(f"Invalid numeric entity {match.group(0)}")
        return chr(code)

    return _ENTITY.sub(one, text)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode → (text, entities); raises HTMLError where Telegram would."""
    out: list[str] = []
    length = 0  # UTF-16 units written so far
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            end = source.find(">", i)
            if end < 0:
                raise HTMLError(f"Unclosed start tag at byte offset {i}")
            inner = source[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise HTMLError(f'Unexpected end tag "{name}" at byte offset {i}')
                top = stack.pop()
                if top["tag"] != name:
                    raise HTMLError(
                        f'Can\'t find end tag corresponding to start tag "{top["tag"]}"'
                    )
                entity = top["entity"]
                entity["length"] = length - entity["offset"]
                if entity["length"] > 0:
                    entities.append(entity)
            else:
                match = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", inner)
                if not match:
                    raise HTMLError(f"Unsupported start tag at byte offset {i}")
                name = match.group(1).lower()
                if name not in _ALLOWED:
                    raise HTMLError(f'Unsupported start tag "{name}" at byte offset {i}')
                attrs = _parse_attrs(inner[match.end() :], name, i)
                entity = _entity_for(name, attrs, stack, i)
                entity["offset"] = length
                stack.append({"tag": name, "entity": entity})
            i = end + 1
            continue
        if ch == "&":
            match = _ENTITY.match(source, i)
            if match:
                decoded = _decode(match.group(0))
                out.append(decoded)
                length += utf16_len(decoded)
                i = match.end()
                continue
        if ch == ">":
            # Telegram tolerates a bare ">" but our formatter never emits one; be strict.
            raise HTMLError(f"Unexpected > at byte offset {i}")
        out.append(ch)
        length += utf16_len(ch)
        i += 1
    if stack:
        raise HTMLError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _parse_attrs(text: str, tag: str, offset: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    rest = text.strip()
    while rest:
        match = _ATTR.match(rest)
        if not match or match.end() == 0:
            raise HTMLError(f'Invalid attributes of tag "{tag}" at byte offset {offset}')
        value = match.group(2) or ""
        if value[:1] in "\"'":
            value = value[1:-1]
        if "<" in value:
            raise HTMLError(f"Unexpected < in attribute at byte offset {offset}")
        attrs[match.group(1).lower()] = _decode(value)
        rest = rest[match.end() :].strip()
    return attrs


def _entity_for(
    name: str, attrs: dict[str, str], stack: list[dict[str, Any]], offset: int
) -> dict[str, Any]:
    open_tags = {item["tag"] for item in stack}
    if open_tags & {"pre", "code"} and not (name == "code" and open_tags == {"pre"}):
        raise HTMLError(f'Tag "{name}" can\'t be nested in a code or pre entity')
    kind = _ALLOWED[name]
    entity: dict[str, Any] = {"type": kind}
    if name == "a":
        if "a" in open_tags:
            raise HTMLError("Nested links are not allowed")
        href = attrs.get("href", "")
        if not href:
            raise HTMLError(f"Tag a at byte offset {offset} has no href")
        if not re.match(r"^(https?|tg|mailto|ftp)://|^(tg|mailto):", href, re.IGNORECASE):
            raise HTMLError(f'Wrong HTTP URL "{href}"')
        entity["url"] = href
    elif name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise HTMLError('Tag "span" must have class "tg-spoiler"')
    elif name == "blockquote":
        if "blockquote" in open_tags:
            raise HTMLError("Blockquotes can't be nested")
        # Stricter than Telegram, which ignores unknown attributes: the only one our formatter
        # may write is a bare `expandable` (a typo would silently give a plain quote).
        if set(attrs) - {"expandable"} or attrs.get("expandable", ""):
            raise HTMLError(f'Invalid attributes of tag "blockquote" at byte offset {offset}')
        if "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        if not attrs.get("emoji-id", "").isdigit():
            raise HTMLError("Custom emoji identifier must be specified")
    elif attrs and name not in ("code", "pre"):
        raise HTMLError(f'Tag "{name}" must not have attributes')
    return entity


# --- auto-detected entities in incoming messages ------------------------------------------------

_AUTO = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<url>(?:https?://)[^\s<>\"]+[^\s<>\".,;:!?)\]'])"
    r"|(?P<mention>(?<!\w)@[A-Za-z0-9_]{3,32})"
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients attach: bot_command, url, mention (UTF-16 offsets)."""
    entities = []
    for match in _AUTO.finditer(text):
        kind = match.lastgroup or "url"
        if kind == "bot_command" and match.start() != 0:
            continue
        entities.append(
            {
                "type": kind,
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities


# --- the server ---------------------------------------------------------------------------------


@dataclass
class Call:
    """One API request as the bot sent it, and what the fake answered."""

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None
    description: str = ""
    at: float = 0.0  # time.monotonic() when it arrived
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the fake answered 200."""
        return self.status == 200


@dataclass
class _Hold:
    """A call kept unanswered until `release` is set (or `timeout` passes)."""

    on_arrival: Callable[[], None] | None
    timeout: float
    release: threading.Event = field(default_factory=threading.Event)


class APIError(Exception):
    """An error answer: HTTP status, Telegram's description and optional parameters."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters or {}


class _Rolling:
    """At most `limit` accepted requests in any rolling window of `seconds` (strict: counted
    over (now - seconds, now], so a burst never gets more than `limit` through)."""

    def __init__(self, limit: float, seconds: float) -> None:
        self.limit = int(limit)
        self.seconds = seconds
        self.stamps: collections.deque[float] = collections.deque()

    def wait(self, now: float) -> float:
        """0 if one more request fits now, else seconds until the oldest one leaves the window."""
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return 0.0
        return self.stamps[0] + self.seconds - now

    def add(self, now: float) -> None:
        self.stamps.append(now)


@dataclass
class _Strikes:
    """A key's flood penalty: refused until `until`; each violation within `cooldown` of the
    previous one doubles the next retry_after."""

    until: float = 0.0
    count: int = 0
    last: float = -math.inf
    base: int = 1  # the first retry_after of this series of violations


class FloodModel:
    """Telegram's flood limits as the fake enforces them, with rolling windows:

    - overall: at most 30 flood-limited requests in any rolling second;
    - per chat (any type): at most 3 in any rolling 3 s — "about one message per second to a
      chat, short bursts allowed"; Telegram does not publish its exact per-chat rule, and this
      one refuses both a burst of 4 and a sustained rate above 1/s;
    - per group, supergroup or channel: at most 20 in any rolling minute.

    Flood-limited requests: new messages (sendMessage, sendDocument, ...) and edits. A refused
    request does not count. A violation answers 429 with retry_after (whole seconds, at least
    1: the time until the window has room) and puts the violated key (everyone, for the overall
    limit) under a penalty until then; requests to it during the penalty are violations too.
    Each further violation within `cooldown` seconds of the previous one doubles retry_after
    (1, 2, 4, ... times the first; capped), as Telegram's grow for a bot that ignores them.
    """

    def __init__(
        self,
        overall: tuple[float, float] = (30, 1.0),
        group: tuple[float, float] = (20, 60.0),
        chat: tuple[float, float] = (3, 3.0),
        *,
        cooldown: float = 60.0,
        max_retry_after: int = 120,
    ) -> None:
        self._limits = {"overall": overall, "chat": chat, "group": group}
        self._windows: dict[tuple[str, int], _Rolling] = {}
        self._strikes: dict[tuple[str, int], _Strikes] = {}
        self.cooldown = cooldown
        self.max_retry_after = max_retry_after
        self.violations: list[tuple[float, str, int, int]] = []  # (at, kind, chat, retry_after)

    def _window(self, key: tuple[str, int]) -> _Rolling:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Rolling(*self._limits[key[0]])
        return window

    def check(self, chat: ChatInfo, now: float) -> int | None:
        """None when the request is accepted (and counted), else the retry_after to answer."""
        keys = [("overall", 0), ("chat", chat.id)]
        if chat.type in ("group", "supergroup", "channel"):
            keys.append(("group", chat.id))
        for key in keys:
            strikes = self._strikes.get(key)
            if strikes is not None and now < strikes.until:
                return self._violate(key, chat.id, strikes.until - now, now)
        for key in keys:
            wait = self._window(key).wait(now)
            if wait > 0:
                return self._violate(key, chat.id, wait, now)
        for key in keys:
            self._window(key).add(now)
        return None

    def _violate(self, key: tuple[str, int], chat_id: int, wait: float, now: float) -> int:
        strikes = self._strikes.setdefault(key, _Strikes())
        if now - strikes.last > self.cooldown:
            strikes.count = 0
            strikes.base = max(1, math.ceil(wait))
        strikes.count += 1
        strikes.last = now
        retry = min(self.max_retry_after, strikes.base * 2 ** (strikes.count - 1))
        strikes.until = max(strikes.until, now + retry)
        self.violations.append((now, key[0], chat_id, retry))
        return retry


@dataclass
class ChatInfo:
    """A chat the fake knows (from pushed updates or `chat()`)."""

    id: int
    type: str = "private"
    title: str = ""
    username: str = ""
    first_name: str = ""
    is_forum: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The Chat object as Telegram sends it."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.is_forum:
            data["is_forum"] = True
        if self.type == "private":
            data["first_name"] = self.first_name or f"User{self.id}"
        else:
            data["title"] = self.title or f"Chat {self.id}"
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class StoredFile:
    """A file on Telegram's servers: uploaded by a user or sent by the bot."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str = ""
    file_path: str = ""  # assigned by the first getFile, like Telegram's download path

    def as_file(self) -> dict[str, Any]:
        """The File object getFile answers."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


class FakeBotAPI:
    """In-process fake Bot API (threaded HTTP server on 127.0.0.1, random port)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = BOT_USERNAME,
        can_read_all_group_messages: bool = False,
        flood_overall: tuple[float, float] = (30, 1.0),
        flood_group: tuple[float, float] = (20, 60.0),
        flood_chat: tuple[float, float] = (3, 3.0),
        latency: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # `clock` drives the flood windows (and Call.at): a test can freeze it to check limits
        # exactly, however slowly a loaded machine delivers the requests.
        self._clock = clock
        self.token = token
        self.username = username
        self.can_read_all_group_messages = can_read_all_group_messages
        self.latency = latency
        self.calls: list[Call] = []
        self.commands: list[dict[str, str]] = []
        self.webhook: dict[str, Any] = {}
        self.flood = FloodModel(flood_overall, flood_group, flood_chat)
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._chats: dict[int, ChatInfo] = {}
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._failures: dict[str, list[APIError]] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._path_numbers = itertools.count(0)
        self._paths: dict[str, StoredFile] = {}  # file_path → file, once getFile handed it out
        self._holds: dict[str, _Hold] = {}
        self._drops: dict[str, int] = {}
        self._topics: dict[tuple[int, int], str] = {}  # (chat, thread) → "open" | "closed"
        self._inline: dict[str, float] = {}  # query id → when it arrived (unanswered)
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.inline_timeout = 10.0  # Telegram drops answers later than this
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeBotAPI:
        """Listen on a random loopback port in a daemon thread."""
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, wake long polls and answer held calls."""
        with self._cond:
            self._cond.notify_all()
            for hold in self._holds.values():
                hold.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        """What TELEGRAM_API_URL should be (the bot appends /bot<token>/<method>)."""
        if self._server is None:
            raise RuntimeError("FakeBotAPI is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- chats and users -------------------------------------------------------------------
    def chat(
        self, chat_id: int, type: str | None = None, *, title: str = "", username: str = ""
    ) -> ChatInfo:
        """Register (or fetch) a chat; the type defaults from the id's sign."""
        with self._cond:
            info = self._chats.get(chat_id)
            if info is None:
                kind = type or ("private" if chat_id > 0 else "group")
                info = ChatInfo(chat_id, kind, title, username)
                self._chats[chat_id] = info
            else:
                if type:
                    info.type = type
                if title:
                    info.title = title
                if username:
                    info.username = username
            return info

    def forum(self, chat_id: int, *, title: str = "", username: str = "") -> ChatInfo:
        """Register a supergroup with topics enabled."""
        info = self.chat(chat_id, "supergroup", title=title, username=username)
        with self._cond:
            info.is_forum = True
        return info

    def create_topic(self, chat_id: int, name: str = "Topic") -> int:
        """Open a forum topic; its thread id is the id of its creation service message."""
        chat = self.chat(chat_id)
        if not chat.is_forum:
            raise APIError(400, "Bad Request: the chat is not a forum")
        with self._cond:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            thread_id = next(counter)
            self._messages[(chat_id, thread_id)] = {
                "message_id": thread_id,
                "date": int(time.time()),
                "chat": chat.as_dict(),
                "message_thread_id": thread_id,
                "is_topic_message": True,
                "forum_topic_created": {"name": name, "icon_color": 7322096},
            }
            self._topics[(chat_id, thread_id)] = "open"
        return thread_id

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        """Close a topic: the bot's sends there answer TOPIC_CLOSED."""
        with self._cond:
            self._topics[(chat_id, thread_id)] = "closed"

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a topic: sends there answer "message thread not found"."""
        with self._cond:
            self._topics.pop((chat_id, thread_id), None)

    def block(self, chat_id: int) -> None:
        """The user blocks the bot / the bot is kicked: sends answer 403 from now on."""
        with self._cond:
            self._blocked.add(chat_id)

    def migrate(self, old_id: int, new_id: int) -> None:
        """Upgrade a group to a supergroup: sends to the old id answer 400 + migrate_to_chat_id."""
        with self._cond:
            self._migrated[old_id] = new_id
            old = self._chats.get(old_id)
            self._chats[new_id] = ChatInfo(
                new_id, "supergroup", old.title if old else "", old.username if old else ""
            )

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers: creator | administrator | member | left | kicked."""
        with self._cond:
            self._members[(chat_id, user_id)] = status

    def fail_next(
        self, method: str, code: int, description: str, *, retry_after: int | None = None
    ) -> None:
        """Answer the next call of `method` with an error (e.g. a 429 with retry_after)."""
        params = {"retry_after": retry_after} if retry_after is not None else None
        with self._cond:
            self._failures.setdefault(method, []).append(APIError(code, description, params))

    def drop_after_next(self, method: str, times: int = 1) -> None:
        """Carry out the next `times` calls of `method`, then close the connection without an
        answer: Telegram accepted the message, the bot never hears so."""
        with self._cond:
            self._drops[method] = self._drops.get(method, 0) + times

    def _take_drop(self, method: str) -> bool:
        with self._cond:
            left = self._drops.get(method, 0)
            if left:
                self._drops[method] = left - 1
            return bool(left)

    def hold(
        self,
        method: str,
        on_arrival: Callable[[], None] | None = None,
        *,
        timeout: float = 30.0,
    ) -> threading.Event:
        """Keep the next call of `method` unanswered until the returned event is set.

        `on_arrival` runs in the server thread as soon as that call arrives, while the bot waits
        for the answer: e.g. a SIGTERM in the middle of setWebhook, every time, not 1 run in 8.
        """
        hold = _Hold(on_arrival, timeout)
        with self._cond:
            self._holds[method] = hold
        return hold.release

    # -- files -----------------------------------------------------------------------------
    def add_file(self, data: bytes, file_name: str, mime_type: str = "") -> dict[str, Any]:
        """Store a file as a user's upload; returns the Document object a message carries."""
        stored = self._store_file(data, file_name)
        document: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "file_size": len(stored.data),
        }
        if mime_type:
            document["mime_type"] = mime_type
        return document

    def _store_file(self, data: bytes, file_name: str) -> StoredFile:
        with self._cond:
            number = next(self._file_ids)
            # Opaque like Telegram's ids; file_unique_id is shorter and stable across bots.
            stored = StoredFile(
                f"BQACAgIAAxkBAAIB{number:06d}ZmFrZQ", f"AgAD{number:06d}", bytes(data), file_name
            )
            self._files[stored.file_id] = stored
        return stored

    def downloads(self) -> list[Call]:
        """Successful file downloads (GET /file/bot<token>/<file_path>)."""
        return [c for c in self.calls_to(DOWNLOAD) if c.ok]

    # -- injecting updates -----------------------------------------------------------------
    def _user(self, user_id: int, first_name: str = "", username: str = "") -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or f"User{user_id}",
        }
        if username:
            data["username"] = username
        return data

    def bot_user(self) -> dict[str, Any]:
        """The bot itself as a User object."""
        return {"id": BOT_ID, "is_bot": True, "first_name": "NewsFix", "username": self.username}

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (an update_id is assigned); returns it."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def make_message(
        self,
        chat_id: int,
        text: str = "",
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        chat_title: str = "",
        chat_username: str = "",
        first_name: str = "",
        entities: list[dict[str, Any]] | None = None,
        forward_origin: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | int | None = None,
        caption: str = "",
        extra: dict[str, Any] | None = None,
        thread_id: int | None = None,
        last_name: str = "",
    ) -> dict[str, Any]:
        """A Message object as Telegram would deliver it (entities auto-detected); `thread_id`
        posts it in that forum topic."""
        chat = self.chat(chat_id, chat_type, title=chat_title, username=chat_username)
        with self._cond:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            message_id = next(counter)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.as_dict(),
        }
        if chat.type != "channel":
            uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 1000)
            message["from"] = self._user(uid, first_name)
            if last_name:
                message["from"]["last_name"] = last_name
        else:
            message["sender_chat"] = chat.as_dict()
        if text:
            message["text"] = text
            found = detect_entities(text) if entities is None else entities
            if found:
                message["entities"] = found
        if caption:
            message["caption"] = caption
            message["caption_entities"] = detect_entities(caption)
        if forward_origin is not None:
            message["forward_origin"] = forward_origin
        if thread_id is not None:
            if (chat_id, thread_id) not in self._topics:
                raise ValueError(f"no open topic {thread_id} in chat {chat_id}")
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply_to is not None:
            if isinstance(reply_to, int):
                reply_to = self._messages.get((chat_id, reply_to)) or {
                    "message_id": reply_to,
                    "date": int(time.time()),
                    "chat": chat.as_dict(),
                }
            message["reply_to_message"] = reply_to
        if extra:
            message.update(extra)
        with self._cond:
            self._messages[(chat_id, message_id)] = message
        return message

    def push_message(self, chat_id: int, text: str = "", **kwargs: Any) -> dict[str, Any]:
        """A user writes in a chat; returns the Message object."""
        message = self.make_message(chat_id, text, **kwargs)
        self.push_update({"message": message})
        return message

    def push_document(
        self,
        chat_id: int,
        data: bytes,
        file_name: str,
        *,
        mime_type: str = "",
        caption: str = "",
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A user sends a file (as a document) in a chat; returns the Message object."""
        extra = {**kwargs.pop("extra", {}), "document": self.add_file(data, file_name, mime_type)}
        return self.push_message(chat_id, caption=caption, extra=extra, **kwargs)

    def push_channel_post(self, chat_id: int, text: str = "", **kwargs: Any) -> dict[str, Any]:
        """A post appears in a channel (the bot is an admin there)."""
        kwargs.setdefault("chat_type", "channel")
        message = self.make_message(chat_id, text, **kwargs)
        self.push_update({"channel_post": message})
        return message

    def push_callback(
        self, chat_id: int, user_id: int, message_id: int, data: str
    ) -> dict[str, Any]:
        """A user presses an inline keyboard button under one of the bot's messages."""
        message = self._messages.get((chat_id, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chat(chat_id).as_dict(),
        }
        query = {
            "id": str(next(self._update_ids) * 7919),
            "from": self._user(user_id),
            "chat_instance": str(chat_id),
            "message": message,
            "data": data,
        }
        self.push_update({"callback_query": query})
        return query

    def push_my_chat_member(
        self, chat_id: int, new_status: str, *, old_status: str = "left", user_id: int = 1000
    ) -> dict[str, Any]:
        """The bot's own membership changed (added, promoted, removed)."""
        chat = self.chat(chat_id)
        payload = {
            "chat": chat.as_dict(),
            "from": self._user(user_id),
            "date": int(time.time()),
            "old_chat_member": {"user": self.bot_user(), "status": old_status},
            "new_chat_member": _member(self.bot_user(), new_status),
        }
        return self.push_update({"my_chat_member": payload})

    def push_inline_query(
        self, user_id: int, query: str, *, first_name: str = "", chat_type: str = "sender"
    ) -> dict[str, Any]:
        """A user types `@bot query` in any chat; returns the InlineQuery object."""
        with self._cond:
            query_id = str(next(self._update_ids) * 104729)
            self._inline[query_id] = self._clock()
        inline = {
            "id": query_id,
            "from": self._user(user_id, first_name),
            "query": query,
            "offset": "",
            "chat_type": chat_type,
        }
        self.push_update({"inline_query": inline})
        return inline

    @staticmethod
    def origin_channel(
        chat_id: int, title: str, message_id: int, username: str = ""
    ) -> dict[str, Any]:
        """forward_origin of a post forwarded from a channel."""
        chat: dict[str, Any] = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
        return {
            "type": "channel",
            "date": int(time.time()) - 60,
            "chat": chat,
            "message_id": message_id,
        }

    def origin_user(self, user_id: int, first_name: str, username: str = "") -> dict[str, Any]:
        """forward_origin of a message forwarded from a user who allows linking."""
        return {
            "type": "user",
            "date": int(time.time()) - 60,
            "sender_user": self._user(user_id, first_name, username),
        }

    @staticmethod
    def origin_hidden(name: str) -> dict[str, Any]:
        """forward_origin of a message from a user who hides their account."""
        return {"type": "hidden_user", "date": int(time.time()) - 60, "sender_user_name": name}

    # -- assertions ------------------------------------------------------------------------
    def calls_to(self, method: str, **where: Any) -> list[Call]:
        """Recorded calls of `method` whose params match `where` (values compared as strings)."""
        with self._cond:
            calls = list(self.calls)
        return [c for c in calls if c.method == method and _matches(c.params, where)]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot successfully sent (sendMessage/sendDocument), optionally to one chat."""
        out = []
        for call in list(self.calls):
            if call.method in SEND_METHODS and call.ok:
                if chat_id is None or int(call.result["chat"]["id"]) == chat_id:
                    out.append(call.result)
        return out

    def errors(self) -> list[Call]:
        """Every call the fake refused (4xx), for "no bad requests" assertions."""
        return [c for c in list(self.calls) if not c.ok]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A message as it stands now (after edits), or None if deleted/unknown."""
        with self._cond:
            return self._messages.get((chat_id, message_id))

    async def wait_for(
        self,
        method: str,
        *,
        within: float = 10.0,
        count: int = 1,
        ok: bool | None = True,
        predicate: Callable[[Call], bool] | None = None,
        **where: Any,
    ) -> Call:
        """Wait until `count` matching calls arrived; returns the last of them."""
        deadline = time.monotonic() + within
        while True:
            matched = [
                c
                for c in self.calls_to(method, **where)
                if (ok is None or c.ok == ok) and (predicate is None or predicate(c))
            ]
            if len(matched) >= count:
                return matched[count - 1]
            if time.monotonic() > deadline:
                seen = [(c.method, c.status, c.params) for c in self.calls[-10:]]
                raise AssertionError(
                    f"timed out waiting for {count}× {method} {where}; last calls: {seen}"
                )
            await asyncio.sleep(0.01)

    async def wait_for_text(
        self, chat_id: int, needle: str, *, within: float = 10.0
    ) -> dict[str, Any]:
        """Wait for a sent or edited message in `chat_id` whose visible text contains `needle`."""
        deadline = time.monotonic() + within
        while True:
            for call in list(self.calls):
                if not call.ok or call.method not in SEND_METHODS | EDIT_METHODS:
                    continue
                result = call.result if isinstance(call.result, dict) else {}
                text = result.get("text") or result.get("caption") or ""
                if int(call.params.get("chat_id", 0)) == chat_id and needle in text:
                    return result
            if time.monotonic() > deadline:
                texts = [
                    (c.method, c.params.get("chat_id"), (c.params.get("text") or "")[:80])
                    for c in self.calls[-10:]
                ]
                raise AssertionError(f"no message with {needle!r} in {chat_id}; last: {texts}")
            await asyncio.sleep(0.01)

    # -- request handling ------------------------------------------------------------------
    def handle(
        self, token: str, method: str, params: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, dict[str, Any]]:
        """Dispatch one request (runs in a server thread)."""
        call = Call(method, params, at=self._clock(), files=files)
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with self._cond:
            hold = self._holds.pop(method, None)
        if hold is not None:
            if hold.on_arrival is not None:
                hold.on_arrival()
            hold.release.wait(hold.timeout)
        if method != "getUpdates" and self.latency:
            time.sleep(self.latency)
        try:
            with self._cond:
                queued = self._failures.get(method)
                if queued:
                    raise queued.pop(0)
            result = self._dispatch(method, params, files)
        except APIError as exc:
            call.status, call.description = exc.code, exc.description
            with self._cond:
                self.calls.append(call)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.parameters:
                body["parameters"] = exc.parameters
            return exc.code, body
        call.result = result
        if method != "getUpdates" or result:
            with self._cond:
                self.calls.append(call)
        return 200, {"ok": True, "result": result}

    def record_cut_off(self, method: str) -> None:
        """A request whose body ended before its Content-Length: recorded, never dispatched."""
        call = Call(method, {}, status=499, description=CUT_OFF, at=self._clock())
        with self._cond:
            self.calls.append(call)

    def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if method == "getMe":
            return {
                **self.bot_user(),
                "can_join_groups": True,
                "can_read_all_group_messages": self.can_read_all_group_messages,
                "supports_inline_queries": True,
            }
        if method == "getUpdates":
            return self._get_updates(params)
        if method in ("deleteWebhook", "close", "logOut"):
            self.webhook = {}
            return True
        if method == "setWebhook":
            self.webhook = dict(params)
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "pending_update_count": 0}
        if method == "setMyCommands":
            self.commands = json.loads(params.get("commands", "[]"))
            return True
        if method == "getMyCommands":
            return self.commands
        if method in ("deleteMyCommands", "setMyDescription", "setMyShortDescription"):
            return True
        if method == "answerCallbackQuery":
            return True
        if method == "getChatMember":
            chat = self._check_chat(self._chat_id(params))
            user_id = int(params["user_id"])
            with self._cond:
                # The bot is an admin of channels it posts in; elsewhere a plain member unless
                # a test promotes it with set_member(chat, BOT_ID, "administrator").
                default = (
                    "administrator" if user_id == BOT_ID and chat.type == "channel" else "member"
                )
                status = self._members.get((chat.id, user_id), default)
                bot_status = self._members.get(
                    (chat.id, BOT_ID), "administrator" if chat.type == "channel" else "member"
                )
            # Only a channel's administrators can see who else is in it; asking about oneself
            # always works.
            if (
                chat.type == "channel"
                and user_id != BOT_ID
                and bot_status not in ("creator", "administrator")
            ):
                raise APIError(400, "Bad Request: member list is inaccessible")
            user = self.bot_user() if user_id == BOT_ID else self._user(user_id)
            return _member(user, status)
        if method == "getChatAdministrators":
            chat_id = self._chat_id(params)
            self._check_chat(chat_id)
            with self._cond:
                admins = [
                    _member(self._user(uid), status)
                    for (cid, uid), status in self._members.items()
                    if cid == chat_id and status in ("creator", "administrator")
                ]
            return admins
        if method == "getChat":
            chat_id = self._chat_id(params)
            self._check_chat(chat_id)
            return {
                **self._chats[chat_id].as_dict(),
                "accent_color_id": 0,
                "max_reaction_count": 11,
            }
        if method == "sendChatAction":
            self._check_thread(self._check_chat(self._chat_id(params)), params)
            return True
        if method == "createForumTopic":
            chat = self._check_chat(self._chat_id(params))
            name = str(params.get("name", ""))
            if not 1 <= len(name) <= 128:
                raise APIError(400, "Bad Request: TOPIC_TITLE_EMPTY")
            if not chat.is_forum:
                raise APIError(400, "Bad Request: the chat is not a forum")
            thread_id = self.create_topic(chat.id, name)
            return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}
        if method == "answerInlineQuery":
            return self._answer_inline(params)
        if method == "setMessageReaction":
            self._check_chat(self._chat_id(params))
            return True
        if method == "getFile":
            return self._get_file(params)
        if method == "sendMessage":
            return self._send_message(params)
        if method == "sendDocument":
            return self._send_document(params, files)
        if method == "editMessageText":
            return self._edit_message_text(params)
        if method == "deleteMessage":
            chat_id = self._chat_id(params)
            self._check_chat(chat_id)
            with self._cond:
                if self._messages.pop((chat_id, int(params["message_id"])), None) is None:
                    raise APIError(400, "Bad Request: message to delete not found")
            return True
        raise APIError(404, "Not Found")

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            stored = self._files.get(str(params.get("file_id", "")))
            if stored is None:
                raise APIError(400, "Bad Request: invalid file_id")
            if len(stored.data) > MAX_DOWNLOAD:
                raise APIError(400, "Bad Request: file is too big")
            if not stored.file_path:
                # Like Telegram's documents/file_12.opml: numbered, the upload's extension kept.
                suffix = PurePosixPath(stored.file_name).suffix
                stored.file_path = f"documents/file_{next(self._path_numbers)}{suffix}"
                self._paths[stored.file_path] = stored
            return stored.as_file()

    def download(self, token: str, file_path: str) -> tuple[int, bytes]:
        """GET /file/bot<token>/<file_path>: the bytes of a file whose path getFile handed out."""
        call = Call(DOWNLOAD, {"file_path": file_path}, at=self._clock())
        with self._cond:
            stored = self._paths.get(file_path)
            if token != self.token:
                call.status, call.description = 401, "Unauthorized"
            elif stored is None:
                call.status, call.description = 404, "Not Found"
            else:
                call.result = {"file_size": len(stored.data)}
            self.calls.append(call)
        if stored is None or not call.ok:
            body = {"ok": False, "error_code": call.status, "description": call.description}
            return call.status, json.dumps(body).encode()
        return 200, stored.data

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset:
                # Telegram forgets updates below the offset once it is confirmed.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and self._server is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return list(self._updates[:limit])

    def _chat_id(self, params: dict[str, Any]) -> int:
        """chat_id as an int; "@username" resolves public channels and supergroups only (a
        user's or a bot's username is "chat not found"), case-insensitively, like Telegram."""
        raw = str(params.get("chat_id", ""))
        if raw.startswith("@"):
            with self._cond:
                for info in self._chats.values():
                    if (
                        info.type in ("channel", "supergroup")
                        and info.username
                        and info.username.lower() == raw[1:].lower()
                    ):
                        return info.id
            raise APIError(400, "Bad Request: chat not found")
        if not raw.strip():
            raise APIError(400, "Bad Request: chat_id is empty")
        try:
            return int(raw)
        except ValueError:
            raise APIError(400, "Bad Request: chat not found") from None

    def _check_chat(self, chat_id: int) -> ChatInfo:
        with self._cond:
            if chat_id in self._migrated:
                raise APIError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": self._migrated[chat_id]},
                )
            if chat_id in self._blocked:
                info = self._chats.get(chat_id)
                if info is not None and info.type == "private":
                    raise APIError(403, "Forbidden: bot was blocked by the user")
                raise APIError(403, "Forbidden: bot was kicked from the group chat")
            info = self._chats.get(chat_id)
            if info is None:
                raise APIError(400, "Bad Request: chat not found")
            return info

    def _flood(self, chat: ChatInfo) -> None:
        with self._cond:
            # The clock is read under the lock: acceptances are recorded in time order.
            retry = self.flood.check(chat, self._clock())
        if retry is not None:
            raise APIError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _text_and_entities(
        self, text: str, parse_mode: str, limit: int, what: str
    ) -> tuple[str, list[dict[str, Any]]]:
        entities: list[dict[str, Any]] = []
        if parse_mode.upper() == "HTML":
            try:
                text, entities = parse_html(text)
            except HTMLError as exc:
                raise APIError(400, f"Bad Request: can't parse entities: {exc}") from exc
        elif parse_mode:
            raise APIError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        stripped = text.strip()
        if what == "text" and not stripped:
            raise APIError(400, "Bad Request: message text is empty")
        if utf16_len(text) > limit:
            raise APIError(
                400,
                "Bad Request: message is too long"
                if what == "text"
                else "Bad Request: message caption is too long",
            )
        return text, entities

    def _reply_check(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        raw = params.get("reply_parameters")
        if not raw:
            return None
        reply = json.loads(raw)
        with self._cond:
            target = self._messages.get((chat_id, int(reply["message_id"])))
        if target is None and not reply.get("allow_sending_without_reply"):
            raise APIError(400, "Bad Request: message to be replied not found")
        return target

    def _store(self, chat: ChatInfo, extra: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            counter = self._message_ids.setdefault(chat.id, itertools.count(1))
            message = {
                "message_id": next(counter),
                "date": int(time.time()),
                "chat": chat.as_dict(),
                "from": self.bot_user(),
                **extra,
            }
            self._messages[(chat.id, message["message_id"])] = message
        return message

    def _check_thread(self, chat: ChatInfo, params: dict[str, Any]) -> dict[str, Any]:
        """The topic fields of a message sent with `message_thread_id` (refused when gone)."""
        raw = params.get("message_thread_id")
        if raw in (None, ""):
            return {}
        thread_id = int(raw)
        with self._cond:
            state = self._topics.get((chat.id, thread_id))
        if not chat.is_forum or state is None:
            raise APIError(400, "Bad Request: message thread not found")
        if state == "closed":
            raise APIError(400, "Bad Request: TOPIC_CLOSED")
        return {"message_thread_id": thread_id, "is_topic_message": True}

    def _answer_inline(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id", ""))
        with self._cond:
            arrived = self._inline.pop(query_id, None)
        if arrived is None or self._clock() - arrived > self.inline_timeout:
            raise APIError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        results = json.loads(params.get("results", "[]"))
        if len(results) > 50:
            raise APIError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or any(not i or len(i.encode()) > 64 for i in ids):
            raise APIError(400, "Bad Request: RESULT_ID_INVALID")
        for result in results:
            if result.get("type") != "article":
                continue
            if not str(result.get("title", "")).strip():
                raise APIError(400, "Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            if not content:
                raise APIError(400, "Bad Request: inline query result content must be non-empty")
            self._text_and_entities(
                content.get("message_text", ""), content.get("parse_mode") or "", MAX_TEXT, "text"
            )
        with self._cond:
            self.inline_answers[query_id] = {
                "results": results,
                "cache_time": int(params.get("cache_time", 300) or 0),
                "is_personal": str(params.get("is_personal", "")).lower() == "true",
                "at": self._clock() - arrived,
            }
        return True

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._check_chat(self._chat_id(params))
        text, entities = self._text_and_entities(
            params.get("text", ""), params.get("parse_mode", ""), MAX_TEXT, "text"
        )
        topic = self._check_thread(chat, params)
        target = self._reply_check(chat.id, params)
        self._flood(chat)
        extra: dict[str, Any] = {"text": text.strip(), **topic}
        if entities:
            extra["entities"] = entities
        if target is not None:
            extra["reply_to_message"] = target
        if params.get("reply_markup"):
            extra["reply_markup"] = json.loads(params["reply_markup"])
        return self._store(chat, extra)

    def _send_document(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._check_chat(self._chat_id(params))
        caption, entities = self._text_and_entities(
            params.get("caption", ""), params.get("parse_mode", ""), MAX_CAPTION, "caption"
        )
        if "document" not in files and not params.get("document"):
            raise APIError(400, "Bad Request: there is no document in the request")
        topic = self._check_thread(chat, params)
        target = self._reply_check(chat.id, params)
        self._flood(chat)
        name = params.get("_filename_document", "file")
        # A file the bot sent can be fetched back with getFile, as on Telegram.
        extra: dict[str, Any] = {
            "document": self.add_file(files.get("document", b""), name),
            **topic,
        }
        if caption:
            extra["caption"] = caption.strip()
            if entities:
                extra["caption_entities"] = entities
        if target is not None:
            extra["reply_to_message"] = target
        return self._store(chat, extra)

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._check_chat(self._chat_id(params))
        text, entities = self._text_and_entities(
            params.get("text", ""), params.get("parse_mode", ""), MAX_TEXT, "text"
        )
        key = (chat.id, int(params["message_id"]))
        with self._cond:
            message = self._messages.get(key)
            if message is None:
                raise APIError(400, "Bad Request: message to edit not found")
            if message.get("from", {}).get("id") != BOT_ID:
                raise APIError(400, "Bad Request: message can't be edited")
            # Without reply_markup an edit removes the inline keyboard, as on Telegram; an edit
            # that changes neither the text, its entities nor the keyboard is refused.
            markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else None
            if (
                message.get("text") == text.strip()
                and message.get("entities", []) == entities
                and message.get("reply_markup") == markup
            ):
                raise APIError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
        self._flood(chat)
        with self._cond:
            message["text"] = text.strip()
            message["entities"] = entities
            message["edit_date"] = int(time.time())
            if markup is not None:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            return dict(message)


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "administrator":
        member.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_post_messages": True,
                "can_edit_messages": True,
            }
        )
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "restricted":
        member.update({"is_member": True, "until_date": 0})
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _matches(params: dict[str, Any], where: dict[str, Any]) -> bool:
    return all(str(params.get(key)) == str(value) for key, value in where.items())


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename:
                files[name] = payload
                params[f"_filename_{name}"] = filename
            else:
                params[name] = payload.decode("utf-8")
    elif content_type.startswith("application/json"):
        data = json.loads(body or b"{}")
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    elif body:
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params, files


class _Server(ThreadingHTTPServer):
    # The listen backlog is fixed when the socket is bound: a burst of 100+ connections from
    # PTB's pool must not be refused (the default backlog is 5).
    request_queue_size = 1024
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (a cancelled request, a bot shutting down) is not the fake's
        # error; anything else is printed as usual.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _make_handler(fake: FakeBotAPI) -> type[BaseHTTPRequestHandler]:
    path_re = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
    file_re = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = (
                    True  # the client gave up (e.g. a long poll cancelled at shutdown)
                )

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = self.rfile.read(length) if length else b""
            except (ConnectionResetError, BrokenPipeError):
                return
            match = path_re.match(self.path.split("?")[0])
            if not match:
                self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            if len(body) < length:
                # The client hung up mid-request (e.g. a task cancelled between writing the
                # headers and the body): a real server drops it, but the fake records it as an
                # error, since the bot meant to send something that never arrived.
                fake.record_cut_off(match["method"])
                self.close_connection = True
                return
            params, files = _parse_body(self.headers.get("Content-Type", ""), body)
            status, payload = fake.handle(match["token"], match["method"], params, files)
            if status == 200 and fake._take_drop(match["method"]):
                self.close_connection = True  # done, but the answer is lost on the way back
                return
            self._answer(status, payload)

        def do_GET(self) -> None:
            # PTB percent-encodes the whole file URL, the token's ":" included.
            match = file_re.match(unquote(self.path.split("?")[0]))
            if match is None:
                self.do_POST()  # the Bot API answers GET requests too
                return
            status, data = fake.download(match["token"], match["path"])
            self.send_response(status)
            kind = "application/octet-stream" if status == 200 else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler
