from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.summarise.chunking import split_to_budget
from bot.summarise.tokens import count_tokens


def tokens_of(text: str) -> int:
    return count_tokens(text, "llama3")


def test_short_text_is_one_chunk() -> None:
    assert split_to_budget("One paragraph.\n\nAnother.", 100) == ["One paragraph.\n\nAnother."]


def test_prefers_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {i} says something about topic {i}. " * 3 for i in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    budget = tokens_of(paragraphs[0]) * 2 + 5
    chunks = split_to_budget(text, budget, count=tokens_of)
    assert "".join(chunks) == text
    assert len(chunks) >= 3
    for chunk in chunks[:-1]:
        assert chunk.endswith("\n\n")  # every cut falls between paragraphs


def test_long_paragraph_is_cut_between_sentences() -> None:
    sentence = "The minister said the plan would cost twelve million euros over four years. "
    text = sentence * 20
    chunks = split_to_budget(text, tokens_of(sentence) * 3, count=tokens_of)
    assert "".join(chunks) == text
    assert len(chunks) >= 7
    assert all(chunk.endswith(". ") for chunk in chunks)


def test_a_huge_word_is_cut_by_characters() -> None:
    text = "see " + "x" * 5000 + " end"
    chunks = split_to_budget(text, 50, count=tokens_of)
    assert "".join(chunks) == text
    assert all(tokens_of(c) <= 50 for c in chunks)


def test_budget_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_to_budget("text", 0)


words = st.sampled_from(
    [
        "Blinken",
        "said",
        "“we",
        "have",
        "not",
        "seen",
        "any”",
        "interest.",
        "Nato’s",
        "12.5%",
        "a",
        "the",
        "Ukraine,",
        "Putin?",
        "Ja!",
        "über",
        "日本",
        "—",
        "https://example.com/x",
    ]
)
separators = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\n \n", "\t", ". "])


@st.composite
def articles(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(words, separators), max_size=120))
    return "".join(w + s for w, s in parts)


@settings(max_examples=150, deadline=None)
@given(articles(), st.integers(min_value=4, max_value=80))
def test_chunks_cover_the_text_and_fit_the_budget(text: str, budget: int) -> None:
    chunks = split_to_budget(text, budget, count=tokens_of)
    assert "".join(chunks) == text  # nothing lost, nothing duplicated, order kept
    assert all(chunk for chunk in chunks)
    assert all(tokens_of(chunk) <= budget for chunk in chunks)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400), st.integers(min_value=4, max_value=40))
def test_arbitrary_unicode_is_covered(text: str, budget: int) -> None:
    chunks = split_to_budget(text, budget, count=tokens_of)
    assert "".join(chunks) == text
    # Only a lone character that is itself over budget may exceed it.
    assert all(tokens_of(c) <= budget or len(c) == 1 for c in chunks)
