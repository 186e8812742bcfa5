from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.digests.selection import Entry, Source
from bot.telegram.digest_html import key_lines, render_digest, render_empty
from bot.telegram.render import utf16_len, visible_text
from testsupport.botapi import HTMLError, parse_html


def entry(i: int, summary: str = "- Minister said X.\n- Opposition said Y.\n- Third.") -> Entry:
    return Entry(
        title=f"Story <{i}> & more",
        url=f"https://site{i}.example/a?x=1&y=2",
        summary=summary,
        sources=[Source(f"https://site{i}.example/a?x=1&y=2", f"site{i}.example", "")],
    )


def test_entry_shows_the_first_statement_and_folds_the_rest_into_an_expandable_quote() -> None:
    e = entry(1, "- Minister said X.\n- Opposition said Y.\n- Third.\n- Fourth.\n- Fifth.")
    e.sources.append(Source("https://copy.example/b", "copy.example", ""))
    (html,) = render_digest([e], day=date(2025, 3, 3))
    assert '<a href="https://site1.example/a?x=1&amp;y=2">Story &lt;1&gt; &amp; more</a>' in html
    assert "more</a></b> — site1.example\n• Minister said X.\n<blockquote expandable>" in html
    assert "<blockquote expandable>• Opposition said Y.\n• Third.\n• Fourth.</blockquote>" in html
    assert "Fifth" not in html
    text, entities = parse_html(html)  # the strict fake accepts it as Telegram does
    quote = next(e for e in entities if e["type"] == "expandable_blockquote")
    assert (
        text.encode("utf-16-le")[quote["offset"] * 2 :]
        .decode("utf-16-le")
        .startswith("• Opposition")
    )
    assert '<a href="https://copy.example/b">copy.example</a>' in html
    assert "Mon 3 Mar 2025" in html


def test_overview_only_when_many_entries() -> None:
    assert "stories from" not in render_digest([entry(i) for i in range(3)])[0]
    assert "8 stories from 8 articles" in render_digest([entry(i) for i in range(8)])[0]


def test_split_at_entry_boundaries_under_the_limit() -> None:
    entries = [entry(i, f"- {'word ' * 50}{i}\n- more {i}") for i in range(200)]
    messages = render_digest(entries)
    assert len(messages) > 1
    for m in messages:
        assert utf16_len(visible_text(m)) <= 4096
    # Every entry appears whole in exactly one message.
    for i in range(200):
        holders = [m for m in messages if f"Story &lt;{i}&gt;" in m]
        assert len(holders) == 1
        assert f"more {i}" in holders[0]


@given(st.lists(st.text(min_size=0, max_size=600), min_size=1, max_size=40))
def test_any_summaries_render_within_limits(summaries: list[str]) -> None:
    messages = render_digest([entry(i, s) for i, s in enumerate(summaries)], limit=1000)
    assert messages
    assert all(utf16_len(visible_text(m)) <= 1000 for m in messages)
    assert all("<script" not in m for m in messages)
    for m in messages:
        parse_html(m)  # valid Telegram HTML, blockquotes included, even when split


def test_a_single_statement_gets_no_quote() -> None:
    (html,) = render_digest([entry(1, "Only one line.")])
    assert "blockquote" not in html and "• Only one line." in html


def test_footer_counts_more_stories_and_filtered_items() -> None:
    messages = render_digest([entry(i) for i in range(3)], more=5, filtered=12)
    assert messages[-1].endswith(
        "<i>5 more stories: /digest all shows them all. 12 items filtered out (/filters).</i>"
    )
    assert render_digest([entry(1)], more=1, filtered=1)[-1].endswith(
        "<i>1 more story: /digest all shows them all. 1 item filtered out (/filters).</i>"
    )
    assert "<i>" not in render_digest([entry(1)])[-1].split("</blockquote>")[-1]


def test_digest_uses_the_fewest_messages_the_limit_allows() -> None:
    entries = [entry(i, f"- {'word ' * 60}{i}\n- {'more ' * 60}{i}") for i in range(60)]
    messages = render_digest(entries)
    sizes = [utf16_len(visible_text(m)) for m in messages]
    total = sum(sizes) + 2 * (len(messages) - 1)  # the blank lines between blocks
    # Greedy packing in order: no two neighbouring messages would fit into one.
    assert all(a + 2 + b > 4096 for a, b in itertools.pairwise(sizes))
    assert len(messages) <= -(-total // 4096) + 1


def test_the_fake_rejects_what_telegram_rejects_in_quotes() -> None:
    parse_html("<blockquote expandable>a <b>b</b></blockquote>")
    for bad in (
        "<blockquote><blockquote expandable>x</blockquote></blockquote>",
        "<blockquote expandable>x",
        "<blockquote expandable=yes>x</blockquote>",
        "<blockquote collapsed>x</blockquote>",
        "<pre><blockquote expandable>x</blockquote></pre>",
    ):
        try:
            parse_html(bad)
        except HTMLError:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_key_lines_strip_markdown_and_cap_length() -> None:
    lines = key_lines("## Summary\n\n* **Blinken** said `x`\n1. " + "long " * 100)
    assert lines[0] == "Summary"
    assert lines[1] == "Blinken said x"
    assert key_lines("a\nb\nc", limit=3)[2] == "c"
    assert len(key_lines("x " * 400)[0]) <= 281


def test_empty_note() -> None:
    assert "Nothing new" in render_empty(date(2025, 1, 1))
