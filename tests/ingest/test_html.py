"""Extraction and decoding: pure functions on strings and bytes (no network)."""

from __future__ import annotations

import codecs
import gzip
import json

import pytest
import trafilatura
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.errors import ExtractError, UnsupportedContentError
from bot.ingest.documents import document_from_fetched
from bot.ingest.html import (
    decode_body,
    extract_article,
    extract_document,
    ld_body_supported,
    page_evidence,
)
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


# --- second opinions: recall where trafilatura's precise body falls short ----------------------

SENTENCES = (
    "The {n} chapter of the review looks at the battery, which lasted two full days of use.",
    "In the {n} test the screen stayed readable in bright sun, unlike last year's model.",
    "The charger is sold separately for forty euros, our complaint {n}.",
)


def _review_paragraphs(count: int = 20) -> list[str]:
    ordinals = [f"number {i}" for i in range(1, count + 1)]
    return [" ".join(s.format(n=n) for s in SENTENCES) for n in ordinals]


def _old_blog(paragraphs: list[str], split: int, wrapper: str) -> str:
    """A 2000s blog layout: part of the post sits in a wrapper that precise extraction drops."""
    nav = "".join(f"<li><a href='/c{i}'>Category {i}</a></li>" for i in range(12))
    side = "".join(f"<a href='/2009/{i}'>May 2009 ({i})</a><br>" for i in range(12))
    first = "".join(f"<p>{p}</p>" for p in paragraphs[:split])
    rest = "".join(f"<p>{p}</p>" for p in paragraphs[split:])
    return (
        f"<html><head><title>Gadget review</title></head><body><ul class='menu'>{nav}</ul>"
        f"<div class='entry'><h1>Gadget review</h1>{first}{wrapper}{rest}</div></div>"
        f"<div id='sidebar'><h3>Archives</h3>{side}</div></body></html>"
    )


@pytest.mark.parametrize(
    "wrapper",
    ["<div class='post-bottom'>", "<div style='border-top:1px dotted #999'>", "<div class='link'>"],
)
def test_second_opinion_recovers_the_rest_of_an_old_blog_post(wrapper: str) -> None:
    paragraphs = _review_paragraphs()
    html = _old_blog(paragraphs, 14, wrapper)
    precise = extract_article(html, second_opinions=())
    assert paragraphs[-1] not in precise.document.text  # the failure this guards against
    got = extract_article(html)
    assert got.path.startswith("trafilatura-") and got.reasons
    assert all(p in got.document.text for p in paragraphs)
    assert "May 2009" not in got.document.text and "Category 3" not in got.document.text


def test_no_second_opinion_on_a_page_that_does_not_need_one() -> None:
    paragraphs = _review_paragraphs(8)
    got = extract_article(_old_blog(paragraphs, 8, "<div>"))
    assert (got.path, got.reasons, got.tried) == ("trafilatura", (), ())


def _with_ld(html: str, body: str) -> str:
    ld = json.dumps({"@type": "NewsArticle", "articleBody": body})
    return html.replace("</head>", f'<script type="application/ld+json">{ld}</script></head>')


def test_json_ld_that_contradicts_the_page_is_not_used() -> None:
    other = " ".join(f"A different story about harbour cranes, part {i}." for i in range(200))
    html = _with_ld(article_html(), other)
    got = extract_article(html)
    assert got.path != "json-ld"
    assert ARTICLE_PARAGRAPHS[0] in got.document.text and "harbour cranes" not in got.document.text


def test_json_ld_that_the_page_shows_is_supported() -> None:
    paragraphs = _review_paragraphs(6)
    html = _with_ld(_old_blog(paragraphs, 6, "<div>"), "\n".join(paragraphs))
    page = page_evidence(trafilatura.load_html(html))
    assert ld_body_supported(page)
    page.ld_body = "Entirely unrelated words about harbour cranes and winter ferries " * 20
    assert not ld_body_supported(page)


# --- bad input: a clear result or a clear error, quickly ---------------------------------------


def test_all_navigation_page_is_a_clear_error() -> None:
    links = "".join(
        f"<li><a href='/s/{i}'>Section {i} news and more headlines</a></li>" for i in range(400)
    )
    html = f"<html><body><header><nav><ul>{links}</ul></nav></header><footer>(c)</footer></body></html>"
    with pytest.raises(ExtractError, match="No article text"):
        extract_document(html)


def test_page_of_one_image_is_a_clear_error() -> None:
    html = "<html><body><img src='/photo.jpg' alt='A sunset over the bay'></body></html>"
    with pytest.raises(ExtractError, match="No article text"):
        extract_document(html)


def test_five_megabytes_of_nested_tables_is_refused_before_extraction() -> None:
    cell = "<td>Quarterly figures for the northern region show steady growth in sales.</td>"
    unit = "<table><tr>" * 12 + cell + "</tr></table>" * 12
    html = "<html><body>" + unit * (5_000_000 // len(unit)) + "</body></html>"
    assert len(html) > 4_900_000
    with pytest.raises(ExtractError, match="HTML elements") as caught:
        extract_document(html)
    assert "elements" in caught.value.user_message


def test_second_opinion_recovers_a_magazine_introduction_kept_in_a_header() -> None:
    paragraphs = _review_paragraphs(16)
    intro = "".join(f"<p>{p}</p>" for p in paragraphs[:5])
    rest = "".join(f"<p>{p}</p>" for p in paragraphs[5:])
    html = (
        "<html><head><title>Feature</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><header><h1>Feature</h1>{intro}</header><div class='body'>{rest}</div>"
        "</article><footer>(c) Magazine</footer></body></html>"
    )
    assert paragraphs[0] not in extract_article(html, second_opinions=()).document.text
    got = extract_article(html)
    assert got.path != "trafilatura"
    assert all(p in got.document.text for p in paragraphs)
