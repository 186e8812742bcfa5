"""Regression test on the real spun article (examples/spun-article.txt): every artefact repaired."""

from __future__ import annotations

from functools import cache

import pytest

from bot.clean import clean_text
from bot.models import CleanResult
from testsupport.corpora import SPUN_EXAMPLE


@cache
def _cleaned() -> tuple[str, CleanResult]:
    title, _, body = SPUN_EXAMPLE.read_text(encoding="utf-8").partition("\n\n")
    return body, clean_text(body, title=title)


def _text() -> str:
    return _cleaned()[1].text


@pytest.mark.parametrize(
    "expected",
    [
        "U.S. Secretary of State Antony Blinken",
        "Vladimir Putin",
        "NATO",
        "NATO’s",
        "Ukraine",
        "Madrid",
        "Atlantic Council",
        "José Manuel Albares",
        "China",
        "Spanish Foreign Minister José Manuel Albares",
    ],
)
def test_names_places_and_titles_are_cased(expected: str) -> None:
    assert expected in _text()


@pytest.mark.parametrize(
    ("spun", "repaired"),
    [
        ("Secretary of country", "Secretary of State"),
        ("changed into part of", "was part of"),
        ("turned into by no means about", "was never about"),
        ("it’s far critical", "it is critical"),
        ("the primary time", "the first time"),
        ("demanding situations", "challenges"),
        ("convey to endure", "bring to bear"),
        ("extra focused", "more focused"),
        ("greater property", "more assets"),
        ("another united states", "another country"),
        ("by some means", "somehow"),
        ("a chance that nato posed", "a threat that NATO posed"),
        ("the u. S. Function", "the U.S. role"),
        ("keep to repel", "continue to repel"),
        ("ability negotiation", "potential negotiation"),
        ("exceptional silos", "different silos"),
        ("more than a few", "a range of"),
        ("an increasing number of", "increasingly"),
        ("the la statement", "L.A. Declaration"),
    ],
)
def test_spinner_artefacts_are_repaired(spun: str, repaired: str) -> None:
    text = _text()
    assert spun.lower() not in text.lower()
    assert repaired.lower() in text.lower()


def test_glued_quotes_are_separated_and_sentences_capitalised() -> None:
    text = _text()
    assert "country.” For the first time" in text
    assert "doing.” We have" in text
    assert "“We" in text  # a quotation that opens a sentence starts with a capital
    assert "“we" not in text


def test_comment_form_is_removed_and_the_article_ends_on_its_last_sentence() -> None:
    text = _text()
    assert "Leave a Reply" not in text
    assert "email address" not in text
    assert text.endswith("the secretary said.")


def test_every_repair_is_logged_against_the_input() -> None:
    body, result = _cleaned()
    kinds = {r.kind for r in result.repairs}
    assert {"boilerplate", "spacing", "spinner", "casing"} <= kinds
    for repair in result.repairs:
        assert 0 <= repair.start <= len(body)
    first_pass = [r for r in result.repairs if r.kind == "boilerplate"]
    for repair in first_pass:
        assert body[repair.start : repair.start + len(repair.before)] == repair.before
