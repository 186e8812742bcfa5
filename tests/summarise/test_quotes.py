"""Quotes in summaries are checked against the article: invented or paraphrased quotes lose their
quotation marks and are counted; real ones stay, however they were re-punctuated or re-spaced."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.summarise.quotes import check_quotes, find_quotes, quote_in_article, unverified_note, words

ARTICLE = """The mayor spoke after the vote on Monday.

“We cannot keep delaying repairs to the bridges,” said Mayor Anna Berg. “The money is there.
We will start in May.”

According to finance chief Tom Olsen, the deficit will shrink. He called the plan 'a sensible
compromise' and added: "Nobody will pay more tax next year." Critics said it was ``a gamble
with public money '' and promised to fight it."""


def test_exact_quotes_are_verified_and_left_alone() -> None:
    summary = (
        "- Mayor Anna Berg said: “We cannot keep delaying repairs to the bridges.”\n"
        '- Tom Olsen said "nobody will pay more tax next year".'
    )
    check = check_quotes(summary, ARTICLE)
    assert (check.quotes, check.verified, check.missing) == (2, 2, ())
    assert check.text == summary
    assert check.all_verified


def test_invented_quote_loses_its_marks_and_is_reported() -> None:
    summary = "- Berg said “the bridges are falling apart” and “the money is there”."
    check = check_quotes(summary, ARTICLE)
    assert (check.quotes, check.verified) == (2, 1)
    assert check.missing == ("the bridges are falling apart",)
    assert check.text == "- Berg said the bridges are falling apart and “the money is there”."


def test_paraphrase_in_quotation_marks_is_not_a_quote() -> None:
    # Close to what Olsen said, but not his words.
    check = check_quotes('- Olsen said "taxes will not go up next year".', ARTICLE)
    assert (check.quotes, check.verified) == (1, 0)
    assert check.text == "- Olsen said taxes will not go up next year."


def test_quote_spanning_sentences_and_lines_of_the_article_holds() -> None:
    # In the article the quote crosses a sentence end and a line break.
    check = check_quotes("- Berg: “The money is there. We will start in May.”", ARTICLE)
    assert (check.quotes, check.verified) == (1, 1)


def test_quote_glued_from_two_sentences_of_the_article_fails_unless_marked_as_cut() -> None:
    glued = "- Berg: “We cannot keep delaying repairs, we will start in May.”"
    assert check_quotes(glued, ARTICLE).verified == 0
    elided = "- Berg: “We cannot keep delaying repairs … we will start in May.”"
    assert check_quotes(elided, ARTICLE).verified == 1
    # An ellipsis only stands for words left out in order, not for words moved around.
    reordered = "- Berg: “We will start in May … we cannot keep delaying repairs.”"
    assert check_quotes(reordered, ARTICLE).verified == 0


def test_case_spacing_and_quote_styles_are_normalised() -> None:
    summary = (
        "- Critics called it “A GAMBLE   with public money”.\n"
        "- Olsen called it ‘a sensible compromise’ and said he didn’t worry."
    )
    check = check_quotes(summary, ARTICLE)
    assert (check.quotes, check.verified) == (2, 2)


def test_apostrophes_are_not_quotes() -> None:
    assert find_quotes("- The mayor's plan isn't the council's, Berg's aide said.") == []


def test_unclosed_and_half_quotes_are_checked_to_the_end_of_the_bullet() -> None:
    check = check_quotes(
        "- Berg said: “We will build a tunnel\n- We will start in May.” Berg", ARTICLE
    )
    assert (check.quotes, check.verified) == (2, 1)
    assert check.text.startswith("- Berg said: We will build a tunnel\n")


def test_note_plurals() -> None:
    assert unverified_note(3, 3) == ""
    assert unverified_note(0, 0) == ""
    assert unverified_note(2, 1) == "1 quote could not be found in the article."
    assert unverified_note(4, 1) == "3 quotes could not be found in the article."


def test_marks_without_words_are_not_quotes() -> None:
    check = check_quotes('- He said “…” and "" then left.', ARTICLE)
    assert check.quotes == 0 and check.text == '- He said “…” and "" then left.'


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_any_span_of_the_article_quoted_is_verified(data: st.DataObject) -> None:
    article_words = ARTICLE.split()
    start = data.draw(st.integers(0, len(article_words) - 1))
    end = data.draw(st.integers(start + 1, len(article_words)))
    span = " ".join(article_words[start:end])
    if not words(span) or any(mark in span for mark in "“”\"'‘’`"):
        return
    check = check_quotes(f"- Someone said “{span.upper()}” today.", ARTICLE)
    assert (check.quotes, check.verified) == (1, 1)


def strip_marks(text: str) -> str:
    return re.sub(r"[\s“”\"'‘’`«»]", "", text)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .,\n“”\"'‘’`«»…[]-")), max_size=120))
def test_checking_never_crashes_and_is_idempotent(summary: str) -> None:
    check = check_quotes(summary, "a b a. b b a")
    assert 0 <= check.verified <= check.quotes
    assert len(check.missing) == check.quotes - check.verified
    # Only quotation marks (and the spaces they leave) are ever removed.
    assert strip_marks(check.text) == strip_marks(summary)
    if check.all_verified:
        assert check.text == summary


def test_quote_in_article_uses_words_in_order() -> None:
    article = words("one two three four")
    assert quote_in_article("two three", article)
    assert not quote_in_article("three two", article)
    assert quote_in_article("", article)
