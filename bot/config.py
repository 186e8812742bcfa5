"""Settings from the environment and an optional `.env` file; read once at start-up, then injected."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Every setting the bot reads. `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # LLM
    openai_api_key: str = ""
    openai_base_url: str = "https://api.openai.com/v1"
    openai_model: str = "gpt-4o-mini"
    openai_timeout: float = Field(60.0, description="seconds per LLM request")
    openai_max_retries: int = 3
    openai_total_timeout: float = Field(180.0, description="seconds for one whole summary")
    openai_context_tokens: int = Field(16000, description="context budget for one request")
    max_article_tokens: int = Field(
        24000,
        description="article tokens sent to the LLM per request; longer ones are shortened "
        "(0 = no cap)",
    )
    llm_fallback_offline: bool = Field(
        True,
        description="when the LLM fails, send the offline summary (marked, with a Retry button)",
    )

    # Storage
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    db_pool_size: int = Field(0, description="connections; 0 = sized from CONCURRENT_UPDATES")
    db_queue_timeout: float = Field(
        60.0, description="seconds a request may wait for a database connection in a burst"
    )

    # Fetching
    fetch_allow_private: bool = False
    fetch_max_bytes: int = 5 * 1024 * 1024
    pdf_max_bytes: int = Field(
        20 * 1024 * 1024, description="PDF links and files; the Bot API hands bots up to 20 MB"
    )
    fetch_timeout: float = 20.0
    fetch_max_redirects: int = 5
    fetch_user_agent: str = (
        "Mozilla/5.0 (compatible; NewsFixBot/0.1; +https://github.com/newsfix/bot)"
    )

    # Telegram
    telegram_bot_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    allowed_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    allowed_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # A safe default: a runaway user (or a leaked bot link) costs at most this much per day;
    # about 40 medium summaries of ordinary articles. ADMIN_USER_IDS are exempt.
    daily_token_quota: int = Field(100_000, description="per user per day; 0 = unlimited")
    max_links_per_message: int = 5
    concurrent_updates: int = Field(256, description="updates handled at once (across chats)")

    # CPU stages (extraction, cleanup)
    cpu_workers: int = Field(0, description="worker processes; 0 = one per available core")
    cpu_processes: bool = Field(True, description="False: run CPU stages in threads instead")
    extract_timeout: float = Field(15.0, description="seconds one page or file may take to read")
    extract_max_elements: int = Field(
        30_000, description="HTML elements a page may have; more is refused before parsing"
    )
    cpu_jobs_per_user: int = Field(1, description="CPU stages one user may run at once")

    # Digests
    digest_grace_hours: float = 6.0
    digest_default_time: str = "08:00"
    digest_max_stories: int = Field(
        10, ge=1, description="stories per digest; /digest all shows all"
    )

    # Scale-out (several replicas; needs webhook mode, PostgreSQL and Redis)
    scale_out: bool = Field(
        False, description="replicas: webhook updates go through a durable queue on PostgreSQL"
    )
    redis_url: str = Field("", description="the flood budget shared by replicas lives here")
    worker_concurrency: int = Field(4, ge=1, description="queued updates one replica runs at once")
    job_max_attempts: int = Field(3, ge=1, description="a failing update is parked after this")
    worker_stalled_after: float = Field(
        15.0, gt=0, description="seconds without a heartbeat before a worker's jobs are retried"
    )
    # Group recaps
    recap_retention_hours: float = Field(
        48.0, description="hours an opted-in group's messages are kept for /recap"
    )
    recap_max_messages: int = Field(500, description="most messages one recap covers")

    # Operations
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics_port: int = Field(0, description="0 = no health/metrics server")
    metrics_listen: str = "127.0.0.1"

    @field_validator("allowed_user_ids", "allowed_chat_ids", "admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Comma-separated lists read better in .env files than JSON arrays.
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        if isinstance(value, int):
            return [value]
        return value

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL, or a SQLite file under DATA_DIR when unset."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'bot.db').as_posix()}"

    @property
    def has_llm(self) -> bool:
        """True when an API key is configured (otherwise the offline summariser is used)."""
        return bool(self.openai_api_key.strip())


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and `.env`, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
