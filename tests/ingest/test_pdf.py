"""PDF extraction on PDFs generated here: paragraphs, hyphenation, page furniture, every refusal."""

from __future__ import annotations

import pytest

from bot.errors import BotError, ExtractError
from bot.ingest import pdf
from bot.ingest.pdf import (
    Line,
    drop_page_furniture,
    extract_pdf,
    is_page_number,
    looks_like_pdf,
    rewrap,
)
from testsupport.pages import ARTICLE_TEXT, ARTICLE_TITLE
from testsupport.pdfs import (
    article_pdf,
    blank_pages,
    encrypted,
    filler_paragraphs,
    make_pdf,
    raw_pdf,
    report_pdf,
    scanned_pdf,
    text_stream,
    zero_bomb,
)

SENTENCE = "The council said on Monday that the new bridge would open next year."

# --- whole documents --------------------------------------------------------------------------


def test_press_release_reads_as_the_article() -> None:
    doc = extract_pdf(article_pdf(), source="release.pdf", url="https://example.org/r.pdf")
    assert doc.title == ARTICLE_TITLE
    assert doc.author == "Riverside Press Office"
    assert doc.text == ARTICLE_TEXT  # headers and "Page n of 2" gone, paragraphs rewrapped
    assert doc.source == "release.pdf"
    assert doc.url == "https://example.org/r.pdf"
    assert len(doc.date) == 10 and doc.date[4] == "-"  # the creation date, ISO


def test_multi_page_report_keeps_every_paragraph_in_order() -> None:
    pages = [filler_paragraphs(3, seed=n, words=110) for n in range(6)]
    data = make_pdf(pages, header="Riverside City Council - Annual Report 2024", page_numbers=True)
    doc = extract_pdf(data, source="report.pdf")
    expected = [p for page in pages for p in page]
    # Without a metadata title the first paragraph would be a title only if short; these are long.
    assert doc.title == ""
    assert doc.text.split("\n\n") == expected


def test_paragraph_split_by_a_page_break_is_joined() -> None:
    long = " ".join(filler_paragraphs(1, seed=7, words=900))
    doc = extract_pdf(make_pdf([[long]], header="Press Office", page_numbers=True), source="x")
    assert doc.text == long
    assert "Press Office" not in doc.text and "Page " not in doc.text


def test_repeated_header_and_page_numbers_are_dropped_but_body_lines_stay() -> None:
    pages = [filler_paragraphs(2, seed=n) for n in range(4)]
    pages[2][0] = "Riverside City Council - Annual Report 2024 is out. " + pages[2][0]
    data = make_pdf(pages, header="Riverside City Council - Annual Report 2024", page_numbers=True)
    text = extract_pdf(data, source="x").text
    assert text.count("Annual Report 2024") == 1  # the sentence in the body, not the header
    assert "Page" not in text and "of 4" not in text


def test_title_from_the_first_line_when_metadata_has_none() -> None:
    body = filler_paragraphs(2, seed=1)
    data = make_pdf([body], heading="Bridge vote: council says yes")
    doc = extract_pdf(data, source="x")
    assert doc.title == "Bridge vote: council says yes"
    assert doc.text == "\n\n".join(body)  # the heading is not repeated in the text


@pytest.mark.parametrize("junk", ["Microsoft Word - memo_final_v3.docx", "untitled", "scan.pdf"])
def test_metadata_titles_that_name_the_file_are_ignored(junk: str) -> None:
    data = make_pdf([filler_paragraphs(2)], title=junk, heading="Council approves the bridge")
    assert extract_pdf(data, source="x").title == "Council approves the bridge"


def test_hyphenated_line_ends_are_joined_and_compounds_keep_their_hyphen() -> None:
    paragraph = (
        "The council said the new bridge would be paid for by the regional and inter-\n"
        "national partners, and the newly re-\n"
        "elected mayor called it a well-\n"
        "known problem that the city had ignored for a decade."
    )
    text = extract_pdf(make_pdf([[paragraph]]), source="x").text
    assert "international partners" in text
    assert "re-elected mayor" in text
    assert "well-known problem" in text
    assert "\n" not in text  # one paragraph


def test_long_report_keeps_its_paragraphs_and_drops_its_furniture() -> None:
    doc = extract_pdf(report_pdf(12), source="report.pdf")
    assert doc.title == "Annual report on the river crossing"
    assert len(doc.text.split("\n\n")) == 36
    assert "Annual Report 2024" not in doc.text


# --- refusals ---------------------------------------------------------------------------------


def _refusal(data: bytes) -> ExtractError:
    with pytest.raises(ExtractError) as info:
        extract_pdf(data, source="x.pdf")
    assert isinstance(info.value, BotError)
    return info.value


