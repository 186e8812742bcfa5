"""Paywall evidence: free articles that mention subscriptions pass, teasers are refused.

The fixtures in tests/fixtures/paywall/ were written for this project: `free/` pages carry
newsletter boxes, podcast and membership appeals, site-wide schema flags and hidden metering
templates beside complete articles; `teaser/` pages are built the ways paywalls are built.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ExtractError, PaywallError
from bot.ingest.html import (
    PAYWALL_MAX_WORDS,
    extract_document,
    is_paywall_teaser,
    page_evidence,
    split_trailing_prompt,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "paywall"
FREE = sorted((FIXTURES / "free").glob("*.html"))
TEASERS = sorted((FIXTURES / "teaser").glob("*.html"))


def test_the_fixture_sets_are_there() -> None:
    assert len(FREE) >= 10 and len(TEASERS) >= 8


@pytest.mark.parametrize("path", FREE, ids=lambda p: p.stem)
def test_free_article_is_not_refused(path: Path) -> None:
    doc = extract_document(path.read_text("utf-8"))
    assert doc.text
    assert "continue reading" not in doc.text.lower().split("\n")[-1]


@pytest.mark.parametrize("path", TEASERS, ids=lambda p: p.stem)
def test_teaser_is_refused_with_its_evidence(path: Path) -> None:
    with pytest.raises(PaywallError, match="paywall") as caught:
        extract_document(path.read_text("utf-8"))
    assert caught.value.detail and ";" in caught.value.detail  # two kinds of sign, named


def _page(body: str, head: str = "", after: str = "") -> str:
    return (
        f"<html><head><title>Story</title>{head}</head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Story</h1>{body}</article>{after}</body></html>"
    )


SHORT = "<p>The council approved the budget on Monday after a long debate about road repairs.</p>"
FLAG = '<script type="application/ld+json">{"isAccessibleForFree": false}</script>'
PROMPT = "<div class='box'><p>Subscribe to continue reading.</p></div>"


def _evidence(html: str) -> tuple[str, ...]:
    tree = trafilatura.load_html(html)
    result = trafilatura.bare_extraction(html, favor_precision=True)
    return is_paywall_teaser(result.text, page_evidence(tree))


def test_one_kind_of_sign_is_not_enough() -> None:
    assert _evidence(_page(SHORT, head=FLAG)) == ()  # a schema flag alone
    assert _evidence(_page(SHORT, after=PROMPT)) == ()  # a prompt alone
    assert _evidence(_page(SHORT, after="<div class='paywall'></div>")) == ()  # a box alone


def test_two_kinds_with_one_seen_on_the_page_are() -> None:
    assert _evidence(_page(SHORT, head=FLAG, after=PROMPT))
    cut = SHORT.replace("road repairs.", "road repairs and the") + PROMPT
    assert _evidence(_page(cut))


def test_declarations_without_anything_seen_are_not() -> None:
    # Sites put the flag and a metering container on free articles too.
    assert _evidence(_page(SHORT, head=FLAG, after="<div id='tp-container'></div>")) == ()


def test_a_long_body_is_never_a_teaser() -> None:
    long_body = "".join(f"<p>{SHORT[3:-4]} Part {i}.</p>" for i in range(PAYWALL_MAX_WORDS // 10))
    html = _page(long_body + "<p>More follows and the</p>", head=FLAG, after=PROMPT)
    assert "Part 3" in extract_document(html).text


def test_hidden_metering_template_is_not_a_sign() -> None:
    hidden = "<div class='paywall' style='display:none'><p>Subscribe to continue reading.</p></div>"
    assert _evidence(_page(SHORT, head=FLAG, after=hidden)) == ()


def test_trailing_prompt_lines_are_split_off() -> None:
    body, prompt = split_trailing_prompt("First.\nSecond.\nSubscribe to continue reading.")
    assert (body, prompt) == ("First.\nSecond.", "Subscribe to continue reading.")
    assert split_trailing_prompt("Only text.") == ("Only text.", "")


def test_refusal_is_an_extract_error_for_callers() -> None:
    assert issubclass(PaywallError, ExtractError)


_LINE = st.text(
    alphabet=st.characters(categories=["L", "N", "Zs"], exclude_characters="\n"), max_size=60
)


@given(st.lists(_LINE.filter(lambda s: s.strip()), min_size=1, max_size=8))
def test_a_body_without_prompts_is_left_whole(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert split_trailing_prompt(text) == (text, "")


@given(st.lists(_LINE.filter(lambda s: s.strip()), min_size=1, max_size=8))
def test_a_trailing_prompt_is_split_off_and_nothing_else(lines: list[str]) -> None:
    body = "\n".join(lines)
    kept, prompt = split_trailing_prompt(body + "\nSubscribe to continue reading.")
    assert kept == body.rstrip() and prompt == "Subscribe to continue reading."
