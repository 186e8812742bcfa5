"""send_html/progress/limiter/processor against the fake Bot API with a real PTB Bot."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, Update
from telegram.ext import ExtBot

from bot.errors import ChatGoneError, ChatMovedError
from bot.metrics import Metrics
from bot.services import Services
from bot.storage.chats import ChatRepository
from bot.storage.db import Database
from bot.telegram import progress as progress_module
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.progress import Progress, start_typing
from bot.telegram.ratelimit import FloodLimiter, Limits, Window
from bot.telegram.render import escape
from bot.telegram.send import send_file, send_html
from testsupport.botapi import FakeBotAPI
from testsupport.settings import isolated_settings


@pytest.fixture
def tg() -> AsyncIterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
async def services(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = await Database.open(f"sqlite:///{tmp_path / 's.db'}")
    settings = isolated_settings(tmp_path)
    yield Services(settings=settings, db=db, pipeline=None, metrics=Metrics())  # type: ignore[arg-type]
    await db.close()


def make_bot(tg: FakeBotAPI, limiter: FloodLimiter | None = None, *, paced: bool = True) -> Bot:
    """A PTB bot on the fake; paced like the app's (the fake refuses what Telegram refuses)."""
    return ExtBot(
        tg.token,
        base_url=f"{tg.api_url}/bot",
        base_file_url=f"{tg.api_url}/file/bot",
        rate_limiter=limiter or (FloodLimiter() if paced else None),
    )


async def test_long_html_goes_out_in_ordered_valid_parts(tg: FakeBotAPI, services) -> None:  # type: ignore[no-untyped-def]
    tg.chat(1)
    html = "\n\n".join(f"<b>Part {i}</b> " + escape("x < y & z. " * 60) for i in range(20))
    async with make_bot(tg) as bot:
        sent = await send_html(bot, 1, html, reply_to=99, services=services)
    assert len(sent) >= 3
    assert tg.errors() == []
    texts = [m["text"] for m in tg.sent(1)]
    assert next(t.split()[1] for t in texts if t.startswith("Part")) == "0"
    assert "Part 19" in texts[-1]
    first = tg.calls_to("sendMessage")[0]
    assert '"message_id": 99' in first.params["reply_parameters"]  # deleted target is tolerated
    assert "reply_parameters" not in tg.calls_to("sendMessage")[1].params


async def test_forbidden_is_recorded_and_later_sends_skip(tg: FakeBotAPI, services) -> None:  # type: ignore[no-untyped-def]
    tg.chat(2)
    tg.block(2)
    async with make_bot(tg) as bot:
        with pytest.raises(ChatGoneError):
            await send_html(bot, 2, "hi", services=services)
        assert await ChatRepository(services.db).is_blocked(2)
        calls = len(tg.calls)
        with pytest.raises(ChatGoneError):
            await send_file(bot, 2, "a.txt", b"x", services=services)
        assert len(tg.calls) == calls


async def test_chat_migrated_moves_settings(tg: FakeBotAPI, services) -> None:  # type: ignore[no-untyped-def]
    repo = ChatRepository(services.db)
    await repo.ensure(-5, type="group")
    await repo.update(-5, auto_mode=True)
    tg.chat(-5)
    tg.migrate(-5, -1005)
    async with make_bot(tg) as bot:
        with pytest.raises(ChatMovedError) as info:
            await send_html(bot, -5, "hi", services=services)
    assert info.value.new_chat_id == -1005
    assert (await repo.get(-1005)).auto_mode is True


async def test_retry_after_is_waited_out_and_counted(tg: FakeBotAPI, services) -> None:  # type: ignore[no-untyped-def]
    tg.chat(3)
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    limiter = FloodLimiter(metrics=services.metrics)
    async with make_bot(tg, limiter) as bot:
        start = time.monotonic()
        await send_html(bot, 3, "hello", services=services)
        assert time.monotonic() - start >= 1.0
    assert [c.status for c in tg.calls_to("sendMessage")] == [429, 200]
    assert services.metrics.telegram_retry_after._value.get() == 1


