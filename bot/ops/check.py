"""`python -m bot check`: validate the settings and reach each dependency, printing a table.

Checks, in order: configuration, Telegram Bot API (getMe), database (reachable, schema revision
against the migrations' head), LLM endpoint (one 1-token request; skipped without a key: the
offline summariser is used), tiktoken encoding. Each check has a time limit and never raises; every
line printed goes through the secret masker, so tokens, keys and passwords never appear.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time as dtime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import make_url

from bot.errors import BotError
from bot.ops.logging import Masker

if TYPE_CHECKING:
    from bot.config import Settings

Status = Literal["ok", "failed", "skipped"]
# Telegram's token format; a typo here is the most common set-up mistake.
TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
# Telegram accepts 1-256 of these characters in X-Telegram-Bot-Api-Secret-Token.
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_TIMEOUT = 10.0
# A webhook delivery error older than this is history, not a current failure.
WEBHOOK_ERROR_WINDOW = 3600.0


@dataclass(frozen=True)
class CheckResult:
    """One row of the table."""

    name: str
    status: Status
    detail: str


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{exc.__class__.__name__}: {text.splitlines()[0][:200]}" if text else type(exc).__name__


_PASSWORD_KEYS = frozenset({"password", "passwd", "pwd"})


def display_url(url: str) -> str:
    """A database URL with its password hidden."""
    try:
        parsed = make_url(url)
        # libpq also takes the password as a query parameter: ?user=u&password=secret.
        hidden = {k: "***" for k in parsed.query if k.lower() in _PASSWORD_KEYS}
        if hidden:
            parsed = parsed.update_query_dict(hidden)
        return parsed.render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


# --- configuration -----------------------------------------------------------------------------


def check_config(settings: Settings) -> CheckResult:
    """Static validation of settings that pydantic's types cannot express."""
    problems: list[str] = []
    token = settings.telegram_bot_token.strip()
    if not token:
        problems.append("TELEGRAM_BOT_TOKEN is not set (ask @BotFather for one)")
    elif not TOKEN_RE.match(token):
        problems.append("TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<35 chars>)")
    if settings.webhook_url:
        hook = urlsplit(settings.webhook_url)
        # Same rule as the bot's start-up: plain http only for a local Bot API server.
        if hook.scheme != "https" and hook.hostname not in ("127.0.0.1", "localhost"):
            problems.append("WEBHOOK_URL must start with https:// (Telegram only posts to TLS)")
        if not settings.webhook_secret:
            problems.append("WEBHOOK_SECRET is required in webhook mode so only Telegram can post")
    if settings.webhook_secret and not WEBHOOK_SECRET_RE.match(settings.webhook_secret):
        problems.append("WEBHOOK_SECRET may only use A-Z a-z 0-9 _ - (1-256 characters)")
    for name, port in (
        ("WEBHOOK_PORT", settings.webhook_port),
        ("METRICS_PORT", settings.metrics_port),
    ):
        if not 0 <= port <= 65535:
            problems.append(f"{name}={port} is not a port number")
    if (
        settings.metrics_port
        and settings.webhook_url
        and settings.metrics_port == settings.webhook_port
    ):
        problems.append("METRICS_PORT and WEBHOOK_PORT must differ")
    if not isinstance(logging.getLevelName(settings.log_level.upper()), int):
        problems.append(f"LOG_LEVEL={settings.log_level!r} is not a log level")
    try:
        dtime.fromisoformat(settings.digest_default_time)
    except ValueError:
        problems.append(f"DIGEST_DEFAULT_TIME={settings.digest_default_time!r} is not HH:MM")
    if not settings.openai_base_url.startswith(("http://", "https://")):
        problems.append("OPENAI_BASE_URL must be an http(s) URL")
    try:
        backend = make_url(settings.effective_database_url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            problems.append(f"DATABASE_URL uses {backend}; use sqlite or postgresql")
    except Exception:
        problems.append("DATABASE_URL is not a database URL")
    problems += scale_out_problems(settings)
    if problems:
        return CheckResult("config", "failed", "; ".join(problems))
    mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "polling"
    llm = f"LLM {settings.openai_model}" if settings.has_llm else "offline summariser"
    metrics = f"metrics :{settings.metrics_port}" if settings.metrics_port else "no metrics port"
    if settings.scale_out:
        mode += " (replica: durable queue + shared flood budget)"
    return CheckResult("config", "ok", f"{mode}; {llm}; {metrics}")


def scale_out_problems(settings: Settings) -> list[str]:
    """What SCALE_OUT=true still needs: webhook mode, PostgreSQL, Redis (polling is one process)."""
    if not settings.scale_out:
        return []
    problems = []
    if not settings.webhook_url:
        problems.append(
            "SCALE_OUT needs webhook mode (set WEBHOOK_URL): polling is one process by design"
        )
    if not settings.effective_database_url.startswith("postgres"):
        problems.append(
            "SCALE_OUT needs DATABASE_URL on PostgreSQL (the durable queue lives there)"
        )
    if not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("SCALE_OUT needs REDIS_URL (the flood budget all replicas share)")
    return problems


# --- Telegram --------------------------------------------------------------------------------


async def check_telegram(settings: Settings, limit: float) -> CheckResult:
    """Bot API getMe with the configured token and API URL."""
    token = settings.telegram_bot_token.strip()
    if not token or not TOKEN_RE.match(token):
        return CheckResult("telegram", "skipped", "no valid TELEGRAM_BOT_TOKEN")
    api = settings.telegram_api_url.rstrip("/")
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(timeout=limit) as client:
            response = await client.get(f"{api}/bot{token}/getMe")
    except httpx.TimeoutException:
        return CheckResult("telegram", "failed", f"{api} did not answer within {limit:g} s")
    except httpx.HTTPError as exc:
        return CheckResult("telegram", "failed", f"cannot reach {api}: {exc.__class__.__name__}")
    if response.status_code in (401, 404):
        # Telegram answers 404 for a malformed token and 401 for a revoked one.
        return CheckResult(
            "telegram", "failed", f"token rejected (HTTP {response.status_code}); check @BotFather"
        )
    try:
        payload = response.json()
        me = payload["result"] if payload.get("ok") else None
    except (ValueError, KeyError, AttributeError):
        me = None
    if response.status_code != 200 or not isinstance(me, dict):
        return CheckResult(
            "telegram", "failed", f"unexpected answer from {api} (HTTP {response.status_code})"
        )
    detail = f"@{me.get('username', '?')} (id {me.get('id', '?')}), {_ms(started)}"
    if not settings.webhook_url:
        return CheckResult("telegram", "ok", detail)
    return await _webhook_status(settings, api, token, limit, detail)


async def _webhook_status(
    settings: Settings, api: str, token: str, limit: float, detail: str
) -> CheckResult:
    """In webhook mode, what Telegram says about delivering to WEBHOOK_URL."""
    try:
        async with httpx.AsyncClient(timeout=limit) as client:
            response = await client.get(f"{api}/bot{token}/getWebhookInfo")
        info = response.json().get("result") or {}
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return CheckResult("telegram", "ok", f"{detail}; getWebhookInfo: {type(exc).__name__}")
    if info.get("url") != settings.webhook_url:
        return CheckResult("telegram", "ok", f"{detail}; webhook not registered yet (set on start)")
    error = info.get("last_error_message")
    age = time.time() - float(info.get("last_error_date") or 0)
    if error and age < WEBHOOK_ERROR_WINDOW:
        # Telegram could not deliver recently: usually TLS, DNS or the proxy in front of the bot.
        return CheckResult(
            "telegram",
            "failed",
            f"{detail}; Telegram cannot deliver to {settings.webhook_url}: {error} "
            f"({int(age // 60)} min ago, {info.get('pending_update_count', 0)} updates waiting)",
        )
    pending = info.get("pending_update_count", 0)
    return CheckResult("telegram", "ok", f"{detail}; webhook registered, {pending} pending")


# --- database --------------------------------------------------------------------------------


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.storage.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head() or "?"


def _sqlite_missing(url: str) -> CheckResult | None:
    """For a SQLite file that does not exist yet: can it be created? (None when it exists.)"""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    path = Path(database)
    if path.exists():
        return None
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        return CheckResult("database", "failed", f"cannot create {path}: {parent} is not writable")
    return CheckResult(
        "database", "ok", f"SQLite {path} does not exist yet; created and migrated on start"
    )


async def check_database(settings: Settings, limit: float) -> CheckResult:
    """Connect, then compare the schema revision with the migrations' head (no writes)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.storage.db import async_url

    url = settings.effective_database_url
    shown = display_url(url)
    try:
        missing = _sqlite_missing(url)
        if missing is not None:
            return missing
        head = _head_revision()
        engine = create_async_engine(async_url(url))
    except BotError as exc:
        return CheckResult("database", "failed", exc.user_message)
    except Exception as exc:
        return CheckResult("database", "failed", f"{shown}: {_first_line(exc)}")
    started = time.perf_counter()
    try:
        async with asyncio.timeout(limit), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            current = await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    except TimeoutError:
        return CheckResult("database", "failed", f"{shown}: no answer within {limit:g} s")
    except Exception as exc:
        return CheckResult("database", "failed", f"{shown}: {_first_line(exc)}")
    finally:
        await engine.dispose()
    where = f"{engine.dialect.name} {shown}, {_ms(started)}"
    if current == head:
        return CheckResult("database", "ok", f"{where}; schema at head {head}")
    if current is None:
        return CheckResult("database", "ok", f"{where}; empty schema, migrated to {head} on start")
    known = _known_revisions()
    if current not in known:
        return CheckResult(
            "database",
            "failed",
            f"{where}; schema revision {current} is unknown to this version (newer bot?)",
        )
    return CheckResult("database", "ok", f"{where}; schema {current}, upgraded to {head} on start")


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.storage.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}


# --- LLM -------------------------------------------------------------------------------------


async def check_llm(settings: Settings, limit: float) -> CheckResult:
    """One chat request with max_tokens=1 through the bot's own client, without retries."""
    if not settings.has_llm:
        return CheckResult("llm", "skipped", "no OPENAI_API_KEY: the offline summariser is used")
    from bot.summarise.llm import OpenAIChatClient

    client = OpenAIChatClient(
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        api_key=settings.openai_api_key,
        timeout=min(limit, settings.openai_timeout),
        max_retries=0,  # a check reports the first answer; the bot itself retries
    )
    started = time.perf_counter()
    try:
        async with asyncio.timeout(limit + 1):
            done = await client.complete(
                [{"role": "user", "content": "Reply with the word OK."}], max_tokens=1
            )
    except TimeoutError:
        return CheckResult("llm", "failed", f"no answer within {limit:g} s")
    except BotError as exc:
        cause = exc.__cause__
        why = f" [{cause.__class__.__name__}]" if cause is not None else ""
        return CheckResult("llm", "failed", f"{exc.user_message}{why}")
    except Exception as exc:
        return CheckResult("llm", "failed", _first_line(exc))
    finally:
        await client.aclose()
    return CheckResult(
        "llm",
        "ok",
        f"{done.model} at {settings.openai_base_url} answered in {_ms(started)}",
    )


# --- prompts ---------------------------------------------------------------------------------


def check_prompts(directory: Path | None = None) -> CheckResult:
    """Whether the prompt files load and validate, with their combined version."""
    from bot.summarise.prompts import default_prompts_dir, load_prompts

    directory = directory or default_prompts_dir()
    try:
        prompts = load_prompts(directory)
    except BotError as exc:
        return CheckResult("prompts", "failed", _first_line(exc))
    return CheckResult("prompts", "ok", f"version {prompts.version} from {directory}")


# --- tokenizer -------------------------------------------------------------------------------


def check_tokenizer(settings: Settings, limit: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Which tiktoken encoding token budgets will use for the configured model."""
    import tiktoken

    from bot.summarise.tokens import OFFLINE_ENCODING, call_with_time_limit

    model = settings.openai_model
    try:
        encoding = call_with_time_limit(lambda: tiktoken.encoding_for_model(model), limit)
        sample = len(encoding.encode("Hello, world."))
        return CheckResult("tokenizer", "ok", f"{encoding.name} for {model} ({sample} tokens)")
    except KeyError:
        why = f"{model} unknown to tiktoken"
    except Exception as exc:
        why = f"{model}'s encoding not available ({exc.__class__.__name__})"
    try:
        encoding = tiktoken.get_encoding(OFFLINE_ENCODING)
    except Exception as exc:
        return CheckResult(
            "tokenizer",
            "failed",
            f"{why}; no {OFFLINE_ENCODING} either ({exc.__class__.__name__}): budgets are estimates",
        )
    sample = len(encoding.encode("Hello, world."))
    return CheckResult("tokenizer", "ok", f"{encoding.name} ({why}; {sample} tokens)")


# --- runner ----------------------------------------------------------------------------------


async def collect_checks(
    settings: Settings, *, limit: float = DEFAULT_TIMEOUT
) -> list[CheckResult]:
    """Run every check (network ones concurrently); never raises."""

    async def guarded(name: str, make: Callable[[], Awaitable[CheckResult]]) -> CheckResult:
        try:
            return await make()
        except Exception as exc:  # a bug in a check must not hide the other results
            return CheckResult(name, "failed", f"check crashed: {_first_line(exc)}")

    config = check_config(settings)
    prompts = check_prompts()
    # Import the heavy client libraries first, off the loop: otherwise one check's imports block
    # the others and inflate the latencies the table reports.
    await asyncio.to_thread(_preload)
    network = await asyncio.gather(
        guarded("telegram", lambda: check_telegram(settings, limit)),
        guarded("database", lambda: check_database(settings, limit)),
        guarded("llm", lambda: check_llm(settings, limit)),
    )
    try:
        tokenizer = await asyncio.to_thread(check_tokenizer, settings, limit)
    except Exception as exc:
        tokenizer = CheckResult("tokenizer", "failed", f"check crashed: {_first_line(exc)}")
    return [config, prompts, *network, tokenizer]


def _preload() -> None:
    import alembic.runtime.migration
    import alembic.script  # noqa: F401
    import sqlalchemy.ext.asyncio  # noqa: F401

    import bot.summarise.llm
    import bot.summarise.tokens  # noqa: F401


def render_table(results: list[CheckResult], masker: Masker) -> str:
    """The results as an aligned plain-text table, masked."""
    width = max(len(r.name) for r in results)
    lines = [f"{'CHECK'.ljust(width)}  STATUS   DETAIL"]
    lines += [f"{r.name.ljust(width)}  {r.status.ljust(7)}  {r.detail}" for r in results]
    failed = [r.name for r in results if r.status == "failed"]
    lines.append(f"{len(failed)} failed: {', '.join(failed)}" if failed else "all checks passed")
    return masker("\n".join(lines)) + "\n"


async def run_checks(
    settings: Settings, *, out: IO[str] | None = None, limit: float = DEFAULT_TIMEOUT
) -> int:
    """Print the check table to `out` (stdout); return 0 when nothing failed, else 1."""
    results = await collect_checks(settings, limit=limit)
    stream = out or sys.stdout
    stream.write(render_table(results, Masker.from_settings(settings)))
    stream.flush()
    return 1 if any(r.status == "failed" for r in results) else 0
