from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.cleanup.corrupt import corrupt
from bot.clean import clean_text
from bot.clean.fingerprint import BYTES, fingerprint, similarity
from bot.digests.selection import COPY_THRESHOLD, group_articles
from bot.storage.digests import DigestArticle
from testsupport.corpora import NEWS_DEV

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TEXT = (
    "The city council voted on Tuesday to approve the new river bridge, ending a debate that "
    "lasted more than three years. The mayor said the bridge would open in 2027."
)


def test_fingerprint_is_compact_stable_and_ignores_case() -> None:
    fp = fingerprint(TEXT)
    assert len(fp) == BYTES == 512
    assert fingerprint(TEXT) == fp  # the same permutations in every process
    assert similarity(fp, fingerprint(TEXT.upper())) == 1.0
    assert fingerprint("too short") == b""
    assert similarity(fp, b"") == 0.0 and similarity(b"", b"") == 0.0


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=0, max_size=400), st.text(min_size=0, max_size=400))
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    fa, fb = fingerprint(a), fingerprint(b)
    assert similarity(fa, fb) == similarity(fb, fa)
    assert 0.0 <= similarity(fa, fb) <= 1.0
    if fa:
        assert similarity(fa, fa) == 1.0


def _article(i: int, url: str, text: str, summary: str) -> DigestArticle:
    return DigestArticle(i, url, "", "", f"h{i}", summary, T0, fingerprint=fingerprint(text))


def test_template_summaries_never_merge_fingerprinted_stories() -> None:
    template = (
        "**Key points**\n- The article reports that officials said the situation is developing."
        "\n- More details are expected in the coming days, the report notes."
    )
    other = (
        "Scientists in Chile recorded the brightest meteor shower in a decade on Sunday night, "
        "and astronomers said the display could repeat next year."
    )
    a = _article(1, "https://a.example/1", TEXT, template)
    b = _article(2, "https://b.example/2", other, template)
    assert len(group_articles([a, b])) == 2
    # Without fingerprints the summaries alone would have merged them.
    bare = [DigestArticle(x.id, x.url, "", "", x.content_hash, x.summary, T0) for x in (a, b)]
    assert len(group_articles(bare)) == 1


def test_news_dev_spun_copies_match_and_same_site_stories_do_not() -> None:
    path = NEWS_DEV / "ground-truth.json"
    if not path.exists():
        pytest.skip("news-dev corpus not available (set NEWS_DEV_CORPUS)")
    truth = sorted(json.loads(path.read_text(encoding="utf-8")).values(), key=lambda v: v["url"])
    bodies = [v["articleBody"] for v in truth[:12]]
    prints = [fingerprint(clean_text(b).text) for b in bodies]
    for i, body in enumerate(bodies):
        spun = fingerprint(clean_text(corrupt(body, i).text).text)
        assert similarity(prints[i], spun) >= COPY_THRESHOLD
    hosts = [v["url"].split("/")[2] for v in truth[:12]]
    for i in range(len(bodies)):
        for j in range(i + 1, len(bodies)):
            assert similarity(prints[i], prints[j]) < COPY_THRESHOLD, (hosts[i], hosts[j])
