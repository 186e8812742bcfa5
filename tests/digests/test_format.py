from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.digests.selection import Entry, Source
from bot.telegram.digest_html import key_lines, render_digest, render_empty
from bot.telegram.render import utf16_len, visible_text


def entry(i: int, summary: str = "- Minister said X.\n- Opposition said Y.\n- Third.") -> Entry:
    return Entry(
        title=f"Story <{i}> & more",
        url=f"https://site{i}.example/a?x=1&y=2",
        summary=summary,
        sources=[Source(f"https://site{i}.example/a?x=1&y=2", f"site{i}.example", "")],
    )


def test_entry_has_linked_escaped_title_two_lines_and_other_sources() -> None:
    e = entry(1)
    e.sources.append(Source("https://copy.example/b", "copy.example", ""))
    (html,) = render_digest([e], day=date(2025, 3, 3))
    assert '<a href="https://site1.example/a?x=1&amp;y=2">Story &lt;1&gt; &amp; more</a>' in html
    assert "• Minister said X." in html and "• Opposition said Y." in html
    assert "Third" not in html
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


def test_key_lines_strip_markdown_and_cap_length() -> None:
    lines = key_lines("## Summary\n\n* **Blinken** said `x`\n1. " + "long " * 100)
    assert lines[0] == "Summary"
    assert lines[1] == "Blinken said x"
    assert key_lines("a\nb\nc", limit=3)[2] == "c"
    assert len(key_lines("x " * 400)[0]) <= 281


def test_empty_note() -> None:
    assert "Nothing new" in render_empty(date(2025, 1, 1))
