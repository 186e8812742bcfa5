from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.digests.opml import NotOPMLError, export_opml, parse_opml

OPML = b"""<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="A &amp; Co" xmlUrl="http://a.example/feed"/>
<outline text="cat"><outline title="B" xmlUrl="https://b.example/rss"/></outline>
<outline text="dup" xmlUrl="http://a.example/feed"/>
<outline text="bad" xmlUrl="javascript:alert(1)"/>
<outline text="local" xmlUrl="file:///etc/passwd"/>
</body></opml>"""


def test_import_keeps_http_feeds_once_and_counts_rejects() -> None:
    result = parse_opml(OPML)
    assert result.feeds == (("http://a.example/feed", "A & Co"), ("https://b.example/rss", "B"))
    assert result.rejected == 2


@pytest.mark.parametrize(
    "data",
    [
        b"hello world",
        b"http://127.0.0.1:9/never-fetched.opml",
        b"<html><body>not opml</body></html>",
        b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
        b'<?xml version="1.0"?><opml version="2.0"><body></body></opml>',
        b"\xff\xfe\x00garbage",
    ],
)
def test_non_opml_is_refused_with_a_clear_message(data: bytes) -> None:
    with pytest.raises(NotOPMLError) as err:
        parse_opml(data)
    assert "OPML" in err.value.user_message


def test_export_round_trips() -> None:
    feeds = [("https://a.example/feed?x=1&y=2", "A <b>"), ("http://b.example/rss", "")]
    again = parse_opml(export_opml(feeds))
    # Exactly: an untitled feed comes back untitled, not titled by its URL.
    assert again.feeds == tuple(feeds)


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        parse_opml(data)
    except NotOPMLError:
        pass
