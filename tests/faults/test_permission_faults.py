"""Group settings belong to the group's admins: every button checks, members see no buttons."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.chats import ChatRepository
from tests.telegram.harness import running_bot

GROUP = -5252
ADMIN = 61
MEMBER = 62


@pytest.mark.parametrize(
    ("label", "field", "before"),
    [("long", "summary_length", "medium"), ("Deutsch", "summary_language", "")],
)
async def test_a_member_cannot_change_any_group_setting(
    tmp_path: Path, label: str, field: str, before: str
) -> None:
    """Item 16: a member pressed 'long' and the group's summary length changed ('Saved.')."""
    async with running_bot(tmp_path) as h:
        h.tg.chat(GROUP, "supergroup", title="Readers")
        h.tg.set_member(GROUP, ADMIN, "administrator")
        h.tg.set_member(GROUP, MEMBER, "member")
        h.tg.push_message(GROUP, "/settings", user_id=ADMIN)
        shown = await h.tg.wait_for_text(GROUP, "Settings")
        buttons = [b for row in shown["reply_markup"]["inline_keyboard"] for b in row]
        button = next(b for b in buttons if b["text"].endswith(label))
        h.tg.push_callback(GROUP, MEMBER, shown["message_id"], button["callback_data"])
        refused = await h.tg.wait_for("answerCallbackQuery")
        assert "admins" in refused.params["text"]
        assert getattr(await ChatRepository(h.services.db).get(GROUP), field) == before
        h.tg.push_callback(GROUP, ADMIN, shown["message_id"], button["callback_data"])
        await h.tg.wait_for("answerCallbackQuery", count=2)
        assert getattr(await ChatRepository(h.services.db).get(GROUP), field) != before


async def test_members_see_settings_without_buttons(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.chat(GROUP, "supergroup", title="Readers")
        h.tg.set_member(GROUP, MEMBER, "member")
        h.tg.push_message(GROUP, "/settings", user_id=MEMBER)
        shown = await h.tg.wait_for_text(GROUP, "Ask an admin to change these")
        assert "Summary length" in shown["text"]
        assert "reply_markup" not in shown
