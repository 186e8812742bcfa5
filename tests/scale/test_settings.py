"""`python -m bot check` says what replica mode needs; polling stays the one-process default."""

from __future__ import annotations

from bot.config import Settings
from bot.ops.check import check_config, scale_out_problems

TOKEN = "123456:" + "A" * 35


def test_polling_default_needs_nothing_more() -> None:
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN)
    assert not settings.scale_out
    assert scale_out_problems(settings) == []
    assert check_config(settings).status == "ok"


def test_replicas_need_webhook_postgres_and_redis() -> None:
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, scale_out=True)
    problems = " ".join(scale_out_problems(settings))
    assert "WEBHOOK_URL" in problems and "PostgreSQL" in problems and "REDIS_URL" in problems
    assert check_config(settings).status == "failed"


def test_a_complete_replica_configuration_passes() -> None:
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        scale_out=True,
        webhook_url="https://bot.example.org/telegram",
        webhook_secret="s3cret",
        database_url="postgresql+psycopg://bot@db/bot",
        redis_url="redis://redis:6379/0",
    )
    result = check_config(settings)
    assert result.status == "ok", result.detail
    assert "replica" in result.detail
