"""Runs the real Application against the fake Bot API, a fake LLM and a local page server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.services import Services, build_services
from bot.telegram.app import build_application
from testsupport.botapi import FakeBotAPI
from testsupport.openai_server import FakeOpenAI
from testsupport.pages import PageServer
from testsupport.settings import isolated_settings

LLM_REPLY = (
    "- **Mayor Ana Ruiz** said the bridge will open in 2026.\n"
    "- The council voted *7 to 2* in favour.\n"
    "- Critics <warned> about costs & delays."
)


@dataclass
class Harness:
    """Everything an end-to-end test needs."""

    tg: FakeBotAPI
    llm: FakeOpenAI
    pages: PageServer
    services: Services
    app: Application
    settings: Settings


def make_settings(
    tmp_path: Path, tg: FakeBotAPI, llm: FakeOpenAI | None, **overrides: Any
) -> Settings:
    """Settings pointing every client at the local fakes."""
    values: dict[str, Any] = {
        "telegram_bot_token": tg.token,
        "telegram_api_url": tg.api_url,
        "openai_api_key": "sk-test" if llm is not None else "",
        "openai_base_url": llm.base_url if llm is not None else "http://127.0.0.1:9/v1",
        "openai_max_retries": 0,
        "openai_timeout": 10.0,
        "fetch_allow_private": True,
        "fetch_timeout": 5.0,
    }
    values.update(overrides)
    return isolated_settings(tmp_path, **values)


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    *,
    llm_reply: str = LLM_REPLY,
    with_llm: bool = True,
    tg: FakeBotAPI | None = None,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """Start fakes + the bot (long polling), yield, then stop everything."""
    own_tg = tg is None
    tg = tg or FakeBotAPI()
    if own_tg:
        tg.start()
    with FakeOpenAI(reply=llm_reply) as llm, PageServer() as pages:
        settings = make_settings(tmp_path, tg, llm if with_llm else None, **overrides)
        services = await build_services(settings)
        app = build_application(services)
        try:
            async with app:
                # The same start-up hooks run_polling/run_webhook run.
                if app.post_init is not None:
                    await app.post_init(app)
                await app.start()
                assert app.updater is not None
                await app.updater.start_polling(
                    poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
                )
                try:
                    yield Harness(tg, llm, pages, services, app, settings)
                finally:
                    await app.updater.stop()
                    await app.stop()
                    if app.post_stop is not None:
                        await app.post_stop(app)
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
        finally:
            await services.pipeline.aclose()
            await services.db.close()
            if own_tg:
                tg.stop()
