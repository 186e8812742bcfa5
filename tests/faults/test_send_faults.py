"""Telegram send failures, through PTB's real HTTP client and the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.telegram import send
from tests.telegram.harness import running_bot

USER = 5151
GROUP = -4242
NEW_GROUP = -1004242
SOMETHING_WRONG = "Something went wrong"


@pytest.fixture(autouse=True)
def _quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(send, "NETWORK_BACKOFF", 0.01, raising=False)


def _texts(h, chat_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.get("text", "") for m in h.tg.sent(chat_id)]


@pytest.mark.parametrize(
    ("code", "description", "times"),
    [
        (500, "Internal Server Error", 1),  # item 5: one 500 lost the summary
        (502, "Bad Gateway", 2),  # item 5: two 502s left the user with nothing
    ],
)
async def test_5xx_on_send_is_retried_and_the_summary_arrives(
    tmp_path: Path, code: int, description: str, times: int
) -> None:
    async with running_bot(tmp_path) as h:
        for _ in range(times):
            h.tg.fail_next("sendMessage", code, description)
        h.tg.push_message(USER, h.pages.url("/article"))
        await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        failed = [c for c in h.tg.calls_to("sendMessage") if c.status == code]
        assert len(failed) == times
        texts = _texts(h, USER)
        assert sum("Mayor Ana Ruiz" in t for t in texts) == 1
        assert not any(SOMETHING_WRONG in t for t in texts)


async def test_answer_lost_after_telegram_accepted_gives_no_error_and_no_copy(
    tmp_path: Path,
) -> None:
    """Item 5: a dropped connection after acceptance gave the summary plus a spurious error."""
    async with running_bot(tmp_path) as h:
        h.tg.drop_after_next("sendMessage")
        h.tg.push_message(USER, h.pages.url("/article"))
        await h.tg.wait_for_text(USER, "Mayor Ana Ruiz")
        h.tg.push_message(USER, "/help")  # a later update is answered: the bot is fine
        await h.tg.wait_for_text(USER, "/settings")
        texts = _texts(h, USER)
        assert sum("Mayor Ana Ruiz" in t for t in texts) == 1
        assert not any(SOMETHING_WRONG in t for t in texts)


async def test_chat_migrated_during_summarize_delivers_to_the_supergroup(tmp_path: Path) -> None:
    """Item 5: ChatMigrated during /summarize moved the group's data but dropped the summary."""
    async with running_bot(tmp_path) as h:
        h.tg.chat(GROUP, "group", title="Readers")
        h.llm.delay_next(0.6)
        h.tg.push_message(GROUP, f"/summarize {h.pages.url('/article')}", user_id=USER)
        for _ in range(500):  # migrate while the LLM is still thinking
            if h.llm.completions:
                break
            await asyncio.sleep(0.01)
        assert h.llm.completions
        h.tg.migrate(GROUP, NEW_GROUP)
        await h.tg.wait_for_text(NEW_GROUP, "Mayor Ana Ruiz")
        assert not any(SOMETHING_WRONG in t for t in _texts(h, NEW_GROUP))