def test_password_protected_pdf_is_refused_with_what_to_do() -> None:
    error = _refusal(encrypted(article_pdf(), user_password="secret"))
    assert "password" in error.user_message
    assert "unprotected copy" in error.user_message


def test_pdf_with_only_an_owner_password_is_read() -> None:
    # Print/copy restrictions with an empty user password: every viewer opens these.
    doc = extract_pdf(encrypted(article_pdf(), user_password=""), source="x.pdf")
    assert doc.text == ARTICLE_TEXT


def test_scanned_pdf_without_a_text_layer_is_refused() -> None:
    error = _refusal(scanned_pdf())
    assert "no text layer" in error.user_message
    assert "OCR" in error.user_message


def test_too_many_pages_are_refused_before_any_text_is_extracted() -> None:
    error = _refusal(blank_pages(pdf.MAX_PAGES + 1))
    assert f"{pdf.MAX_PAGES + 1} pages" in error.user_message
    assert f"at most {pdf.MAX_PAGES}" in error.user_message


def test_page_cap_is_inclusive() -> None:
    # Exactly MAX_PAGES blank pages passes the page guard and fails only for having no text.
    assert "no text layer" in _refusal(blank_pages(pdf.MAX_PAGES)).user_message


def test_too_much_text_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = report_pdf(3)
    monkeypatch.setattr(pdf, "MAX_TEXT_CHARS", 5_000)  # three pages hold about 6,000 characters
    assert "more than 5,000 characters" in _refusal(data).user_message


def test_decompression_bomb_is_refused() -> None:
    # 300 KB that inflate to 300 MB: pypdf stops at our 16 MB stream limit.
    data = raw_pdf([zero_bomb(300 << 20)])
    assert len(data) < 400_000
    error = _refusal(data)
    assert error.user_message == pdf.TOO_COMPLEX
    assert "1 of 1 pages" in (error.detail or "")


def test_content_stream_with_too_many_operations_is_refused() -> None:
    # 12,000 text operations (120,000 tokens) in 35 KB: over the parsing limit, not the text cap.
    assert _refusal(raw_pdf([text_stream([SENTENCE] * 12_000)])).user_message == pdf.TOO_COMPLEX


def test_a_page_over_the_limits_is_skipped_and_the_rest_is_read() -> None:
    other = "Critics said the cost of the bridge had doubled since the first plans."
    pages = [text_stream([SENTENCE] * 20), zero_bomb(40 << 20), text_stream([other] * 20)]
    doc = extract_pdf(raw_pdf(pages), source="x")
    assert (doc.text.count(SENTENCE), doc.text.count(other)) == (20, 20)


def test_text_cap_stops_inside_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "MAX_TEXT_CHARS", 5_000)
    data = raw_pdf([text_stream([SENTENCE] * 2_000)])  # 140,000 characters on one page
    assert "more than 5,000 characters" in _refusal(data).user_message


def test_time_budget_ends_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "TIME_BUDGET_SECONDS", -1.0)
    error = _refusal(article_pdf())
    assert error.user_message == pdf.TOO_COMPLEX
    assert "over -1 s" in (error.detail or "")


def test_limits_apply_only_while_reading() -> None:
    from pypdf import get_configuration

    before = get_configuration()
    extract_pdf(article_pdf(), source="x")
    assert get_configuration() == before
    assert (
        before.stream_parsing_work_maximum_count
        > pdf.PYPDF_LIMITS["stream_parsing_work_maximum_count"]
    )


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n%%EOF",
        b"%PDF-1.4\n\x00\xff" * 50,
    ],
)
def test_damaged_pdf_is_refused(data: bytes) -> None:
    assert "damaged" in _refusal(data).user_message


