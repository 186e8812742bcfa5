"""Recaps: windows, selection, threads, attribution, links and the LLM's citations."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InputError
from bot.groups.recap import (
    chunks,
    message_link,
    newest,
    offline_recap,
    parse_llm_recap,
    parse_window,
    shorten,
    transcript,
)
from bot.models import ChatMessage

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=48)


def msg(i: int, author: str, text: str, reply_to: int | None = None) -> ChatMessage:
    return ChatMessage(i, author, text, T0 + timedelta(minutes=i), reply_to=reply_to)


CONVERSATION = [
    msg(1, "Ana", "Good morning all"),
    msg(2, "Ben", "The council moved the budget vote for the new river bridge to Thursday evening"),
    msg(3, "Cy", "Thursday evening clashes with the school meeting about the bridge budget", 2),
    msg(4, "Ana", "Can someone ask the council to stream the bridge budget vote online?", 2),
    msg(5, "Dee", "lol", 4),
    msg(6, "Eve", "Unrelated: the bakery on Main Street closes for renovation next week"),
    msg(7, "Ben", "I wrote to the council; they will stream the bridge vote on Thursday", 4),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6h", timedelta(hours=6)),
        ("90m", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        (" 12 hours ", timedelta(hours=12)),
    ],
)
def test_windows(text: str, expected: timedelta) -> None:
    assert parse_window(text, longest=DAY) == expected


@pytest.mark.parametrize("text", ["6 years", "yesterday", "", "-3h", "0h", "3w"])
def test_bad_windows_get_one_clear_error(text: str) -> None:
    with pytest.raises(InputError) as error:
        parse_window(text, longest=DAY)
    assert error.value.user_message


def test_a_window_beyond_the_retention_says_how_long_messages_are_kept() -> None:
    with pytest.raises(InputError, match="48 hours"):
        parse_window("3d", longest=DAY)


def test_newest_keeps_the_latest_in_time_order_and_counts_the_rest() -> None:
    chosen, left_out = newest(list(reversed(CONVERSATION)), 3)
    assert [m.message_id for m in chosen] == [5, 6, 7]
    assert left_out == 4


def test_offline_recap_attributes_the_discussed_thread_and_skips_chit_chat() -> None:
    points = offline_recap(CONVERSATION, points=2)
    assert len(points) == 2
    assert points[0].message_id in (2, 3, 4, 7) and points[0].replies >= 2
    assert {p.author for p in points} <= {"Ana", "Ben", "Cy", "Eve"}
    assert all(p.text not in ("lol", "Good morning all") for p in points)
    assert [p.message_id for p in points] == sorted(p.message_id for p in points)


def test_offline_recap_of_nothing_useful_is_empty() -> None:
    assert offline_recap([msg(1, "A", "ok"), msg(2, "B", "lol")]) == []


def test_reply_cycles_in_stored_data_do_not_hang() -> None:
    looped = [msg(1, "A", "one two three four five", 2), msg(2, "B", "six seven eight nine ten", 1)]
    assert len(offline_recap(looped)) == 1


def test_links_for_supergroups_public_groups_and_topics() -> None:
    assert message_link(-1001234567890, 42) == "https://t.me/c/1234567890/42"
    assert message_link(-1001234567890, 42, thread_id=7) == "https://t.me/c/1234567890/7/42"
    assert message_link(-1001234567890, 42, username="town") == "https://t.me/town/42"
    assert message_link(-4242, 42) == ""  # basic groups have no links


def test_llm_citations_become_points_and_unknown_ones_are_dropped() -> None:
    text = (
        "- Ben says the bridge vote moved to Thursday [#2]\n"
        "- Someone invented this [#999]\n"
        "Preamble that is not a bullet [#2]\n"
        "- Ana asked for a stream; Ben got it arranged [#4][#7]\n"
    )
    points = parse_llm_recap(text, CONVERSATION)
    assert [(p.author, p.message_id) for p in points] == [("Ben", 2), ("Ana", 4)]
    assert "[#" not in points[1].text


def test_transcript_numbers_lines_and_marks_replies() -> None:
    lines = transcript(CONVERSATION[:3]).splitlines()
    assert lines[2].startswith("[#3] Cy (↪ #2): ")


def test_chunks_fit_the_budget() -> None:
    parts = chunks(CONVERSATION, budget=40, count=lambda text: len(text.split()))
    assert [m for part in parts for m in part] == CONVERSATION
    assert len(parts) > 1


@given(st.text(max_size=600))
def test_shorten_is_one_bounded_line(text: str) -> None:
    line = shorten(text)
    assert "\n" not in line and len(line) <= 220


def test_five_hundred_messages_recap_quickly() -> None:
    # Not a timing assertion: a generous bound that only a pathological (quadratic+) recap misses.
    words = "bridge council budget vote school stream bakery renovation street river".split()
    many = [
        msg(
            i,
            f"user{i % 37}",
            " ".join(words[(i + k) % 10] for k in range(12)),
            i - 1 if i % 3 else None,
        )
        for i in range(1, 501)
    ]
    started = time.perf_counter()
    assert len(offline_recap(many)) == 6
    assert time.perf_counter() - started < 5.0
