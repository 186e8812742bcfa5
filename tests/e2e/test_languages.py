"""The user's own language end to end (issue 15, item 5), real PTB against the fake Bot API:
Telegram's language_code picks the catalogue, /settings overrides it per chat, the command menu
is registered per language, and every language passes the fake's strict HTML and length checks."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import LANGUAGES
from bot.storage.chats import ChatRepository
from bot.telegram.digest_commands import chat_language_of
from tests.telegram.harness import running_bot
from testsupport.botapi import utf16_len

USER = 5151


def buttons_of(message: dict) -> dict[str, str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b.get("callback_data", "") for row in rows for b in row}


async def test_a_russian_user_gets_russian_start_help_and_command_menu(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.set_user_language(USER, "ru")
        h.tg.push_message(USER, "/start", first_name="Аня")
        start = (await h.tg.wait_for_text(USER, "Привет, Аня")).get("text", "")
        assert utf16_len(start) < 400 and "/help" in start
        assert "Hi " not in start
        buttons = buttons_of((await h.tg.wait_for("sendMessage", chat_id=USER)).result)
        assert "➕ Добавить в группу" in buttons
        h.tg.push_message(USER, "/help")
        shown = (await h.tg.wait_for_text(USER, "Пересказы"))["text"]
        for group in ("Группы и каналы", "Ежедневный дайджест", "Конфиденциальность"):
            assert group in shown
        # The menu registered for Russian has the same commands, in Russian words.
        menu = h.tg.commands_by_language["ru"]
        assert [c["command"] for c in menu] == [c["command"] for c in h.tg.commands]
        for command in menu:
            words = command["description"].split(" ", 1)[1]
            assert f"/{command['command']}" in shown and words in shown, command
        assert h.tg.errors() == []


async def test_every_language_has_a_menu_and_a_short_strict_start(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        assert set(h.tg.commands_by_language) == set(LANGUAGES) - {"en"}
        english = [c["description"] for c in h.tg.commands]
        for offset, lang in enumerate(LANGUAGES):
            user = USER + 100 + offset
            h.tg.set_user_language(user, lang)
            # The longest name Telegram allows in a first name; the greeting shows 32 characters.
            h.tg.push_message(user, "/start", first_name="Maximiliana-Alexandrina " * 3)
            start = await h.tg.wait_for("sendMessage", chat_id=user)
            assert utf16_len(start.result["text"]) < 400, lang
            h.tg.push_message(user, "/help")
            await h.tg.wait_for("sendMessage", chat_id=user, count=2)
            if lang != "en":
                assert [c["description"] for c in h.tg.commands_by_language[lang]] != english
        assert h.tg.errors() == []  # the fake parsed every message as strict HTML


async def test_a_language_code_without_a_catalogue_gets_english(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        for offset, code in enumerate(("fr", "zz-unknown", "x")):
            user = USER + 200 + offset
            h.tg.set_user_language(user, code)
            h.tg.push_message(user, "/start", first_name="Zoé")
            await h.tg.wait_for_text(user, "Hi Zoé")
        h.tg.set_user_language(USER + 300, "pt-br")
        h.tg.push_message(USER + 300, "/start", first_name="Ana")
        await h.tg.wait_for_text(USER + 300, "Olá, Ana")
        assert h.tg.errors() == []


async def test_settings_override_the_bot_language_and_keep_the_summary_language(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path) as h:
        h.tg.set_user_language(USER, "en")
        h.tg.push_message(USER, "/settings")
        shown = await h.tg.wait_for_text(USER, "Bot language")
        deutsch = buttons_of(shown)["🌐 Deutsch"]
        h.tg.push_callback(USER, USER, shown["message_id"], deutsch)
        answer = await h.tg.wait_for("answerCallbackQuery")
        assert answer.params.get("text") == "Gespeichert."
        redrawn = await h.tg.wait_for_text(USER, "Sprache des Bots")
        assert "✓ 🌐 Deutsch" in buttons_of(redrawn)
        h.tg.push_message(USER, "/help")
        await h.tg.wait_for_text(USER, "Zusammenfassungen")
        settings = await ChatRepository(h.services.db).get(USER)
        assert settings.ui_language == "de" and settings.summary_language == ""
        # Back to each user's own Telegram language.
        h.tg.push_message(USER, "/settings")
        shown = await h.tg.wait_for_text(USER, "Sprache des Bots: ")
        auto = buttons_of(shown)["🌐 Automatisch"]
        h.tg.push_callback(USER, USER, shown["message_id"], auto)
        await h.tg.wait_for_text(USER, "Bot language: auto")
        assert (await ChatRepository(h.services.db).get(USER)).ui_language == ""
        assert h.tg.errors() == []


async def test_a_private_chats_digest_is_written_in_its_users_language(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as h:
        language_of = chat_language_of(h.services)
        h.tg.set_user_language(USER, "uk")
        h.tg.push_message(USER, "/start")
        await h.tg.wait_for_text(USER, "Привіт")
        assert await language_of(USER) == "uk"  # remembered for the scheduled digest
        h.tg.set_user_language(USER, "pt-BR")  # the user switched Telegram's language
        h.tg.push_message(USER, "/help")
        await h.tg.wait_for_text(USER, "Resumos")
        assert await language_of(USER) == "pt"
        await ChatRepository(h.services.db).update(USER, ui_language="de")
        assert await language_of(USER) == "de"  # the /settings choice wins
        # A group on auto has no single user to follow: its digest stays English.
        h.tg.set_user_language(USER + 1, "ru")
        h.tg.push_message(-4040, "/help", user_id=USER + 1, chat_type="group")
        await h.tg.wait_for_text(-4040, "Пересказы")
        assert await language_of(-4040) == ""
