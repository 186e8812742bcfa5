"""Start-up and transport faults: a malformed webhook body, two processes polling one token."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from bot.errors import ConfigError
from bot.services import build_services
from bot.telegram.app import build_application, run_bot, webhook_kwargs
from tests.e2e.test_bot_startup import free_port
from tests.telegram.harness import make_settings
from testsupport.botapi import FakeBotAPI

SECRET = "s3cret-token"


async def test_webhook_answers_400_to_malformed_json(tmp_path: Path) -> None:
    """Smaller: the webhook answered 500 to a body that is not JSON."""
    port = free_port()
    with FakeBotAPI() as tg:
        settings = make_settings(
            tmp_path,
            tg,
            None,
            webhook_url=f"http://127.0.0.1:{port}/tg-hook",
            webhook_secret=SECRET,
            webhook_listen="127.0.0.1",
            webhook_port=port,
        )
        services = await build_services(settings)
        app = build_application(services)
        try:
            async with app:
                await app.start()
                assert app.updater is not None
                await app.updater.start_webhook(**webhook_kwargs(settings))
                url = f"http://127.0.0.1:{port}/tg-hook"
                headers = {"Content-Type": "application/json"}
                async with httpx.AsyncClient() as client:
                    good = {**headers, "X-Telegram-Bot-Api-Secret-Token": SECRET}
                    broken = await client.post(url, content=b'{"update_id": 1,', headers=good)
                    binary = await client.post(url, content=b"\xff\xfe\x00", headers=good)
                    unsigned = await client.post(url, content=b"{", headers=headers)
                assert (broken.status_code, binary.status_code) == (400, 400)
                assert unsigned.status_code == 403  # the secret is still checked first
                await app.updater.stop()
                await app.stop()
        finally:
            await services.pipeline.aclose()
            await services.db.close()


def test_a_second_process_polling_the_same_token_stops_with_one_clear_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Smaller: two processes polling one token both ran, logging Conflict tracebacks."""
    with FakeBotAPI() as tg:
        for _ in range(3):
            tg.fail_next(
                "getUpdates",
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            )
        settings = make_settings(tmp_path, tg, None)
        with caplog.at_level(logging.WARNING), pytest.raises(ConfigError) as err:
            run_bot(settings)
    assert "409 Conflict" in err.value.user_message
    assert not [r for r in caplog.records if r.exc_info and "Conflict" in str(r.exc_info[1])]
