"""Spacing pass: glued quotes and sentence ends, stray spaces; URLs, numbers and names untouched."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.clean import CleanContext
from bot.clean.edits import apply_edits
from bot.clean.spacing import find_edits


def _space(text: str) -> str:
    return apply_edits(text, find_edits(text, CleanContext()))[0]


@pytest.mark.parametrize(
    ("glued", "fixed"),
    [
        ("impartial country.”for the primary time", "impartial country.” for the primary time"),
        ("what china is doing.”we have", "what china is doing.” we have"),
        ("a “quoted”word here", "a “quoted” word here"),
        ("He said.“We will", "He said. “We will"),
        ("he said“we will", "he said “we will"),
        ('He said "no."Then left', 'He said "no." Then left'),
        ("she said ‘no,’and left", "she said ‘no,’ and left"),
        ("the end.The next day", "the end. The next day"),
        ("it rained.However, we went", "it rained. However, we went"),
        ("efficiently.the end", "efficiently. the end"),
        (
            "Lawan , the senator, spoke on Tuesday. He left, then came back, and said so.",
            "Lawan, the senator, spoke on Tuesday. He left, then came back, and said so.",
        ),
        ("Really ! That is all ? Yes! No! Fine. Go!", "Really! That is all? Yes! No! Fine. Go!"),
    ],
)
def test_spacing_is_repaired(glued: str, fixed: str) -> None:
    assert _space(glued) == fixed


@pytest.mark.parametrize(
    "correct",
    [
        "Visit example.com, https://www.example.org/Path.Html?a=1 or news.bbc.co.uk today.",
        "Mail jane.doe@example.com. Pi is 3.14, it is 10:30, and .5 is a half.",
        "Abbreviations: e.g. this, i.e. that, a.m. and p.m., U.S. and U.K.’s election.",
        "Names like Amazon.com, Booking.Com, Node.js and ASP.NET stay as they are.",
        "Broken acronyms such as the u. S. Secretary are the casing pass's business.",
        "Bonjour ! Ça va ? Oui : très bien ; merci !",  # French spacing is a convention
        # A house style that spaces commas and full stops throughout is the editor's choice.
        "Yobe North , Ahmad Lawan , on Tuesday . The Senate , he said, resumed.",
        "VIP : 60,000₩\nR : 50,000₩",
        "Wait ... what? She said: ”Bird flu is back.”",  # ” after a space opens a quote
        "그는 “잘못이냐”고 말했다.",  # a Korean particle after a closing quote
        "It’s Nato’s and the ’90s; rock ’n’ roll.",
        "Paragraph one.\n\nParagraph two.",
    ],
)
def test_correct_text_is_left_alone(correct: str) -> None:
    assert _space(correct) == correct


def test_repairs_are_logged_as_spacing() -> None:
    text = "country.”for the first time , he said."
    assert {e.kind for e in find_edits(text, CleanContext())} == {"spacing"}


@given(st.text(alphabet='ab.,!?”“’" :/@1\n', max_size=60))
def test_spacing_is_idempotent(text: str) -> None:
    once = _space(text)
    assert _space(once) == once
