"""The pure parts of what a person sees first: /start and /help texts, the command menu, /usage,
summary footers, /clean's fixes, settings answers and the button store."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.models import CleanResult, Document, Repair, Result, Summary
from bot.storage.chats import ChatSettings, UsageStats
from bot.telegram.buttons import ButtonStore
from bot.telegram.info import (
    HELP_GROUPS,
    help_html,
    registered_commands,
    short_number,
    start_html,
    start_keyboard,
    usage_html,
)
from bot.telegram.render import (
    FALLBACK_MARK,
    OFFLINE_FOOTER,
    fixes_headline,
    fixes_list,
    format_summary,
    is_invisible,
    plural,
    telling_examples,
    utf16_len,
    visible_text,
)
from bot.telegram.settings_command import already_answer, settings_html, settings_keyboard
from testsupport.botapi import parse_html


def test_start_is_under_400_characters_even_with_a_long_name() -> None:
    html = start_html("A" * 200 + "<b>")
    parse_html(html)
    assert utf16_len(visible_text(html)) < 400
    keyboard = start_keyboard("newsfix_bot")
    (row,) = keyboard.inline_keyboard
    assert row[0].url == "https://t.me/newsfix_bot?startgroup=true"
    assert row[1].callback_data == "help|digest"


def test_menu_and_help_share_commands_words_and_group_marks() -> None:
    commands = registered_commands()
    names = [c.command for c in commands]
    assert len(names) == len(set(names))
    html = help_html(has_llm=True, bot_username="b")
    parse_html(html)
    shown = visible_text(html)
    for command in commands:
        emoji, words = command.description.split(" ", 1)
        assert emoji in {group.emoji for group in HELP_GROUPS}
        assert f"/{command.command}" in shown and f" — {words}" in shown
        assert 3 <= len(words.split()) <= 6, words
    for group in HELP_GROUPS:
        for line in group.lines:
            assert 3 <= len(line.description.split()) <= 6, line


def test_help_speaks_to_readers_only() -> None:
    offline = visible_text(help_html(has_llm=False, bot_username="b"))
    assert "key sentences" in offline
    assert "OPENAI" not in offline and "LLM" not in offline
    assert "/stats" not in offline
    assert "/stats" in visible_text(help_html(has_llm=True, admin=True))


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (950, "950"), (1000, "1k"), (7_200, "7.2k"), (12_345, "12.3k"), (123_456, "123k"),
     (1_500_000, "1.5M")],
)  # fmt: skip
def test_short_numbers(value: int, shown: str) -> None:
    assert short_number(value) == shown


def test_usage_line() -> None:
    today = UsageStats(articles=6, prompt_tokens=5000)
    month = UsageStats(articles=41, prompt_tokens=6000, completion_tokens=1200)
    line = usage_html(today, month, has_llm=True)
    assert line == "📊 6 articles today · 41 this month · AI: 7.2k tokens"
    assert usage_html(UsageStats(articles=1), month, has_llm=False) == (
        "📊 1 article today · 41 this month"
    )


def _result(kind: str, *, note: str = "", title: str = "T", text: str = "Body.") -> Result:
    summary = Summary(text="- a said b", model="m", prompt_version="1", note=note)
    return Result(
        document=Document(source="s", text=text, title=title),
        summary=summary,
        summary_kind=kind,  # type: ignore[arg-type]
    )


def test_footers_for_the_reader() -> None:
    assert FALLBACK_MARK in format_summary(_result("fallback"))
    assert OFFLINE_FOOTER in format_summary(_result("requested"))
    for kind in ("llm", "offline"):
        shown = format_summary(_result(kind))
        assert FALLBACK_MARK not in shown and OFFLINE_FOOTER not in shown
    assert "own language" in format_summary(_result("offline", note="In its own language."))


def test_untitled_text_is_named_by_its_first_words_and_forwards_by_their_heading() -> None:
    untitled = _result("llm", title="", text="The mayor spoke at length. Then she left.")
    assert visible_text(format_summary(untitled)).startswith("The mayor spoke at length.")
    headed = format_summary(untitled, origin="Forwarded from X", heading="Post from X · 1 Dec 2026")
    assert headed.startswith("<b>Post from X · 1 Dec 2026</b>")
    assert "Forwarded from" not in headed  # the heading says it already


def _r(kind: str, before: str, after: str, start: int) -> Repair:
    return Repair(kind=kind, before=before, after=after, start=start)


def test_fixes_headline_counts_and_plurals() -> None:
    repairs = [
        _r("spinner", "utilise", "use", 5),
        _r("spinner", "commence", "begin", 50),
        _r("casing", "london", "London", 10),
        _r("acronym", "nato", "NATO", 30),
        _r("spacing", " ", "", 40),
        _r("whitespace", "\u00a0", " ", 45),
    ]
    assert fixes_headline(repairs) == (
        "✏️ 6 fixes: 2 synonyms, 2 spacing, 1 capitalisation, 1 acronym"
    )
    assert fixes_headline(repairs[:1]) == "✏️ 1 fix: 1 synonym"
    assert plural(1, "{n} fix", "{n} fixes") == "1 fix"
    assert plural(1200, "{n} fix", "{n} fixes") == "1,200 fixes"


def test_telling_examples_take_turns_skip_invisible_ones_and_keep_text_order() -> None:
    repairs = [_r("casing", "blinken", "Blinken", i * 100) for i in range(6)]
    repairs += [_r("casing", f"name{i}", f"Name{i}", 1000 + i) for i in range(5)]
    repairs += [_r("spinner", "approximately", "about", 650), _r("spacing", " ", "", 5)]
    repairs += [_r("boilerplate", "Leave a Reply", "", 2000)]
    chosen = telling_examples(repairs, 5)
    kinds = {e.repair.kind for e in chosen}
    assert kinds == {"casing", "spinner", "boilerplate"}
    assert [e.repair.start for e in chosen] == sorted(e.repair.start for e in chosen)
    blinken = next(e for e in chosen if e.repair.before == "blinken")
    assert blinken.count == 6
    assert all(not is_invisible(e.repair) for e in chosen)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["spinner", "casing", "acronym", "boilerplate", "spacing", "unicode"]),
            st.text(max_size=5),
            st.text(max_size=5),
            st.integers(0, 500),
        ),
        max_size=40,
    )
)
def test_fixes_are_all_counted_and_examples_are_few_distinct_and_visible(rows: list) -> None:
    repairs = [_r(*row) for row in rows]
    headline = fixes_headline(repairs)
    if repairs:
        assert headline.startswith(f"✏️ {plural(len(repairs), '{n} fix', '{n} fixes')}:")
    chosen = telling_examples(repairs)
    assert len(chosen) <= 5
    keys = [(e.repair.kind, e.repair.before, e.repair.after) for e in chosen]
    assert len(keys) == len(set(keys))
    assert all(not is_invisible(e.repair) for e in chosen)
    result = Result(document=Document(source="s", text="x"), clean=CleanResult("x", tuple(repairs)))
    assert fixes_list(result).count("\t") == 2 * len(repairs)


def test_settings_language_label_close_button_and_already_answers() -> None:
    chat = ChatSettings(id=1, type="private")
    assert "as in the article" in settings_html(chat)
    labels = [b.text for row in settings_keyboard(chat).inline_keyboard for b in row]
    assert "Original" not in " ".join(labels) and labels[-1] == "✖️ Close"
    assert already_answer(chat, "len", chat.summary_length) == f"Already {chat.summary_length}"
    assert already_answer(chat, "lang", "") == "Already as in the article"
    assert already_answer(chat, "lang", "de") == ""
    assert already_answer(chat, "len", "long" if chat.summary_length != "long" else "short") == ""


def test_button_store_is_bounded_and_forgets() -> None:
    now = [0.0]
    store = ButtonStore(max_entries=2, ttl=10, clock=lambda: now[0])
    first, second, third = store.put("a"), store.put("b"), store.put("c")
    assert store.get(first) is None and store.get(second) == "b" and len(store) == 2
    assert len(f"retry|{third}".encode()) <= 64
    now[0] = 11
    assert store.get(third) is None
