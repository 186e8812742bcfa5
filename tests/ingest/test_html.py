"""Extraction and decoding: pure functions on strings and bytes (no network)."""

from __future__ import annotations

import codecs
import gzip
import json

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.errors import ExtractError, UnsupportedContentError
from bot.ingest.documents import document_from_fetched
from bot.ingest.html import decode_body, extract_document
from bot.ingest.text import MIN_WORDS, count_words
from bot.models import Fetched
from testsupport.corpora import NEWS_DEV, requires_news_dev
from testsupport.pages import (
    ARTICLE_PARAGRAPHS,
    ARTICLE_TITLE,
    PAYWALL_HTML,
    RU_PARAGRAPHS,
    RU_TITLE,
    TEXT_BODY,
    article_html,
)
from testsupport.pdfs import article_pdf

JS_SHELL = """<!DOCTYPE html><html><head><title>Loading…</title>
<script src="/app.js"></script></head>
<body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript>
</body></html>"""


def test_article_text_and_metadata() -> None:
    doc = extract_document(article_html(), url="https://gazette.example/bridge", source="s")
    assert doc.title == ARTICLE_TITLE
    assert (doc.author, doc.date, doc.site) == ("Jane Reporter", "2024-10-01", "Riverside Gazette")
    assert (doc.source, doc.url) == ("s", "https://gazette.example/bridge")
    for paragraph in ARTICLE_PARAGRAPHS:
        assert paragraph in doc.text
    assert "Sport" not in doc.text and "All rights reserved" not in doc.text
    assert not doc.text.startswith(ARTICLE_TITLE)  # the headline is in .title, not repeated


def test_source_defaults_to_url() -> None:
    assert extract_document(article_html(), url="https://x.example/a").source == (
        "https://x.example/a"
    )


@requires_news_dev
def test_real_news_page() -> None:
    page = "04a6711caa7c687592777718866e781e976e0fe684faebe8b3cedcef8cd0ea34"
    html = gzip.decompress((NEWS_DEV / "html" / f"{page}.html.gz").read_bytes()).decode()
    truth = json.loads((NEWS_DEV / "ground-truth.json").read_text())[page]["articleBody"]
    doc = extract_document(html, url=f"https://example.com/{page}")
    assert doc.author == "Jamelle Bouie"
    assert doc.date == "2019-11-19"
    assert "Republicans" in doc.title
    first_paragraph = truth.split("\n")[0]
    assert first_paragraph in doc.text


def test_paywall_teaser_is_an_error() -> None:
    with pytest.raises(ExtractError, match="paywall"):
        extract_document(PAYWALL_HTML)


def test_paywall_flag_with_full_text_is_not_an_error() -> None:
    # Sites often mark articles as paid in JSON-LD yet serve the whole text; that is fine.
    flag = '<script type="application/ld+json">{"isAccessibleForFree": false}</script>'
    paragraphs = ARTICLE_PARAGRAPHS * 3
    html = article_html(paragraphs=paragraphs).replace("</head>", flag + "</head>")
    assert extract_document(html).text.count(ARTICLE_PARAGRAPHS[0]) >= 1


def test_javascript_shell_is_an_error() -> None:
    with pytest.raises(ExtractError, match="JavaScript"):
        extract_document(JS_SHELL)


@pytest.mark.parametrize("html", ["", "   \n ", "<html><body></body></html>"])
def test_empty_pages(html: str) -> None:
    with pytest.raises(ExtractError):
        extract_document(html)


def test_too_few_words_is_an_error() -> None:
    words = " ".join(["word"] * (MIN_WORDS - 2))
    with pytest.raises(ExtractError, match="No article text"):
        extract_document(article_html(paragraphs=[words + "."]))


ZH_PARAGRAPHS = (
    "市议会周二投票批准在河上修建一座新的人行桥，结束了持续近十年的争论。",
    "市长安娜·凯勒在投票后表示：“这座桥将连接两个长期相互隔绝的街区。”",
)


def test_chinese_article_is_not_mistaken_for_a_teaser() -> None:
    # Under MIN_WORDS whitespace-separated "words", yet clearly an article.
    assert sum(len(p.split()) for p in ZH_PARAGRAPHS) < MIN_WORDS
    doc = extract_document(article_html("市议会批准新桥", ZH_PARAGRAPHS, lang="zh"))
    assert ZH_PARAGRAPHS[1] in doc.text


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_count_words_is_whitespace_split_for_spaced_scripts(text: str) -> None:
    assert count_words(text) == len(text.split())


