"""Text, stdin and file sources: the title rule, URL recognition and file errors."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.errors import ExtractError, InputError
from bot.ingest.documents import read_file_source
from bot.ingest.text import (
    TEXT_TITLE_MAX_CHARS,
    TITLE_MAX_CHARS,
    document_from_text,
    first_words,
    is_url,
)
from testsupport.corpora import SPUN_EXAMPLE
from testsupport.pages import (
    ARTICLE_PARAGRAPHS,
    ARTICLE_TITLE,
    RU_PARAGRAPHS,
    RU_TITLE,
    TEXT_BODY,
    article_html,
)
from testsupport.pdfs import article_pdf


@pytest.mark.parametrize(
    "value",
    [
        "http://example.com",
        "https://example.com/a?b=1#c",
        " HTTPS://Example.com/x ",
        "http://[::1]/",
    ],
)
def test_urls(value: str) -> None:
    assert is_url(value)


@pytest.mark.parametrize(
    "value",
    [
        "ftp://example.com/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.com/article",
        "http://",
        "http:///path",
        "-",
        "article.html",
        "",
        "http://[::1",
    ],
)
def test_not_urls(value: str) -> None:
    assert not is_url(value)


# --- the title rule ---------------------------------------------------------------------------


def test_spun_example_title() -> None:
    raw = SPUN_EXAMPLE.read_text("utf-8")
    doc = document_from_text(raw, "examples/spun-article.txt")
    assert doc.title == raw.split("\n")[0].strip()
    assert doc.title.startswith("Putin has been unwilling")
    assert doc.text.startswith("Russia has been unwilling")
    assert doc.source == "examples/spun-article.txt"


def test_stdin_text() -> None:
    doc = document_from_text(TEXT_BODY, "-")
    assert (doc.source, doc.title) == ("-", ARTICLE_TITLE)
    assert doc.text.split("\n\n") == list(ARTICLE_PARAGRAPHS)


def test_no_blank_line_means_no_title() -> None:
    text = ARTICLE_TITLE + "\n" + ARTICLE_PARAGRAPHS[0]
    doc = document_from_text(text, "-")
    assert (doc.title, doc.text) == ("", text)


def test_long_first_line_is_not_a_title() -> None:
    first = "word " * (TEXT_TITLE_MAX_CHARS // 5 + 1)
    text = first.strip() + "\n\n" + ARTICLE_PARAGRAPHS[0]
    assert document_from_text(text, "-").title == ""


def test_a_one_sentence_lead_is_text_not_a_title() -> None:
    lead = "The mayor said on Monday that the bridge would open next year."
    text = lead + "\n\n" + ARTICLE_PARAGRAPHS[0]
    doc = document_from_text(text, "-")
    assert (doc.title, doc.text) == ("", text)


def test_a_headline_with_a_question_mark_is_a_title() -> None:
    doc = document_from_text("Will the bridge open?\n\n" + ARTICLE_PARAGRAPHS[0], "-")
    assert doc.title == "Will the bridge open?"


def test_a_link_on_the_first_line_is_not_a_title() -> None:
    doc = document_from_text("https://example.org/a\n\n" + ARTICLE_PARAGRAPHS[0], "-")
    assert doc.title == ""


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The mayor spoke. Then she left.", "The mayor spoke."),
        (
            "Officials in the northern province said on Tuesday that the floods had receded.",
            "Officials in the northern province said on Tuesday…",
        ),
        ("“We are on time,” she said. More text.", "“We are on time,” she said."),
        ("Oneverylongwordwithoutanyspaces" * 3, ("Oneverylongwordwithoutanyspaces" * 3)[:60] + "…"),
        ("short", "short"),
    ],
)
def test_untitled_text_is_named_by_its_first_words(text: str, name: str) -> None:
    assert first_words(text) == name


@given(st.text(min_size=1))
def test_first_words_is_short_and_taken_from_the_text(text: str) -> None:
    name = first_words(text)
    assert len(name) <= 61
    assert " ".join(text.split()).startswith(name.rstrip("…"))


def test_single_line_is_text_not_title() -> None:
    doc = document_from_text("  Just one short line.  ", "-")
    assert (doc.title, doc.text) == ("", "Just one short line.")


def test_crlf_and_blank_line_with_spaces() -> None:
    doc = document_from_text("\ufeffHeadline\r\n   \r\nBody one.\r\nBody two.\r\n", "-")
    assert (doc.title, doc.text) == ("Headline", "Body one.\nBody two.")


def test_markdown_heading_title() -> None:
    doc = document_from_text("## Headline here\n\nBody text.", "a.md")
    assert (doc.title, doc.text) == ("Headline here", "Body text.")


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \n", "\ufeff"])
def test_empty_text_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        document_from_text(text, "-")


_no_marks = st.text(alphabet=st.characters(exclude_characters="#\ufeff", exclude_categories=["Cs"]))


@given(_no_marks)
def test_title_rule_keeps_every_word(text: str) -> None:
    if not text.strip():
        with pytest.raises(InputError):
            document_from_text(text, "-")
        return
    doc = document_from_text(text, "-")
    assert doc.text
    assert (doc.title + "\n" + doc.text).split() == text.split()
    assert len(doc.title) <= TITLE_MAX_CHARS
    assert "\n" not in doc.title


@given(st.text(alphabet="abc .", min_size=1, max_size=40), _no_marks.filter(str.strip))
def test_short_first_line_then_blank_line_is_title(first: str, body: str) -> None:
    assume(first.strip() and not first.strip().endswith("."))
    doc = document_from_text(first + "\n\n" + body, "-")
    assert doc.title == first.strip()
    assert doc.text == body.replace("\r\n", "\n").replace("\r", "\n").strip()


# --- files ------------------------------------------------------------------------------------


def test_txt_file(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(SPUN_EXAMPLE.read_bytes())
    doc = read_file_source(str(path))
    assert doc.title.startswith("Putin")
    assert doc.source == str(path)


def test_md_file_in_utf16(tmp_path: Path) -> None:
    path = tmp_path / "story.MD"
    path.write_bytes(codecs.BOM_UTF16_LE + ("# Заголовок\n\nТекст статьи.").encode("utf-16-le"))
    doc = read_file_source(str(path))
    assert (doc.title, doc.text) == ("Заголовок", "Текст статьи.")


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"page{suffix}"
    html = article_html(RU_TITLE, RU_PARAGRAPHS, lang="ru", meta_charset="windows-1251")
    path.write_bytes(html.encode("cp1251"))
    doc = read_file_source(str(path))
    assert doc.title == RU_TITLE
    assert RU_PARAGRAPHS[0] in doc.text
    assert doc.source == str(path)


def test_html_file_without_article(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><body><nav>Home</nav></body></html>")
    with pytest.raises(ExtractError):
        read_file_source(str(path))


def test_empty_text_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(" \n")
    with pytest.raises(InputError, match="empty"):
        read_file_source(str(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file"):
        read_file_source(str(tmp_path / "nope.txt"))


@pytest.mark.parametrize("name", ["report.docx", "notes", "image.png"])
def test_unsupported_file_kinds(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"data")
    with pytest.raises(InputError, match=r"\.txt, \.md, \.html, \.htm or \.pdf"):
        read_file_source(str(path))


def test_pdf_file(tmp_path: Path) -> None:
    path = tmp_path / "Release.PDF"
    path.write_bytes(article_pdf())
    doc = read_file_source(str(path))
    assert (doc.title, doc.source, doc.url) == (ARTICLE_TITLE, str(path), "")
    assert doc.text == "\n\n".join(ARTICLE_PARAGRAPHS)


def test_pdf_file_that_is_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("just some notes")
    with pytest.raises(ExtractError, match="not a PDF"):
        read_file_source(str(path))


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(InputError, match="directory"):
        read_file_source(str(tmp_path / "folder.txt"))