async def test_limiter_keeps_a_burst_under_the_fake_flood_limits() -> None:
    # The group and chat limits are scaled down (5 per 2 s, 5 per 1 s) to keep this quick.
    with FakeBotAPI(flood_group=(5, 2.0), flood_chat=(5, 1.0)) as tg:
        for chat in range(1, 61):
            tg.chat(chat)
        tg.chat(-7, "group")
        limits = Limits(chat=Window(5, 1.0), group=Window(5, 2.0))
        async with make_bot(tg, FloodLimiter(limits=limits)) as bot:
            await asyncio.gather(
                *(bot.send_message(chat, "x") for chat in range(1, 61)),
                *(bot.send_message(-7, f"g{i}") for i in range(8)),
            )
        assert len(tg.sent()) == 68
        # Not one 429, however the machine's load jitters the requests: the pacer holds each
        # slot until the reply, so the fake's rolling windows can never overflow.
        assert tg.errors() == []


async def test_progress_status_message_is_throttled_then_deleted_after_the_answer(
    tg: FakeBotAPI, services
) -> None:  # type: ignore[no-untyped-def]
    tg.chat(4)
    async with make_bot(tg) as bot:
        progress = Progress(bot, 4, reply_to=None, services=services, status_after=0.05,
                            min_edit_interval=0.3)  # fmt: skip
        async with progress:
            await asyncio.sleep(0.15)
            assert progress.status is not None
            await progress.update("fetching")  # too soon after the status message: no edit
            await asyncio.sleep(0.35)
            await progress.update("summarising")
            await progress.update("cleaning")  # throttled again
            await progress.finish("<b>Done</b>")
    assert tg.calls_to("sendChatAction", chat_id=4)
    edits = tg.calls_to("editMessageText", chat_id=4)
    assert ["Summarising" in c.params["text"] for c in edits] == [True]
    # The answer is a new message (Telegram notifies of those, not of edits); the status goes.
    status, answer = tg.sent(4)
    assert "Done" in answer["text"]
    assert tg.calls_to("deleteMessage", chat_id=4, message_id=status["message_id"])
    assert tg.message(4, status["message_id"]) is None


async def test_progress_without_delay_sends_no_status_message(tg: FakeBotAPI, services) -> None:  # type: ignore[no-untyped-def]
    tg.chat(6)
    async with make_bot(tg) as bot, Progress(bot, 6, services=services) as progress:
        await progress.update("fetching")
        await progress.finish("answer")
    assert [m["text"] for m in tg.sent(6)] == ["answer"]


