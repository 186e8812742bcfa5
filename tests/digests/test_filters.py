from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.digests.filters import (
    MAX_TERM_CHARS,
    MAX_TERMS,
    ChatFilter,
    check_limit,
    parse_terms,
)
from bot.errors import InputError
from bot.storage.filters import FilterRow


@dataclass
class Item:
    title: str
    text: str = ""
    feed_id: int | None = None


def chat_filter(include: list[str] = (), exclude: list[str] = (), feed_id: int = 0) -> ChatFilter:  # type: ignore[assignment]
    rows = [FilterRow("include", t, feed_id) for t in include]
    rows += [FilterRow("exclude", t, feed_id) for t in exclude]
    return ChatFilter(rows)


def test_words_and_quoted_phrases_are_case_folded_and_deduplicated() -> None:
    assert parse_terms('NASA "Climate   Change" ai “Straße” «la une» nasa') == [
        "nasa",
        "climate change",
        "ai",
        "strasse",
        "la une",
    ]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('""', "empty phrase"),
        ("“ ”", "empty phrase"),
        ('"climate change', "unclosed quote"),
        ("", "at least one word"),
        ("   ", "at least one word"),
        ("x" * 10_000, f"at most {MAX_TERM_CHARS} characters"),
        ("a" * 61, "has 61"),
    ],
)
def test_bad_terms_get_one_clear_message(text: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_terms(text)
    assert needle in err.value.user_message


def test_the_limit_counts_terms_already_stored() -> None:
    check_limit(0, MAX_TERMS)
    check_limit(49, 1)
    with pytest.raises(InputError) as err:
        check_limit(0, 1000)
    assert "at most 50 filter terms" in err.value.user_message
    assert "Nothing was changed" in err.value.user_message
    with pytest.raises(InputError):
        check_limit(50, 1)


def test_terms_match_whole_words_in_title_or_text() -> None:
    ai = chat_filter(include=["ai"])
    assert ai.keeps("AI rules agreed", "")
    assert ai.keeps("Rules agreed", "Brussels agreed new rules for AI.")
    assert not ai.keeps("Minister said so", "He said the rain was fair.")  # not in "said"/"rain"
    phrase = chat_filter(exclude=["climate change"])
    assert not phrase.keeps("Talks", "on CLIMATE\nchange today")  # across a line break
    assert phrase.keeps("Climate", "change")  # never across title and text


def test_include_and_exclude_together() -> None:
    f = chat_filter(include=["football", "tennis"], exclude=["transfer rumours"])
    assert f.keeps("Tennis final tonight")
    assert not f.keeps("Football: transfer rumours round-up")
    assert not f.keeps("Election results")
    kept, dropped = f.apply([Item("Tennis"), Item("Elections"), Item("football transfer rumours")])
    assert [i.title for i in kept] == ["Tennis"] and dropped == 2


def test_regex_syntax_emoji_and_rtl_are_plain_text() -> None:
    regex = chat_filter(exclude=["(a|b)*", "c++", ".*"])
    assert regex.keeps("a b aaa", "anything at all")  # no pattern semantics
    assert not regex.keeps("Why (a|b)* is a regex", "")
    assert not regex.keeps("Learning C++ today", "")
    assert not regex.keeps("", "greedy .* match")
    assert not regex.keeps("", "spaced c + + still counts")  # punctuation is tokenised alike
    rocket = chat_filter(include=["🚀"])
    assert rocket.keeps("Launch🚀day", "") and not rocket.keeps("Launch day", "")
    hebrew = chat_filter(include=["שלום"])
    assert hebrew.keeps("", "אמר שלום לכולם") and not hebrew.keeps("", "שלומית")
    arabic = chat_filter(exclude=["الطقس"])
    assert not arabic.keeps("نشرة الطقس اليوم", "")


def test_feed_terms_apply_to_that_feed_only() -> None:
    f = ChatFilter([FilterRow("exclude", "sport", 7), FilterRow("exclude", "ads", 0)])
    assert not f.keeps("Sport results", "", feed_id=7)
    assert f.keeps("Sport results", "", feed_id=8)
    assert f.keeps("Sport results", "")  # shared in the chat: no feed
    assert not f.keeps("Ads everywhere", "", feed_id=8)
    include = ChatFilter([FilterRow("include", "rust", 3)])
    assert include.keeps("Gardening", "", feed_id=4)
    assert not include.keeps("Gardening", "", feed_id=3)


def test_no_terms_keeps_everything() -> None:
    f = ChatFilter([])
    assert not f.active
    assert f.apply([Item("a"), Item("b")]) == ([Item("a"), Item("b")], 0)


_words = st.sampled_from(["ai", "rust", "c++", "the cat", "🚀", "şu", "ß", "x.y", "über"])
_PIECES = ["AI", "rust", "Rusty", "c++", "THE CAT", "the\ncat", "🚀", "ŞU", "SS", "x.y",
           "xay", "Über", "said", ",", ".", " ", "_ai", "ai_"]  # fmt: skip
_texts = st.lists(st.sampled_from(_PIECES), max_size=12).map(" ".join)


def _tokens(text: str) -> list[str]:
    # The specification, written independently: words, and every other visible character alone.
    return re.findall(r"[^\W_]+|[^\s\w]|_", text.casefold())


def _reference(term: str, text: str) -> bool:
    # A term matches where its tokens appear in a row among the text's tokens.
    want, have = _tokens(term), _tokens(text)
    return any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1))


@given(st.lists(_words, min_size=1, max_size=4), _texts, _texts)
def test_matching_agrees_with_a_whole_word_reference(
    terms: list[str], title: str, text: str
) -> None:
    f = chat_filter(exclude=terms)
    expected = any(_reference(t, title) or _reference(t, text) for t in terms)
    assert f.keeps(title, text) is not expected
