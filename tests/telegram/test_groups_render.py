"""Recap and inline texts: links per point, attribution, notes, and the fake's strict HTML."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.groups.recap import RecapPoint
from bot.telegram.info import help_html
from bot.telegram.inline import urls_in
from bot.telegram.recap_command import RecapView, render_recap
from testsupport.botapi import parse_html

SINCE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def view(**overrides: object) -> RecapView:
    values: dict[str, object] = {
        "chat_id": -1001555000001,
        "username": "",
        "thread_id": None,
        "covered": 12,
        "left_out": 0,
        "since": SINCE,
    }
    values.update(overrides)
    return RecapView(**values)  # type: ignore[arg-type]


def test_offline_points_are_quoted_attributed_and_linked() -> None:
    points = [
        RecapPoint("Ann <admin>", "Budget is 5 < 6 & too high", 7, replies=2),
        RecapPoint("Bob", "Final on Sunday", 9),
    ]
    html = render_recap(points, view(left_out=3, note="A note"), quoted=True)
    text, entities = parse_html(html)  # the fake's strict parser accepts it
    assert "Ann <admin>: “Budget is 5 < 6 & too high” (2 replies)" in text
    links = [e["url"] for e in entities if e["type"] == "text_link"]
    assert links == ["https://t.me/c/1555000001/7", "https://t.me/c/1555000001/9"]
    assert "3 older messages were left out" in text and "A note" in text
    assert "12 messages since 01 Dec 09:00 UTC" in text


def test_llm_points_name_the_author_once_and_topics_link_into_the_topic() -> None:
    points = [RecapPoint("Ann Lee", "Ann says the budget is too high", 7)]
    html = render_recap(points, view(thread_id=3), quoted=False)
    text, entities = parse_html(html)
    assert "• Ann says the budget is too high" in text
    assert entities[-1]["url"] == "https://t.me/c/1555000001/3/7"
    html = render_recap([RecapPoint("Bob", "budget too high", 7)], view(), quoted=False)
    assert "Bob</b>: budget too high" in html


def test_basic_groups_have_no_links_and_public_groups_link_by_name() -> None:
    points = [RecapPoint("Ann", "point", 7)]
    assert "href" not in render_recap(points, view(chat_id=-4001), quoted=True)
    assert 'href="https://t.me/town/7"' in render_recap(points, view(username="town"), quoted=True)


def test_inline_queries_find_each_link_once() -> None:
    assert urls_in("") == []
    assert urls_in("see https://a.org/x, and (https://b.org/y) https://a.org/x") == [
        "https://a.org/x",
        "https://b.org/y",
    ]
    assert len(urls_in(" ".join(f"http://e.org/{i}" for i in range(50)))) == 50


def test_help_says_exactly_what_recaps_store() -> None:
    html = help_html(has_llm=False, bot_username="bot", recap_hours=12)
    parse_html(html)
    assert "text, author's name and id, time, topic and reply, kept 12 hours" in html
    assert "/forget" in html and "/recap off" in html


def test_what_counts_as_a_question_to_a_summary() -> None:
    from bot.telegram.question_command import looks_like_question

    assert looks_like_question("How much will it cost")
    assert looks_like_question("Сколько это стоит?")
    assert looks_like_question("tell me who opposed it")
    assert not looks_like_question("thanks!")
    assert not looks_like_question("great summary")
    assert not looks_like_question("")
