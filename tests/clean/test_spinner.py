"""Spinner pass: the curated table, matching, case handling, spun-document gating, precision."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clean import CleanContext, clean_text
from bot.clean.edits import apply_edits
from bot.clean.spinner import (
    CONDITIONS,
    SpinnerEntry,
    _lowercased,
    find_edits,
    load_spinner_table,
    spun_evidence,
)
from testsupport.corpora import NEWS_DEV, SPUN_EXAMPLE


def spin_fix(text: str) -> tuple[str, CleanContext]:
    """Run the spinner pass alone and apply its edits."""
    context = CleanContext()
    new, _ = apply_edits(text, find_edits(text, context))
    return new, context


# --- the table -------------------------------------------------------------------------------


def test_table_is_large_and_well_formed() -> None:
    table = load_spinner_table()
    assert len(table) >= 500
    assert all(isinstance(e, SpinnerEntry) for e in table)
    assert {e.condition for e in table} == set(CONDITIONS)
    assert sum(e.condition == "always" for e in table) >= 400
    for entry in table:
        assert entry.spun == " ".join(entry.spun.lower().split()), entry
        assert "’" not in entry.spun, entry
        assert entry.original and entry.original.lower() != entry.spun, entry
        for pattern in (entry.prev, entry.next, entry.not_prev, entry.not_next):
            re.compile(pattern)  # raises on a broken pattern
            assert "@" not in pattern, f"unexpanded macro in {entry}"


def test_table_rows_are_unique() -> None:
    keys = [
        (e.spun, e.condition, e.prev, e.next, e.not_prev, e.not_next) for e in load_spinner_table()
    ]
    assert len(keys) == len(set(keys))


def test_ambiguous_single_words_are_never_unconditional() -> None:
    # Precision first: the single words the issue names as ambiguous need a spun document or a
    # local context before they are touched.
    ambiguous = {"extra", "greater", "property", "chance", "function", "ability", "exceptional"}
    ambiguous |= {"endure", "era", "coverage", "navy", "stated", "paintings", "approximately"}
    for entry in load_spinner_table():
        if entry.spun in ambiguous:
            assert entry.condition == "spun_doc" or entry.prev or entry.next, entry


def test_multiword_property_counts_words() -> None:
    assert SpinnerEntry("demanding situations", "challenges", "always").multiword
    assert not SpinnerEntry("extra", "more", "spun_doc").multiword


# --- the shared example ----------------------------------------------------------------------

EXAMPLE_REPAIRS = [
    ("Secretary of country", "Secretary of State"),
    ("changed into part of", "was part of"),
    ("turned into by no means about", "was never about"),
    ("it’s far critical", "it is critical"),
    ("for the primary time", "for the first time"),
    ("demanding situations", "challenges"),
    ("convey to endure", "bring to bear"),
    ("greater united, extra focused, and with greater property", "more united, more focused"),
    ("another united states", "another country"),
    ("by some means approximately a chance", "somehow about a threat"),
    ("u. S. Function right now’s", "u. S. role right now is"),
    ("keep to repel", "continue to repel"),
    ("ability negotiation", "potential negotiation"),
    ("exceptional silos", "different silos"),
    ("more than a few of things", "a range of things"),
    ("an increasing number of in which", "increasingly in which"),
    ("the la statement", "L.A. Declaration"),
    ("on the a part of", "on the part of"),
    ("does now not deserve", "does not deserve"),
    ("the maximum complicated", "the most complicated"),
    ("At the identical time", "At the same time"),
    ("following via on", "following through on"),
    ("have interaction in talks", "engage in talks"),
]


@pytest.mark.parametrize(("artefact", "repaired"), EXAMPLE_REPAIRS)
def test_every_listed_artefact_of_the_example_is_repaired(artefact: str, repaired: str) -> None:
    original = SPUN_EXAMPLE.read_text(encoding="utf-8")
    assert artefact in original
    fixed, context = spin_fix(original)
    assert artefact not in fixed
    assert repaired in fixed
    assert context.notes["spun"] is True


def test_example_keeps_benign_synonyms_and_names() -> None:
    fixed, context = spin_fix(SPUN_EXAMPLE.read_text(encoding="utf-8"))
    assert "blinken stated" in fixed  # "stated" for "said" reads correctly: left alone
    assert "with more assets to cope with a multiplicity of challenges" in fixed
    assert context.notes["spun_score"] >= 15


def test_example_through_the_whole_stage_keeps_spinner_repairs() -> None:
    result = clean_text(SPUN_EXAMPLE.read_text(encoding="utf-8"))
    kinds = {r.kind for r in result.repairs}
    assert "spinner" in kinds
    lowered = result.text.lower()
    for artefact in ("secretary of country", "demanding situations", "convey to endure"):
        assert artefact not in lowered


# --- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rising hobby rates hurt.", "Rising interest rates hurt."),
        ("Hobby rates rose.", "Interest rates rose."),
        ("HOBBY RATES ROSE.", "INTEREST RATES ROSE."),
        ("the secretary of country said", "the Secretary of State said"),
        ("Ecu union leaders met.", "European Union leaders met."),
        ("We’ve got now not seen it.", "We have not seen it."),
        ("We've got now not seen it.", "We have not seen it."),
        ("It’s far critical.", "It is critical."),
        ("the inventory  market", "the inventory  market"),  # two spaces: not the phrase
        ("lobbyhobby rates", "lobbyhobby rates"),  # inside a word
        ("non-hobby rates", "non-hobby rates"),  # inside a hyphenated compound
        ("hobby rates-driven", "hobby rates-driven"),
        ("the secretary of country's view", "the Secretary of State's view"),
        ("a 60-12 months antique man", "a 60-year-old man"),
        ("lobby 12 months antique", "lobby year old"),
    ],
)
def test_matching_boundaries_case_and_apostrophes(text: str, expected: str) -> None:
    assert spin_fix(text)[0] == expected


def test_context_conditions_decide_always_entries() -> None:
    # "it's far" + adjective is a spinner's "it is"; "it's far better" is good English.
    assert spin_fix("I think it's far important to act.")[0] == "I think it is important to act."
    assert spin_fix("I think it's far better to act.")[0] == "I think it's far better to act."
    # "maximum" before an adjective is "most"; "maximum possible" is a real phrase.
    assert spin_fix("the maximum popular app")[0] == "the most popular app"
    assert spin_fix("the maximum possible fine")[0] == "the maximum possible fine"
    # "keep to" + verb is "continue to"; "keep to the left" is not.
    assert spin_fix("Prices keep to rise.")[0] == "Prices continue to rise."
    assert spin_fix("Drivers keep to the left.")[0] == "Drivers keep to the left."
    assert spin_fix("Is it kept to be used later?")[0] == "Is it kept to be used later?"


def test_ambiguous_entries_need_a_spun_document() -> None:
    plain = "The club now has greater united support and extra focused training."
    assert spin_fix(plain)[0] == plain
    spun = plain + " Hobby rates rose. The ecu union met for the primary time."
    fixed, context = spin_fix(spun)
    assert "more united support and more focused training" in fixed
    assert context.notes["spun_score"] == 3
    assert context.notes["spun"] is True


def test_single_artefact_in_a_long_text_does_not_unlock_ambiguous_entries() -> None:
    filler = "The minister spoke to reporters about the budget on Monday. " * 40
    text = filler + "Hobby rates rose. The team is extra focused now."
    fixed, context = spin_fix(text)
    assert "Interest rates rose." in fixed
    assert "extra focused" in fixed
    assert context.notes["spun"] is False


def test_capital_after_a_broken_acronym_is_not_kept() -> None:
    text = "Hobby rates rose, ecu union said, and the u. S. Function right now is unclear."
    assert "the u. S. role right now" in spin_fix(text)[0]


def test_spun_evidence_counts_artefacts() -> None:
    evidence = spun_evidence("Hobby rates and the inventory market; it turned into part of it.")
    assert (evidence.unambiguous, evidence.ambiguous, evidence.words) == (2, 1, 12)
    assert evidence.score == 2.5
    assert evidence.density == pytest.approx(2500 / 12)
    assert evidence.spun
    empty = spun_evidence("")
    assert (empty.score, empty.density, empty.spun) == (0, 0.0, False)


def test_a_lowercased_document_needs_less_evidence() -> None:
    sentence = "the minister met the head of the european commission and nato on monday. "
    lowered = sentence * 6 + "it turned into part of a plan. the talks changed into a success."
    assert _lowercased(lowered)
    # Ambiguous matches alone prove nothing, however lowercased the names ...
    assert not spun_evidence(lowered).spun
    assert "turned into part of a plan" in spin_fix(lowered)[0]
    # ... but one unambiguous artefact besides the lowercased names does.
    lowered += " hobby rates rose."
    assert spun_evidence(lowered).spun
    cased = lowered.replace("european commission", "European Commission").replace("nato", "NATO")
    assert not _lowercased(cased)
    assert not spun_evidence(cased).spun
    assert "was part of a plan" in spin_fix(lowered)[0]
    assert "turned into part of a plan" in spin_fix(cased)[0]


# --- precision on professionally edited news -------------------------------------------------


@pytest.mark.skipif(not NEWS_DEV.exists(), reason="news-dev corpus not available")
def test_no_spinner_edits_on_clean_news() -> None:
    truth = json.loads((NEWS_DEV / "ground-truth.json").read_text(encoding="utf-8"))
    edits = []
    for key, value in truth.items():
        context = CleanContext()
        for edit in find_edits(value["articleBody"], context):
            edits.append((key, value["articleBody"][edit.start : edit.end], edit.replacement))
        assert context.notes["spun"] is False, key
    assert edits == []


# --- properties ------------------------------------------------------------------------------

_PHRASES = sorted({e.spun for e in load_spinner_table()})
_FILLER = ["the", "a", "said", "rates", "to", "of", "and", "U.S.", "it’s", "far", "more", "."]
_pieces = st.lists(
    st.one_of(
        st.sampled_from(_PHRASES),
        st.sampled_from(_FILLER),
        st.text(alphabet="abcXY’'-. ,\n", max_size=6),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(_pieces, st.sampled_from([" ", "  ", "\n", "-", ""]))
def test_edits_are_valid_and_repairs_are_idempotent(pieces: list[str], sep: str) -> None:
    text = sep.join(pieces)
    context = CleanContext()
    edits = list(find_edits(text, context))
    last = -1
    for edit in sorted(edits, key=lambda e: e.start):
        assert 0 <= edit.start < edit.end <= len(text)
        assert edit.start >= last
        assert edit.kind == "spinner"
        last = edit.end
    fixed, applied = apply_edits(text, edits)
    assert len(applied) == len(edits)
    for start, end, replacement in context.notes["spinner_spans"]:
        assert fixed[start:end] == replacement
    again, _ = apply_edits(fixed, find_edits(fixed, CleanContext()))
    assert again == fixed


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_any_text(text: str) -> None:
    context = CleanContext()
    edits = list(find_edits(text, context))
    assert isinstance(context.notes["spun_score"], int)
    assert all(text[e.start : e.end] for e in edits)


def test_spinner_spans_locate_replacements_in_the_output() -> None:
    text = "Hobby rates rose; the inventory market fell, via the what is known as the la statement."
    fixed, context = spin_fix(text)
    spans = context.notes["spinner_spans"]
    assert [replacement for _, _, replacement in spans] == [
        "Interest rates",
        "stock market",
        "the so-called",
        "L.A. Declaration",
    ]
    for start, end, replacement in spans:
        assert fixed[start:end] == replacement


def test_every_unconditional_entry_is_reachable() -> None:
    # Guards the data file: each context-free `always` phrase must match as written (no phrase
    # shadowed by a longer one, no stray character that can never occur in text).
    failures = []
    for entry in load_spinner_table():
        if entry.condition != "always" or entry.prev or entry.next:
            continue
        text = f"We noted {entry.spun} here."
        fixed, _ = spin_fix(text)
        if entry.original.lower() not in fixed.lower().replace("’", "'"):
            failures.append((entry.spun, fixed))
    assert failures == []
