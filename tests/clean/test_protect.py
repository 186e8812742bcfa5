"""Protected spans: what is not prose is never edited, on clean and on damaged text alike."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clean import clean_text
from bot.clean.edits import Edit, apply_edits
from bot.clean.protect import outside, protected_spans, shift_spans

CLEAN_TEXT = Path(__file__).resolve().parents[1] / "data" / "clean_text"


@pytest.mark.parametrize(
    "span",
    [
        "http://trustee.ietf.org/license-info",
        "https://3pp.io:4439/oauth/michiel",
        "trustee.ietf.org/license-info",
        "enqueued_timestamp",
        "__wasi_fd_write",
        "<emscripten.h>",
        "<sys/types.hpp>",
        "application/ld+json",
        "logbatch+json",
        "wasm32-wasi",
        "dev@example.org",
        "#logship",
        "@logship",
        "docs/design/wasm.md",
        "~/.config/logship/logship.toml",
        "readBatch",
        "iPhone",
        "eBay",
        "logship.cli.main",
        "auth.session",
        "`make wasm`",
    ],
)
def test_spans_that_are_not_prose(span: str) -> None:
    text = f"See {span}, then carry on."
    assert [text[a:b] for a, b in protected_spans(text)] == [span]


@pytest.mark.parametrize(
    "text",
    [
        "the u. s. secretary met nato. The talks ended.",
        "It ended efficiently.the officials left.",
        "Mr. Smith paid $3.14 at 10:30 a.m. on 9/11, e.g. for the F-35 and COVID-19.",
        "He said: “no.” Then and/or 24/7 they left.",
    ],
)
def test_prose_is_not_protected(text: str) -> None:
    assert protected_spans(text) == ()


def test_a_fenced_block_is_one_span_and_an_unclosed_one_runs_to_the_end() -> None:
    text = "Intro.\n```python\nx = file.read()\n```\nAfter.\n~~~\nopen"
    spans = [text[a:b] for a, b in protected_spans(text)]
    assert spans == ["```python\nx = file.read()\n```", "~~~\nopen"]


def test_damaged_text_is_repaired_around_protected_spans() -> None:
    text = (
        "The u. s. secretary of state antony blinken met nato officials in madrid on monday, "
        "and russia’s envoy to ukraine wrote to press@state.gov about https://state.gov/ukraine "
        "and the file report_final_v2.pdf. The talks ended on tuesday in london."
    )
    out = clean_text(text).text
    assert "U.S. Secretary of State Antony Blinken met NATO officials in Madrid" in out
    for span in ("press@state.gov", "https://state.gov/ukraine", "report_final_v2.pdf"):
        assert span in out


def test_spun_artefacts_inside_code_stay() -> None:
    spun = "It is a demanding situations test. The secretary of country spoke. "
    text = spun + "Call `secretary_of_country()` or see demanding.situations.io for more."
    out = clean_text(text).text
    assert "the secretary of state spoke" in out.lower()
    assert "`secretary_of_country()`" in out and "demanding.situations.io" in out


@st.composite
def _text_and_edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    alphabet = st.sampled_from([*"ab _./:@#`-\n", "http://x.io/", "snake_case", "iPhone"])
    text = "".join(draw(st.lists(alphabet, max_size=40)))
    positions = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8, unique=True)))
    edits = []
    for start, end in zip(positions[::2], positions[1::2], strict=False):
        edits.append(Edit(start, end, draw(st.sampled_from(["", "X", "YYY"])), "t"))
    return text, edits


@given(_text_and_edits())
@settings(max_examples=300, deadline=None)
def test_spans_follow_the_text_through_edits_outside_them(case: tuple[str, list[Edit]]) -> None:
    text, edits = case
    spans = protected_spans(text)
    kept = outside(edits, spans)
    new_text, applied = apply_edits(text, kept)
    moved = shift_spans(spans, applied)
    assert [new_text[a:b] for a, b in moved] == [text[a:b] for a, b in spans]


def test_an_insertion_at_a_span_edge_is_outside_it() -> None:
    spans = ((4, 10),)
    assert outside([Edit(4, 4, " ", "t"), Edit(10, 10, " ", "t")], spans) == [
        Edit(4, 4, " ", "t"),
        Edit(10, 10, " ", "t"),
    ]
    assert outside([Edit(5, 5, " ", "t"), Edit(9, 11, "", "t"), Edit(2, 4, "", "t")], spans) == [
        Edit(2, 4, "", "t")
    ]


# -- bad input: linear time, no crash ----------------------------------------------------------


def _bad_inputs(size: int) -> dict[str, str]:
    return {
        "one URL": "https://example.com/" + "a/b" * (size // 3),
        "identifiers": " ".join(f"var_{i}_x" for i in range(size // 10)),
        "nested brackets": "(" * (size // 2) + "x" + ")" * (size // 2),
        "mixed brackets": "[(«" * (size // 6) + "»)]" * (size // 6),
        "mixed scripts": "Привет мир 世界 مرحبا hello עולם " * (size // 36),
        "dots": "a." * (size // 2),
        "handles": "@a" * (size // 2),
        "camelCase": " ".join(f"getValue{i}Now" for i in range(size // 16)),
    }


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        clean_text(text)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("kind", list(_bad_inputs(100)))
def test_bad_input_takes_linear_time(kind: str) -> None:
    small, large = _bad_inputs(40_000)[kind], _bad_inputs(320_000)[kind]
    clean_text(small)  # tables loaded
    ratio = _seconds(large) / max(_seconds(small), 1e-4)
    # 8x the input: linear work takes ~8x as long, quadratic work 64x. The bound is generous so
    # that a busy shared machine (timings that vary 2x from run to run) does not fail it.
    assert ratio < 40, f"{kind}: {ratio:.1f}x the time for 8x the input"


def test_a_megabyte_of_one_url_is_left_as_it_is() -> None:
    url = "https://example.com/" + "Path/" * 200_000
    assert clean_text(url).text == url
    assert protected_spans(f"see {url}.") == ((4, 4 + len(url)),)


def test_100000_identifiers_are_left_as_they_are() -> None:
    text = " ".join(f"item_{i}" for i in range(100_000))
    assert clean_text(text).text == text


# -- clean text of other genres ----------------------------------------------------------------


# The tuning files only: heldout/ is scored by bench.quality.clean_text, not asserted here.
@pytest.mark.parametrize(
    "path",
    sorted(p for p in CLEAN_TEXT.glob("*") if p.suffix in (".txt", ".md") and p.stem != "README"),
)
def test_clean_text_of_every_genre_gets_no_word_edits(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    repairs = [r for r in clean_text(text).repairs if r.kind not in ("unicode", "whitespace")]
    assert repairs == []
