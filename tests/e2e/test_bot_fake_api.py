"""The fake Bot API rejects what Telegram rejects, through the real PTB client."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from tests.fakes.botapi import FakeBotAPI


@pytest.fixture
def tg():  # type: ignore[no-untyped-def]
    with FakeBotAPI() as fake:
        yield fake


def bot_for(tg: FakeBotAPI) -> Bot:
    return Bot(tg.token, base_url=f"{tg.api_url}/bot", base_file_url=f"{tg.api_url}/file/bot")


async def test_errors_map_to_ptb_exceptions(tg: FakeBotAPI) -> None:
    tg.chat(1)
    tg.chat(-2)
    tg.chat(3)
    tg.block(3)
    tg.migrate(-2, -1002)
    async with bot_for(tg) as bot:
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(1, "😀" * 2049)  # 4,098 UTF-16 units
        await bot.send_message(1, "😀" * 2048)
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(1, "<b>" + "&amp;" * 4097 + "</b>", parse_mode="HTML")
        await bot.send_message(1, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(1, "<b>unclosed", parse_mode="HTML")
        with pytest.raises(BadRequest, match="text is empty"):
            await bot.send_message(1, "<b> </b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="not found"):
            await bot.send_message(999, "who?")
        with pytest.raises(Forbidden):
            await bot.send_message(3, "hi")
        with pytest.raises(ChatMigrated) as moved:
            await bot.send_message(-2, "hi")
        assert moved.value.new_chat_id == -1002
        sent = await bot.send_message(1, "<i>same</i>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("<i>same</i>", 1, sent.message_id, parse_mode="HTML")


async def test_flood_limits_answer_429_with_retry_after(tg: FakeBotAPI) -> None:
    for chat in range(1, 41):
        tg.chat(chat)
    tg.chat(-5, "group")
    async with bot_for(tg) as bot:
        results = await asyncio.gather(
            *(bot.send_message(chat, "x") for chat in range(1, 41)), return_exceptions=True
        )
        limited = [r for r in results if isinstance(r, RetryAfter)]
        assert 5 <= len(limited) <= 15  # 30 per second pass
        await asyncio.sleep(1.1)
        group = []
        for _ in range(21):
            try:
                await bot.send_message(-5, "g")
                group.append("ok")
            except RetryAfter as exc:
                group.append(exc)
        assert group[:20] == ["ok"] * 20 and isinstance(group[20], RetryAfter)


async def test_get_updates_long_polls_and_honours_offset(tg: FakeBotAPI) -> None:
    url = f"{tg.api_url}/bot{tg.token}/getUpdates"
    async with httpx.AsyncClient() as client:
        start = time.monotonic()
        empty = (await client.post(url, data={"timeout": "0.3"})).json()
        assert empty == {"ok": True, "result": []} and time.monotonic() - start >= 0.3

        async def push_later() -> None:
            await asyncio.sleep(0.2)
            tg.push_message(7, "hello")

        pusher = asyncio.create_task(push_later())
        start = time.monotonic()
        got = (await client.post(url, data={"timeout": "5"})).json()["result"]
        assert time.monotonic() - start < 2 and got[0]["message"]["text"] == "hello"
        await pusher
        again = (await client.post(url, data={"offset": "0"})).json()["result"]
        assert [u["update_id"] for u in again] == [got[0]["update_id"]]  # not confirmed yet
        after = await client.post(url, data={"offset": str(got[0]["update_id"] + 1)})
        assert after.json()["result"] == []
        wrong = await client.post(f"{tg.api_url}/bot1:wrong/getMe")
        assert wrong.status_code == 401 and wrong.json()["ok"] is False
