"""Cased names from a page's head, structured data, captions and links (bot/evidence.py)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clean import clean_text
from bot.ingest.evidence import page_names

PAGE = f"""<html><head>
<title>Blinken says Russia shows no interest in talks | Example News</title>
<meta property="og:title" content="Blinken says Russia shows no interest in talks">
<meta name="keywords" content="Antony Blinken, NATO, Atlantic Council, diplomacy">
<meta name="author" content="Jane Q. Reporter">
<script type="application/ld+json">{
    json.dumps(
        {
            "@type": "NewsArticle",
            "headline": "Blinken says Russia shows no interest in talks",
            "author": [{"@type": "Person", "name": "Jane Q. Reporter"}],
            "publisher": {"@type": "Organization", "name": "Example News"},
            "about": [{"name": "Live Nation"}],
        }
    )
}</script>
</head><body>
<figure><img alt="Secretary of State Antony Blinken in Madrid" src="x.jpg">
<figcaption>Blinken spoke at the Atlantic Council forum.</figcaption></figure>
<a href="/x">Live Nation</a> <a href="/y">Read more</a>
</body></html>"""


def test_names_come_from_head_structured_data_captions_and_links() -> None:
    names = page_names(PAGE)
    for expected in (
        "Antony Blinken",
        "NATO",
        "Atlantic Council",
        "Jane Q. Reporter",
        "Example News",
        "Live Nation",
        "Secretary of State Antony Blinken",
        "Madrid",
        "Russia",
    ):
        assert expected in names
    # Capitals for position only, and lowercase keywords, are no names.
    assert "Read" not in names and "diplomacy" not in names and "Blinken says" not in names


def test_page_names_repair_a_lowercased_body() -> None:
    body = (
        "The u. s. secretary of state antony blinken told the atlantic council on monday that "
        "russia had shown no interest in talks. live nation, which runs concerts in madrid, "
        "said its plans were unchanged. nato did not comment."
    )
    bare = clean_text(body).text
    with_names = clean_text(body, names=page_names(PAGE)).text
    assert "Live Nation, which" in with_names and "live nation" in bare.lower()
    assert "Atlantic Council" in with_names and "Antony Blinken" in with_names


def test_broken_and_empty_pages_give_no_names() -> None:
    assert page_names("") == ()
    assert page_names("<html><head><script type='application/ld+json'>{oops</script>") == ()
    assert page_names("\x00\x01") == ()


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_string_gives_a_tuple_of_cased_phrases(html: str) -> None:
    names = page_names(html)
    assert isinstance(names, tuple)
    assert all(any(ch.isupper() for ch in name) for name in names)
