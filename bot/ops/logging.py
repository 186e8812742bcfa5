"""Logging set-up: readable text or JSON lines, update context on every line, secrets masked.

- `setup_logging(settings)` is called once by the CLI; it installs one stderr handler on the root
  logger (replacing a previous one it installed, so calling it twice is harmless).
- `update_context(chat_id=..., update_id=...)` is a context manager the Telegram handlers wrap each
  update in; every line logged inside it (in that task) carries `chat_id` and `update_id`.
- Secrets (bot token, API key, webhook secret, database password) are masked in the final line,
  including exception tracebacks and httpx's request-URL lines (which embed the bot token). Anything
  shaped like a Telegram bot token is masked even if it is not the configured one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.config import Settings

MASK = "***"
# Telegram bot tokens: "<digits>:<35 url-safe chars>"; masked wherever they appear.
# httpx's file-download lines print it URL-encoded ("123456789%3AAAH..."), so %3A counts too.
_TOKEN_RE = re.compile(r"(?<![0-9])\d{5,}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
# "...?user=u&password=secret" (libpq accepts the password as a query parameter).
_QUERY_PASSWORD_RE = re.compile(r"(?i)(?P<head>[?&;](?:password|passwd|pwd)=)[^&;#\s]+")
# "scheme://user:password@host" → the password part.
_URL_PASSWORD_RE = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s/]+(?=@)")
# "Bearer sk-..." in headers that a debug log might print.
_BEARER_RE = re.compile(r"(?i)(?P<head>bearer\s+)[A-Za-z0-9._~+/=-]{8,}")

# Loggers that are chatty at INFO, or print request URLs (which contain the bot token), or both.
_QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "httpx2",
    "openai",
    "apscheduler",
    "tornado.access",
    "alembic.runtime.plugins",  # one INFO line per plugin on every start
)

_update: ContextVar[dict[str, int] | None] = ContextVar("bot_update_context", default=None)
_HANDLER_MARK = "_newsfix_handler"


@contextmanager
def update_context(*, chat_id: int | None = None, update_id: int | None = None) -> Iterator[None]:
    """Tag every log line emitted inside the block (in this task) with chat and update ids."""
    fields = {
        key: value
        for key, value in (("chat_id", chat_id), ("update_id", update_id))
        if value is not None
    }
    token = _update.set({**(_update.get() or {}), **fields})
    try:
        yield
    finally:
        _update.reset(token)


def current_update_context() -> dict[str, int]:
    """The chat/update ids set by the innermost `update_context` (empty outside one)."""
    return dict(_update.get() or {})


class Masker:
    """Replaces known secrets and secret-shaped substrings with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first so a secret containing another is masked whole; very short values would
        # mask ordinary words, so they are ignored (settings validation rejects them anyway).
        plain = set(secrets)
        # The part after a bot token's colon is its secret half; it may appear on its own.
        plain |= {s.partition(":")[2] for s in plain if _TOKEN_RE.fullmatch(s)}
        plain = {s for s in plain if s and len(s) >= 6}
        # URL-encoded too: httpx logs request URLs with ":" as "%3A" (and "/" "+" "=" likewise).
        encoded = {quote(s, safe="") for s in plain}
        self.secrets = sorted(plain | encoded, key=len, reverse=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> Masker:
        """A masker for every secret the settings hold."""
        secrets = [settings.telegram_bot_token, settings.openai_api_key, settings.webhook_secret]
        for pattern in (_URL_PASSWORD_RE, _QUERY_PASSWORD_RE):
            match = pattern.search(settings.database_url or "")
            if match:
                secrets.append(settings.database_url[match.end("head") : match.end()])
        return cls(secrets)

    def __call__(self, text: str) -> str:
        """`text` with every secret masked."""
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _TOKEN_RE.sub(MASK, text)
        text = _URL_PASSWORD_RE.sub(lambda m: m.group("head") + MASK, text)
        text = _QUERY_PASSWORD_RE.sub(lambda m: m.group("head") + MASK, text)
        return _BEARER_RE.sub(lambda m: m.group("head") + MASK, text)


class _ContextFilter(logging.Filter):
    """Copies the update context onto the record (explicit `extra=` values win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_update.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class TextFormatter(logging.Formatter):
    """`2026-03-01 12:00:00,000 INFO bot.telegram [chat=1 update=2] message`, secrets masked."""

    def __init__(self, masker: Masker) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(context)s%(message)s")
        self.masker = masker

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            f"{label}={getattr(record, key)}"
            for key, label in (("chat_id", "chat"), ("update_id", "update"))
            if getattr(record, key, None) is not None
        ]
        record.context = f"[{' '.join(parts)}] " if parts else ""
        return self.masker(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, chat_id/update_id, exc_info."""

    def __init__(self, masker: Masker) -> None:
        super().__init__()
        self.masker = masker

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("chat_id", "update_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # Masking the serialised line covers every field; secrets are JSON-safe characters.
        return self.masker(json.dumps(entry, ensure_ascii=False, default=str))


def _level(name: str) -> int:
    level = logging.getLevelName(name.strip().upper())
    if not isinstance(level, int):
        raise ConfigError(
            f"LOG_LEVEL={name!r} is not a log level; use DEBUG, INFO, WARNING or ERROR."
        )
    return level


def setup_logging(
    settings: Settings, *, level: str | None = None, stream: IO[str] | None = None
) -> logging.Handler:
    """Configure the root logger from LOG_LEVEL (or `level`) and LOG_FORMAT; returns the handler."""
    level_no = _level(level or settings.log_level)
    masker = Masker.from_settings(settings)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(_ContextFilter())
    formatter = JsonFormatter(masker) if settings.log_format == "json" else TextFormatter(masker)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level_no)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token: keep those at
    # WARNING unless the operator asked for DEBUG (the masker still applies then).
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(level_no if level_no <= logging.DEBUG else logging.WARNING)
    logging.captureWarnings(True)
    return handler