def test_count_words_in_unspaced_scripts() -> None:
    assert count_words("国务院召开会议") == 7
    assert count_words("東京 is big") == 4


def _fetched(text: str, content_type: str) -> Fetched:
    return Fetched(
        url="https://site.example/a",
        requested_url="https://t.example/x",
        content_type=content_type,
        text=text,
    )


def test_document_from_fetched_html() -> None:
    doc = document_from_fetched(_fetched(article_html(), "text/html"), "https://t.example/x")
    assert doc.title == ARTICLE_TITLE
    assert doc.url == "https://site.example/a"  # the final URL after redirects
    assert doc.source == "https://t.example/x"  # what the user sent


def test_document_from_fetched_xhtml() -> None:
    doc = document_from_fetched(_fetched(article_html(), "application/xhtml+xml"), "src")
    assert ARTICLE_PARAGRAPHS[0] in doc.text


def test_document_from_fetched_plain_text() -> None:
    doc = document_from_fetched(_fetched(TEXT_BODY, "text/plain"), "src")
    assert doc.title == ARTICLE_TITLE
    assert doc.text.startswith(ARTICLE_PARAGRAPHS[0])
    assert doc.url == "https://site.example/a"


def test_document_from_fetched_pdf() -> None:
    fetched = Fetched(
        url="https://site.example/r.pdf",
        requested_url="https://t.example/x",
        content_type="application/pdf",
        text="",
        body=article_pdf(),
    )
    doc = document_from_fetched(fetched, "https://t.example/x")
    assert doc.title == ARTICLE_TITLE
    assert doc.text == "\n\n".join(ARTICLE_PARAGRAPHS)
    assert (doc.url, doc.source) == ("https://site.example/r.pdf", "https://t.example/x")


def test_document_from_fetched_empty_html() -> None:
    with pytest.raises(ExtractError):
        document_from_fetched(_fetched("", "text/html"), "src")


def test_document_from_fetched_other_types() -> None:
    with pytest.raises(UnsupportedContentError):
        document_from_fetched(_fetched("<rss/>", "application/rss+xml"), "src")


# --- decoding ---------------------------------------------------------------------------------


def test_meta_charset() -> None:
    html = article_html(RU_TITLE, RU_PARAGRAPHS, meta_charset="windows-1251")
    assert decode_body(html.encode("cp1251")) == html


def test_http_equiv_charset() -> None:
    html = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>Привет</p>'
    assert decode_body(html.encode("koi8-r")) == html


def test_xml_declaration() -> None:
    xml = '<?xml version="1.0" encoding="iso-8859-15"?><rss><title>Café €</title></rss>'
    assert decode_body(xml.encode("iso-8859-15")) == xml


def test_declared_charset_wins_and_a_lying_label_falls_back() -> None:
    text = "Grüße aus Köln"
    assert decode_body(text.encode("cp1252"), "iso-8859-1") == text
    # Declared UTF-8 but really UTF-16 with a BOM: the BOM wins, as in browsers.
    assert decode_body(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "utf-8") == text
    # Declared UTF-8 but the bytes are not: detection takes over instead of failing.
    assert decode_body(text.encode("cp1252"), "utf-8") == text


def test_unknown_label_is_ignored() -> None:
    assert decode_body("naïve".encode(), "no-such-charset") == "naïve"


def test_detection_without_any_label() -> None:
    html = article_html(RU_TITLE, RU_PARAGRAPHS)
    assert RU_TITLE in decode_body(html.encode("cp1251"))


@given(st.text().filter(lambda t: not t.startswith("\ufeff")))
def test_utf8_round_trip(text: str) -> None:
    assert decode_body(text.encode("utf-8")) == text


@given(
    st.sampled_from(["utf-8", "cp1251", "koi8-r", "shift_jis", "iso-8859-7"]),
    st.text(
        alphabet=st.characters(
            categories=["L", "N", "P", "Zs"], codec="utf-8", exclude_characters="\ufeff"
        )
    ),
)
def test_declared_charset_round_trip(charset: str, text: str) -> None:
    try:
        data = text.encode(charset)
    except UnicodeEncodeError:
        data = b""
    assume(data or not text)  # only texts the charset can represent
    assert decode_body(data, charset) == text
