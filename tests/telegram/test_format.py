"""Formatting: escaping, Markdown → Telegram HTML, splitting; checked with the fake's HTML parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import Document, Result, Summary
from bot.telegram.render import (
    escape,
    format_origin,
    format_summary,
    markdown_to_html,
    split_html,
    utf16_len,
    visible_text,
)
from testsupport.botapi import HTMLError, parse_html


def test_utf16_len_counts_astral_characters_twice() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("é😀x") == 4


def test_escape_neutralises_markup() -> None:
    text, entities = parse_html(escape('<b>"x" & y</b>'))
    assert text == '<b>"x" & y</b>'
    assert entities == []


def test_fake_parser_rejects_what_telegram_rejects() -> None:
    for bad in (
        "<b>x",
        "<foo>x</foo>",
        "<b>x</i>",
        "a < b",
        '<a href="javascript:x">y</a>',
        "<pre><b>x</b></pre>",
        "<blockquote><blockquote>x</blockquote></blockquote>",
    ):
        with pytest.raises(HTMLError):
            parse_html(bad)


def test_markdown_bullets_bold_and_links() -> None:
    html = markdown_to_html(
        "# Key points\n\n- **Mayor Ruiz** said <script> & more\n"
        "- See [the report](https://example.org/r?a=1&b=2)\n- [bad](javascript:alert(1))"
    )
    text, entities = parse_html(html)
    assert "• Mayor Ruiz said <script> & more" in text
    assert {"type": "bold", "offset": text.index("Mayor"), "length": len("Mayor Ruiz")} in entities
    links = [e for e in entities if e["type"] == "text_link"]
    assert [link["url"] for link in links] == ["https://example.org/r?a=1&b=2"]
    assert "javascript" not in html.replace("[bad](javascript:alert(1))", "")


def test_markdown_nested_lists_code_and_quotes_parse() -> None:
    html = markdown_to_html(
        "1. one\n2. two\n   - inner *it*\n\n> quoted\n> > deeper\n\n```\na < b\n```\n`x<y`"
    )
    text, _ = parse_html(html)
    assert "1. one" in text and "2. two" in text and "a < b" in text and "x<y" in text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab *_-#>`[]()<>&\"'\n1.😀é!:/h")), max_size=200))
def test_any_markdown_becomes_valid_telegram_html(markdown: str) -> None:
    parse_html(markdown_to_html(markdown))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab c.!? 😀é&<>\n")), min_size=1, max_size=300),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=8, max_value=400),
)
def test_split_parts_are_valid_within_limit_and_lose_nothing(paras: list[str], limit: int) -> None:
    html = "\n\n".join(
        f"<b>{escape(p)}</b>"
        if i % 3 == 0
        else f'<a href="https://x.org/{i}">{escape(p)}</a>'
        if i % 3 == 1
        else escape(p)
        for i, p in enumerate(paras)
    )
    parts = split_html(html, limit)
    seen = []
    for part in parts:
        text, _ = parse_html(part)
        assert utf16_len(text) <= limit
        assert text.strip()
        seen.append(text)
    original, _ = parse_html(html)
    assert "".join("".join(seen).split()) == "".join(original.split())


def test_split_prefers_paragraph_then_sentence_boundaries() -> None:
    para = "First sentence here. Second sentence here."
    html = "\n\n".join([para] * 5)
    parts = split_html(html, limit=100)
    assert all(visible_text(p).endswith(".") for p in parts)
    assert visible_text(parts[0]) == f"{para}\n\n{para}"


def test_split_reopens_tags_across_the_cut() -> None:
    html = "<b>" + "word " * 50 + "</b>"
    parts = split_html(html, limit=60)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith("<b>") and part.endswith("</b>")
        parse_html(part)


def test_short_html_is_one_part_unchanged() -> None:
    assert split_html("<i>hi</i> there") == ["<i>hi</i> there"]


def test_format_summary_links_title_and_escapes_everything() -> None:
    result = Result(
        document=Document(
            source="https://news.example/a",
            text="body",
            title='Mayor <says> & "more"',
            url="https://news.example/a?x=1&y=2",
            site="News & Co",
        ),
        summary=Summary(text="- **Ruiz** said <b>hi</b>", model="m", prompt_version="1"),
    )
    origin = format_origin(channel_title="Chan <1>", post_url="https://t.me/chan/5")
    html = format_summary(result, origin=origin)
    text, entities = parse_html(html)
    assert text.startswith('Mayor <says> & "more"')
    assert "Forwarded from Chan <1>" in text
    assert "• Ruiz said <b>hi</b>" in text
    urls = [e["url"] for e in entities if e["type"] == "text_link"]
    assert urls == ["https://news.example/a?x=1&y=2", "https://t.me/chan/5"]


def test_format_origin_variants() -> None:
    assert parse_html(format_origin(user_name="Ann <A>"))[0] == "Forwarded from Ann <A>"
    hidden = parse_html(format_origin(hidden_name="Bob"))[0]
    assert hidden == "Forwarded from Bob (hidden account)"
    assert format_origin() == ""


def test_format_summary_shows_each_note_once() -> None:
    note = "LLM unavailable, offline summary shown"
    result = Result(
        document=Document(source="x", text="t", title="T"),
        summary=Summary(text="- a", model="offline", prompt_version="1", note=note),
        warnings=(note, "Another <warning>"),
    )
    text, _ = parse_html(format_summary(result))
    assert text.count(note) == 1 and "Another <warning>" in text
