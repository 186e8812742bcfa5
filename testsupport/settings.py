"""Settings for tests and benches: isolated from the environment and `.env`, SQLite in a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import Settings


def isolated_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings that read no `.env`: SQLite under `data_dir`, no keys, unless overridden."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": f"sqlite:///{data_dir / 'bot.db'}",
        "openai_api_key": "",
        "telegram_bot_token": "",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
