"""Edit bookkeeping: applying edits, mapping offsets back through several passes, pass order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.clean import CleanContext, _passes, clean_text
from bot.clean.edits import Edit, OffsetMap, apply_edits


def test_apply_edits_sorts_and_drops_overlaps_and_no_ops() -> None:
    text = "abcdef"
    edits = [Edit(4, 5, "E", "k"), Edit(0, 2, "AB", "k"), Edit(1, 3, "x", "k"), Edit(5, 5, "", "k")]
    new, applied = apply_edits(text, edits)
    assert new == "ABcdEf"
    assert [e.start for e in applied] == [0, 4]  # (1, 3) overlaps (0, 2); (5, 5, "") is a no-op


def test_apply_edits_one_insertion_per_position() -> None:
    new, applied = apply_edits("ab", [Edit(1, 1, "-", "k"), Edit(1, 1, "+", "k")])
    assert new == "a-b"
    assert len(applied) == 1


def test_offsets_map_back_through_two_passes() -> None:
    original = "xx NBSP\u00a0here \u200bthen end.”next"
    offsets = OffsetMap()
    first, applied = apply_edits(
        original, [Edit(original.index("\u200b"), original.index("\u200b") + 1, "", "unicode")]
    )
    offsets.push(applied)
    insert_at = first.index("”") + 1
    second, applied = apply_edits(first, [Edit(insert_at, insert_at, " ", "spacing")])
    offsets.push(applied)
    assert second == "xx NBSP\u00a0here then end.” next"
    assert offsets.to_original(second.index("next")) == original.index("next")
    assert offsets.to_original(second.index("then")) == original.index("then")
    assert offsets.to_original(3) == 3


def test_passes_run_in_the_documented_order() -> None:
    names = [f"{p.__module__.rsplit('.', 1)[-1]}.{p.__name__}" for p, _ in _passes()]
    assert names == [
        "unicode.find_edits",
        "unicode.find_whitespace_edits",
        "boilerplate.find_edits",
        "spacing.find_edits",
        "spinner.find_edits",
        "casing.find_edits",
    ]


def test_repairs_carry_offsets_in_the_input_text() -> None:
    text = "One\u200b two three.\u00a0Four five.\n\nLeave a Reply\n\nYour email address will not be published."
    result = clean_text(text)
    by_kind = {r.kind: r for r in result.repairs}
    assert by_kind["unicode"].start == text.index("\u200b")
    assert by_kind["whitespace"].start == text.index("\u00a0")
    boilerplate = [r for r in result.repairs if r.kind == "boilerplate"]
    assert boilerplate[0].start == text.index("Four five.") + len("Four five.")
    assert "Leave a Reply" not in result.text


@st.composite
def _text_and_edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(st.text(alphabet="abc xyz.”\n", min_size=1, max_size=40))
    edits = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 3)))
        edits.append(Edit(start, end, draw(st.text(alphabet="QRS", max_size=3)), "k"))
    return text, edits


@given(_text_and_edits(), st.data())
def test_untouched_characters_map_back_to_themselves(
    first: tuple[str, list[Edit]], data: st.DataObject
) -> None:
    original, edits = first
    offsets = OffsetMap()
    current, applied = apply_edits(original, edits)
    offsets.push(applied)
    second_edits = data.draw(
        st.lists(
            st.builds(
                lambda s, n, r: Edit(min(s, len(current)), min(s + n, len(current)), r, "k"),
                st.integers(0, 50),
                st.integers(0, 2),
                st.text(alphabet="QRS", max_size=2),
            ),
            max_size=3,
        )
    )
    current, applied2 = apply_edits(current, second_edits)
    offsets.push(applied2)
    # Characters never written by any edit ("QRS") and outside replaced spans keep their identity.
    for index, char in enumerate(current):
        if char in "QRS":
            continue
        mapped = offsets.to_original(index)
        assert original[mapped] == char


def test_context_notes_are_shared_between_passes() -> None:
    context = CleanContext(title="A Title")
    context.notes["spun_score"] = 3
    assert context.notes == {"spun_score": 3}


def test_clean_document_repairs_the_title_but_keeps_its_casing() -> None:
    from bot.clean import clean_document
    from bot.models import Document

    document = Document(
        source="-", text="the u. S. Secretary said so.", title="Blinken\u00a0In Madrid â€” Live "
    )
    cleaned, result = clean_document(document)
    assert cleaned.title == "Blinken In Madrid — Live"
    assert cleaned.text == result.text