def test_truncated_download_is_refused_as_damaged() -> None:
    data = article_pdf()
    assert "damaged" in _refusal(data[: len(data) // 3]).user_message


def test_bytes_that_are_not_a_pdf_are_refused() -> None:
    assert "not a PDF" in _refusal(b"<html><body>Not found</body></html>").user_message


def test_too_little_text_is_refused() -> None:
    assert "too little text" in _refusal(make_pdf([["Draft. Do not circulate."]])).user_message


# --- the text stages on their own -------------------------------------------------------------


def test_looks_like_pdf_allows_junk_before_the_header() -> None:
    assert looks_like_pdf(b"%PDF-1.4\n")
    assert looks_like_pdf(b"\xef\xbb\xbf  \n%PDF-1.7\n")
    assert not looks_like_pdf(b" " * 2000 + b"%PDF-1.4")
    assert not looks_like_pdf(b"PK\x03\x04")


@pytest.mark.parametrize(
    ("line", "is_number"),
    [
        ("7", True),
        ("- 12 -", True),
        ("Page 3 of 10", True),
        ("page 3", True),
        ("3/10", True),
        ("iv", True),
        ("Seite 4 von 9", True),
        ("2024 was a good year", False),
        ("Section 4", False),
        ("IV", True),
        ("I", False),  # a lone "I" starts a sentence more often than it numbers a page
    ],
)
def test_page_numbers(line: str, is_number: bool) -> None:
    assert is_page_number(line) is is_number


def _texts(pages: list[list[Line]]) -> list[list[str]]:
    return [[line.text for line in lines] for lines in pages]


def _lines(*texts: str) -> list[Line]:
    return [Line(text) for text in texts]


def test_furniture_needs_to_repeat_on_most_pages() -> None:
    pages = [
        _lines("Quarterly Review | 2024", "Body one goes here.", "1"),
        _lines("Quarterly Review | 2024", "Body two goes here.", "2"),
        _lines("Only on this page", "Body three goes here.", "3"),
    ]
    assert _texts(drop_page_furniture(pages)) == [
        ["Body one goes here."],
        ["Body two goes here."],
        ["Only on this page", "Body three goes here."],
    ]


def test_headers_that_change_per_chapter_are_known_by_their_page_numbers() -> None:
    pages = [
        _lines("Chapter 1: Introduction 11", "Body one.", "The council voted 7"),
        _lines("Chapter 2: The vote 12", "Body two."),
        _lines("Body three.", "Chapter 3: Costs 13"),
        _lines("Appendix A: Budget 14", "Body four, 14"),  # only one line per page goes
    ]
    assert _texts(drop_page_furniture(pages)) == [
        ["Body one.", "The council voted 7"],
        ["Body two."],
        ["Body three."],
        ["Body four, 14"],
    ]


def test_a_single_page_keeps_its_first_line() -> None:
    # One page gives nothing to compare: its first line may be the headline.
    kept = drop_page_furniture([_lines("Headline", "Body text.", "1")])
    assert _texts(kept) == [["Headline", "Body text."]]


def test_rewrap_without_positions_breaks_after_short_sentence_ends_and_before_bullets() -> None:
    full = " ".join(["word"] * 14)
    lines = [
        f"{full} one",
        "short end.",
        f"{full} two",
        "wrapped and continues",
        "in lowercase here.",
        "Heading without a stop",
        "• first point",
        "• second point",
    ]
    assert rewrap([_lines(*lines)]) == [
        f"{full} one short end.",
        f"{full} two wrapped and continues in lowercase here.",
        "Heading without a stop",
        "• first point",
        "• second point",
    ]


def test_rewrap_keeps_compound_hyphens_before_capitals_and_digits() -> None:
    full = " ".join(["word"] * 14)
    lines = _lines(f"{full} the Franco-", "German talks of 2019-", "2020 ended.")
    assert rewrap([lines]) == [f"{full} the Franco-German talks of 2019-2020 ended."]


def test_rewrap_drops_soft_hyphens_at_line_ends() -> None:
    full = "y" * 60
    assert rewrap([_lines(f"{full} the commis\u00ad", "sioner said so.")]) == [
        f"{full} the commissioner said so."
    ]


def test_rewrap_breaks_at_wider_gaps_and_indents_even_after_full_lines() -> None:
    full = " ".join(["word"] * 14)
    lines = [
        Line(f"{full} ends.", x=72, y=700, size=11),
        Line(f"{full} full", x=72, y=680, size=11),  # a wider gap above: new paragraph
        Line(f"{full} line.", x=72, y=666, size=11),
        Line(f"Then {full}", x=86, y=652, size=11),  # an indented first line: new paragraph
        Line(f"{full} ends.", x=72, y=638, size=11),
        Line(f"{full} more", x=320, y=700, size=11),  # next column, lowercase: same paragraph
    ]
    assert rewrap([lines]) == [
        f"{full} ends.",
        f"{full} full {full} line.",
        f"Then {full} {full} ends. {full} more",
    ]


def test_rewrap_breaks_at_a_page_foot_that_ends_a_sentence() -> None:
    full = " ".join(["word"] * 14)
    pages = [
        [Line(f"{full} one", x=72, y=100), Line(f"{full} ends.", x=72, y=86)],
        [Line(f"New {full}", x=72, y=760), Line(f"{full} goes", x=72, y=746)],
        [Line(f"on {full}.", x=72, y=760)],
    ]
    assert rewrap(pages) == [
        f"{full} one {full} ends.",
        f"New {full} {full} goes on {full}.",
    ]
