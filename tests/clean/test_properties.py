"""Properties of the whole cleanup stage on arbitrary and on article-like (damaged) text."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clean import clean_text
from bot.models import Repair

_WORDS = (
    "the minister said on tuesday that talks would continue in the capital and officials "
    "agreed a plan for schools hospitals roads with budget votes later this year"
).split()
_NAMES = ["antony blinken", "Vladimir Putin", "nato", "NATO", "madrid", "u. S.", "U.S.", "i"]
_DAMAGE = [
    "secretary of country",
    "demanding situations",
    "the primary time",
    "by some means",
    "more than a few",
    "caf\u00c3\u00a9",
    "\u00a0",
    "\u200b",
    "it\u2019s",
    "“quoted”",
    "example.com",
    "3.14",
    "10:30",
    " ,",
    # Structure the casing pass reads: defined acronyms, numbers in brackets, legal suffixes,
    # initials, wire datelines.
    "(1982)",
    "(tpa)",
    "inc.",
    "corp",
    "w. m.",
    "washington (reuters) -",
]
_ENDS = [".", "?", "!", ".”", ".”we", ",” he said."]
_BOILERPLATE = [
    "Leave a Reply",
    "Your email address will not be published. Required fields are marked *",
    "Share this:",
    "Δ",
    "Related Posts",
]

_token = st.one_of(
    st.sampled_from(_WORDS), st.sampled_from(_NAMES), st.sampled_from(_DAMAGE), st.text(max_size=3)
)


@st.composite
def sentences(draw: st.DrawFn) -> tuple[str, str]:
    """A sentence of article words with some damage in it, and its undamaged words."""
    words = draw(st.lists(_token, min_size=2, max_size=12))
    stable = " ".join(w for w in words if w in _WORDS or w in _NAMES)
    return " ".join(words) + draw(st.sampled_from(_ENDS)), stable


@st.composite
def articles(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    """Paragraphs of sentences, maybe followed by boilerplate; returns the text and, for each
    sentence, the sentence and its undamaged words (the ones no repair should take away)."""
    paragraphs = draw(
        st.lists(st.lists(sentences(), min_size=1, max_size=4), min_size=1, max_size=4)
    )
    text = "\n\n".join(" ".join(s for s, _ in p) for p in paragraphs)
    tail = draw(st.lists(st.sampled_from(_BOILERPLATE), max_size=4))
    if tail:
        text += "\n\n" + "\n".join(tail)
    return text, [(full, stable) for p in paragraphs for full, stable in p]


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def _check_repairs_match(original: str, repairs: tuple[Repair, ...]) -> None:
    """A repair's `before` is the input text at its offset wherever no earlier repair had edited.

    Repairs are listed pass by pass; an earlier repair that touches the span may have changed the
    text under it, so only untouched spans can be compared with the input.
    """
    earlier: list[Repair] = []
    for repair in repairs:
        assert repair.before != repair.after
        assert 0 <= repair.start <= len(original)
        end = repair.start + len(repair.before)
        touched = any(e.start <= end and repair.start <= e.start + len(e.before) for e in earlier)
        if not touched:
            assert original[repair.start : end] == repair.before, repair
        earlier.append(repair)


@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,  # the first example loads the tables; timings live in bench/
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.text(), st.text(max_size=30))
def test_never_raises_and_log_matches_on_any_text(text: str, title: str) -> None:
    result = clean_text(text, title=title)
    assert isinstance(result.text, str)
    _check_repairs_match(text, result.repairs)


@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,  # the first example loads the tables; timings live in bench/
    suppress_health_check=[HealthCheck.too_slow],
)
@given(articles(), st.sampled_from(["", "Blinken Says NATO Must Stay United In Madrid"]))
def test_article_properties(article: tuple[str, list[tuple[str, str]]], title: str) -> None:
    text, article_sentences = article
    result = clean_text(text, title=title)

    # Every logged repair matches the text it was made on.
    _check_repairs_match(text, result.repairs)

    # Idempotent: cleaning the cleaned text changes nothing.
    again = clean_text(result.text, title=title)
    assert again.text == result.text, again.repairs

    # No sentence of article text is dropped: most of each sentence's undamaged words are still
    # there, in order (ambiguous spinner repairs may change a few; boilerplate removal none).
    output = _tokens(result.text)
    cursor = 0
    for sentence, stable in article_sentences:
        words = _tokens(stable)
        present = 0
        for word in words:  # in order, each within the sentence's reach of the previous one
            reach = output[cursor : cursor + 2 * len(_tokens(sentence)) + 10]
            if word in reach:
                cursor += reach.index(word) + 1
                present += 1
        assert present * 2 >= len(words), (sentence, result.text)


def test_idempotent_next_to_a_currency_sign() -> None:
    once = clean_text("the the \u00e2\x80.").text
    assert clean_text(once).text == once


# Things that are not prose, each as its author wrote it: no repair may change them, whatever
# damage the prose around them shows.
_PROTECTED = [
    "https://example.com/Path/to?Q=1",
    "http://trustee.ietf.org/license-info",
    "dev@example.org",
    "enqueued_timestamp",
    "__wasi_fd_write",
    "<emscripten.h>",
    "application/ld+json",
    "readBatch",
    "iPhone",
    "eBay",
    "logship.cli.main",
    "docs/design/wasm.md",
    "#logship",
    "@handle",
    "`secretary of country`",
]


@st.composite
def damaged_with_code(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A damaged article with protected tokens put between its words."""
    text, _ = draw(articles())
    words = text.split(" ")
    inserted = []
    for _ in range(draw(st.integers(1, 4))):
        token = draw(st.sampled_from(_PROTECTED))
        words.insert(draw(st.integers(0, len(words))), token)
        inserted.append(token)
    return " ".join(words), inserted


@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(damaged_with_code(), st.sampled_from(["", "Blinken Says NATO Must Stay United In Madrid"]))
def test_protected_tokens_survive_any_repair(case: tuple[str, list[str]], title: str) -> None:
    text, inserted = case
    result = clean_text(text, title=title)
    for token in inserted:
        assert result.text.count(token) >= text.count(token) - _in_boilerplate(token, result), token
    again = clean_text(result.text, title=title)
    assert again.text == result.text, again.repairs


def _in_boilerplate(token: str, result: object) -> int:
    """How often `token` went with a boilerplate line the stage removed (lines at the end)."""
    repairs = getattr(result, "repairs", ())
    return sum(r.before.count(token) for r in repairs if r.kind == "boilerplate")