async def test_per_chat_processor_orders_within_chat_and_overlaps_across_chats() -> None:
    processor = PerChatUpdateProcessor(16)
    log: list[tuple[str, float]] = []
    start = time.monotonic()

    def update(chat_id: int, update_id: int) -> Update:
        return Update.de_json(
            {
                "update_id": update_id,
                "message": {
                    "message_id": update_id,
                    "date": 0,
                    "chat": {"id": chat_id, "type": "private", "first_name": "x"},
                    "text": "x",
                },
            },
            None,
        )

    async def work(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        log.append((name, time.monotonic() - start))

    await asyncio.gather(
        processor.process_update(update(1, 1), work("a1", 0.3)),
        processor.process_update(update(1, 2), work("a2", 0.0)),
        processor.process_update(update(2, 3), work("b1", 0.0)),
    )
    names = [name for name, _ in log]
    assert names.index("a1") < names.index("a2")
    assert names[0] == "b1"  # another chat did not wait for a1
    assert processor._locks == {}


async def test_stopping_typing_never_cuts_a_request_in_half(tg: FakeBotAPI) -> None:
    # Under load a typing loop was cancelled between a request's headers and its body; the
    # server then saw a sendChatAction without parameters ("chat_id is empty"). Cancel the loop
    # at every point of the request's way out: nothing may reach the server cut off.
    tg.chat(8)
    async with make_bot(tg) as bot:
        for steps in range(60):
            typing = start_typing(bot, 8)
            for _ in range(steps):
                await asyncio.sleep(0)
            typing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await typing
        await asyncio.gather(*progress_module._in_flight, return_exceptions=True)
    assert tg.errors() == []
    assert tg.calls_to("sendChatAction", chat_id=8)


async def test_a_typing_request_in_flight_outlives_its_loop() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    class SlowBot:
        async def send_chat_action(self, chat_id: int, action: str) -> bool:
            started.set()
            await release.wait()
            finished.append(f"{chat_id}:{action}")
            return True

    typing = start_typing(SlowBot(), 9)  # type: ignore[arg-type]
    await started.wait()
    typing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await typing
    release.set()
    await asyncio.gather(*progress_module._in_flight, return_exceptions=True)
    assert finished == ["9:typing"]


async def test_progress_leaves_out_the_status_when_the_budget_is_short(
    tg: FakeBotAPI, services
) -> None:  # type: ignore[no-untyped-def]
    tg.chat(10)
    limiter = FloodLimiter(limits=Limits(overall=Window(30, 1.0)))
    async with make_bot(tg, limiter) as bot:
        # Two answers already went to this chat: its window (3 in 3 s) is half used.
        await send_html(bot, 10, "one", services=services)
        await send_html(bot, 10, "two", services=services)
        progress = Progress(bot, 10, services=services, status_after=0.05, min_edit_interval=0)
        async with progress:
            await asyncio.sleep(0.2)
            assert progress.status is None  # typing only
            await progress.finish("<b>Done</b>")
    assert tg.calls_to("sendChatAction", chat_id=10)
    assert [m["text"] for m in tg.sent(10)] == ["one", "two", "Done"]
    assert tg.errors() == []


async def test_a_chat_flooding_the_bot_gets_a_note_and_others_keep_their_pace(
    tg: FakeBotAPI,
) -> None:
    tg.chat(5)
    tg.chat(6)
    processor = PerChatUpdateProcessor(16, max_backlog=4)
    handled: list[tuple[int, int]] = []
    async with make_bot(tg) as bot:

        def update(chat_id: int, update_id: int) -> Update:
            return Update.de_json(
                {
                    "update_id": update_id,
                    "message": {
                        "message_id": update_id,
                        "date": 0,
                        "chat": {"id": chat_id, "type": "private", "first_name": "x"},
                        "text": "https://example.org/a",
                    },
                },
                bot,
            )

        async def work(chat_id: int, update_id: int) -> None:
            await asyncio.sleep(0.05)
            handled.append((chat_id, update_id))

        flood = [
            asyncio.create_task(processor.process_update(update(5, i), work(5, i)))
            for i in range(1, 31)
        ]
        await asyncio.sleep(0.01)
        start = time.monotonic()
        await processor.process_update(update(6, 99), work(6, 99))
        assert time.monotonic() - start < 0.5  # not behind the flood
        await asyncio.gather(*flood)
    assert [u for c, u in handled if c == 5] == [1, 2, 3, 4]  # in order, the rest skipped
    notes = [m["text"] for m in tg.sent(5)]
    assert len(notes) == 1 and "skipped 26 messages" in notes[0]
    assert tg.sent(6) == [] and tg.errors() == []


async def test_a_stalled_request_holds_only_its_own_slot(tg: FakeBotAPI) -> None:
    for chat in (11, 12):
        tg.chat(chat)
    release = tg.hold("sendMessage", timeout=5)  # the first send hangs until released
    async with make_bot(tg) as bot:
        stalled = asyncio.create_task(bot.send_message(11, "slow"))
        await asyncio.sleep(0.2)
        await asyncio.wait_for(bot.send_message(12, "meanwhile"), 2)  # not held up
        assert not stalled.done()
        release.set()
        await asyncio.wait_for(stalled, 5)
    assert [m["text"] for m in tg.sent()] == ["meanwhile", "slow"]
    assert tg.errors() == []
