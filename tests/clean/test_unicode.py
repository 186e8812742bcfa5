"""Unicode and whitespace passes: repair damage, never restyle correct text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clean import CleanContext
from bot.clean.edits import apply_edits
from bot.clean.unicode import find_edits, find_whitespace_edits


def _unicode(text: str) -> tuple[str, list[tuple[str, str, str]]]:
    new, applied = apply_edits(text, find_edits(text, CleanContext()))
    return new, [(e.kind, text[e.start : e.end], e.replacement) for e in applied]


def _whitespace(text: str) -> str:
    return apply_edits(text, find_whitespace_edits(text, CleanContext()))[0]


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("cafÃ© au lait", "café au lait"),
        ("the â€œquoteâ€\x9d and itâ€™s", "the “quote” and it’s"),
        ("na\u00efve ﬁnance", "naïve finance"),  # ligature from a PDF
        ("e\u0301cole", "\u00e9cole"),  # NFC
        (
            "zero\u200bwidth, soft\u00adhyphen, word\u2060joiner, \ufeffBOM",
            "zerowidth, softhyphen, wordjoiner, BOM",
        ),
        ("control\x07char", "controlchar"),
        ("AT&amp;T", "AT&T"),
    ],
)
def test_damage_is_repaired_as_unicode(damaged: str, repaired: str) -> None:
    new, repairs = _unicode(damaged)
    assert new == repaired
    assert repairs and all(kind == "unicode" for kind, _, _ in repairs)


@pytest.mark.parametrize(
    "correct",
    [
        "“Curly quotes” and ‘single’ ones, em—dash, en–dash, ellipsis…",
        "Fullwidth CJK punctuation：「日本語」，（括弧）",  # no width folding
        "Family emoji 👨\u200d👩\u200d👧 keeps its joiners",
        "Hindi क्\u200dष and Persian می\u200cخواهم keep theirs",
        "Arabic \u200fعربي\u200f keeps its bidi marks",
        "Ideographic\u3000space in CJK",
        "Plain ASCII with a tab\tstays for the whitespace pass",
        "Português: ação, coração. Русский: ещё. 한국어.",
    ],
)
def test_correct_text_is_left_alone(correct: str) -> None:
    assert _unicode(correct) == (correct, [])


def test_exotic_spaces_become_plain_spaces_as_whitespace() -> None:
    new, repairs = _unicode("a\u00a0b\u202fc\u2009d")
    assert new == "a b c d"
    assert [kind for kind, _, _ in repairs] == ["whitespace"] * 3


def test_line_breaks_are_normalised() -> None:
    new, repairs = _unicode("one\r\ntwo\rthree\u2028four")
    assert new == "one\ntwo\nthree\nfour"
    assert {kind for kind, _, _ in repairs} == {"whitespace"}


def test_mojibake_line_also_gets_the_explicit_rules() -> None:
    assert _unicode("cafÃ©\u00a0ok\u200b!")[0] == "café ok!"


@pytest.mark.parametrize(
    ("messy", "tidy"),
    [
        ("  lead and trail  \n", "lead and trail"),
        ("two  spaces\tand tab", "two spaces and tab"),
        ("trailing   \nline", "trailing\nline"),
        ("   indented\n  line", "indented\nline"),
        ("para\n\n\n\n  \nnext", "para\n\nnext"),
        ("para\n\nnext\nline", "para\n\nnext\nline"),
    ],
)
def test_whitespace_normalisation(messy: str, tidy: str) -> None:
    assert _whitespace(messy) == tidy


def test_whitespace_only_text_becomes_empty() -> None:
    assert _whitespace(" \n\t ") == ""


@settings(max_examples=500)
@given(
    st.text(
        alphabet=st.characters(codec="utf-8")
        | st.sampled_from("\u00c2\u00c3\u00e2\x80\x9d\u20ac\u00a0 ")
    )
)
def test_unicode_then_whitespace_is_idempotent(text: str) -> None:
    once = _whitespace(_unicode(text)[0])
    assert _whitespace(_unicode(once)[0]) == once


def test_mojibake_that_takes_ftfy_two_rounds_is_fixed_in_one_pass() -> None:
    once = _unicode("the \u00e2\x80.")[0]
    assert _unicode(once) == (once, [])
