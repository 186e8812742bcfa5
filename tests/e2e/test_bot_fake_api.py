"""The fake Bot API rejects what Telegram rejects, through the real PTB client."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from bot.telegram.send import retry_after_seconds
from testsupport.botapi import FakeBotAPI


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


async def test_an_edit_must_change_the_text_or_the_keyboard(tg: FakeBotAPI) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    tg.chat(1)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    async with bot_for(tg) as bot:
        sent = await bot.send_message(1, "text", reply_markup=keyboard)
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("text", 1, sent.message_id, reply_markup=keyboard)
        # The same text without the keyboard is a change: the keyboard goes.
        await bot.edit_message_text("text", 1, sent.message_id)
        assert "reply_markup" not in (tg.message(1, sent.message_id) or {})
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("text", 1, sent.message_id)


async def test_flood_limits_answer_429_with_retry_after() -> None:
    # A frozen clock: the limits are checked exactly, not against how fast the machine is.
    now = [1000.0]
    with FakeBotAPI(clock=lambda: now[0]) as tg:
        for chat in range(1, 41):
            tg.chat(chat)
        tg.chat(-5, "group")
        async with bot_for(tg) as bot:
            results = await asyncio.gather(
                *(bot.send_message(chat, "x") for chat in range(1, 41)), return_exceptions=True
            )
            limited = [r for r in results if isinstance(r, RetryAfter)]
            assert len(limited) == 10  # 30 in any rolling second pass
            # The first refusal waits for the window (1 s); repeating it while refused doubles.
            assert sorted(retry_after_seconds(r) for r in limited) == [
                min(120, 2**i) for i in range(10)
            ]
            now[0] += 1000  # the penalty and the strikes are long gone
            group = []
            for i in range(21):
                now[0] += 2.0  # within the per-chat limit, so only the group limit is tested
                try:
                    await bot.send_message(-5, f"g{i}")
                    group.append("ok")
                except RetryAfter as exc:
                    group.append(exc)
            assert group[:20] == ["ok"] * 20 and isinstance(group[20], RetryAfter)
            # The window is a rolling minute: the first message leaves it 60 s after it came.
            now[0] += 60 - 20 * 2.0 + 0.5
            await bot.send_message(-5, "g")


async def test_a_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    now = [50.0]
    with FakeBotAPI(clock=lambda: now[0]) as tg:
        tg.chat(1)
        async with bot_for(tg) as bot:
            for _ in range(3):
                await bot.send_message(1, "burst")
            with pytest.raises(RetryAfter) as first:
                await bot.send_message(1, "one too many")
            assert retry_after_seconds(first.value) == 3  # the rolling 3 s window
            now[0] += 1.0
            with pytest.raises(RetryAfter) as again:
                await bot.send_message(1, "still too early")  # ignoring retry_after costs more
            assert retry_after_seconds(again.value) == 6  # 3 s, doubled
            now[0] += 6.0
            await bot.send_message(1, "after the wait")
            await bot.send_message(1, "y")
            sent = await bot.send_message(1, "x")
            with pytest.raises(RetryAfter):
                await bot.edit_message_text("edits count too", 1, sent.message_id)
            await bot.send_chat_action(1, "typing")  # never flood-limited


async def test_empty_chat_id_and_cut_off_requests_are_refused(tg: FakeBotAPI) -> None:
    url = f"{tg.api_url}/bot{tg.token}/sendChatAction"
    async with httpx.AsyncClient() as client:
        answer = (await client.post(url, data={"action": "typing"})).json()
        assert answer["description"] == "Bad Request: chat_id is empty"
        answer = (await client.post(url, data={"chat_id": "", "action": "typing"})).json()
        assert answer["description"] == "Bad Request: chat_id is empty"
    # A request whose body never comes (the client hung up after the headers).
    reader, writer = await asyncio.open_connection(*tg.api_url.split("//")[1].split(":"))
    writer.write(
        f"POST /bot{tg.token}/sendChatAction HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 30\r\n\r\n".encode()
    )
    await writer.drain()
    writer.close()
    await tg.wait_for("sendChatAction", ok=False, predicate=lambda c: c.status == 499)
    assert reader is not None


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


async def test_files_are_fetched_with_get_file_then_downloaded_from_the_file_url(
    tg: FakeBotAPI,
) -> None:
    data = b'<?xml version="1.0"?><opml version="2.0"><body/></opml>'
    message = tg.push_document(7, data, "feeds.opml", mime_type="text/x-opml")
    document = message["document"]
    assert document["file_name"] == "feeds.opml" and document["mime_type"] == "text/x-opml"
    assert document["file_size"] == len(data) and document["file_unique_id"]
    async with bot_for(tg) as bot:
        file = await bot.get_file(document["file_id"])
        assert file.file_size == len(data) and file.file_unique_id == document["file_unique_id"]
        # PTB joins base_file_url, the token and Telegram's relative file_path.
        assert file.file_path == f"{tg.api_url}/file/bot{tg.token}/documents/file_0.opml"
        assert bytes(await file.download_as_bytearray()) == data
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await bot.get_file("no-such-file")
        big = tg.add_file(b"\0" * (20 * 1024 * 1024 + 1), "big.opml")
        with pytest.raises(BadRequest, match="File is too big"):
            await bot.get_file(big["file_id"])
        exactly = tg.add_file(b"\0" * (20 * 1024 * 1024), "limit.bin")
        assert (await bot.get_file(exactly["file_id"])).file_size == 20 * 1024 * 1024
    assert [c.params["file_path"] for c in tg.downloads()] == ["documents/file_0.opml"]
    async with httpx.AsyncClient() as client:
        # Only paths getFile handed out exist, and only under the bot's own token.
        unknown = await client.get(f"{tg.api_url}/file/bot{tg.token}/documents/file_9.opml")
        assert unknown.status_code == 404 and unknown.json()["ok"] is False
        stranger = await client.get(f"{tg.api_url}/file/bot1:wrong/documents/file_0.opml")
        assert stranger.status_code == 401


async def test_documents_the_bot_sent_can_be_fetched_back(tg: FakeBotAPI) -> None:
    tg.chat(1)
    async with bot_for(tg) as bot:
        sent = await bot.send_document(1, b"hello", filename="note.txt")
        assert sent.document is not None and sent.document.file_name == "note.txt"
        file = await bot.get_file(sent.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"hello"


async def test_usernames_resolve_public_channels_and_supergroups_only(tg: FakeBotAPI) -> None:
    tg.chat(-1001, "channel", title="River News", username="RiverNews")
    tg.chat(-1002, "supergroup", title="Readers", username="readers")
    tg.chat(55, "private", username="alice")
    async with bot_for(tg) as bot:
        assert (await bot.get_chat("@rivernews")).id == -1001  # case-insensitive
        assert (await bot.get_chat("@readers")).type == "supergroup"
        for name in ("@alice", "@nobody"):
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.get_chat(name)


async def test_channel_members_are_visible_only_to_an_admin_bot(tg: FakeBotAPI) -> None:
    tg.chat(-1001, "channel", title="River News")
    tg.set_member(-1001, 55, "creator")
    async with bot_for(tg) as bot:
        assert (await bot.get_chat_member(-1001, 55)).status == "creator"
        tg.set_member(-1001, bot.id, "left")
        assert (await bot.get_chat_member(-1001, bot.id)).status == "left"
        with pytest.raises(BadRequest, match="Member list is inaccessible"):
            await bot.get_chat_member(-1001, 55)
