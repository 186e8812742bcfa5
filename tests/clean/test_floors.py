"""Regression floors for the cleanup evaluation (bench/cleanup/evaluate.py) on news-dev.

The figures come from `python -m bench.cleanup.evaluate`; the floors sit a little under the values
measured when they were set, so a change that makes cleanup worse fails here. Timings are only in
`bench/cleanup/speed.py`. Skipped when the shared corpus is not present.
"""

from __future__ import annotations

from functools import cache

import pytest

from bench.cleanup.evaluate import (
    CleanReport,
    RepairScore,
    corrupted_corpus,
    evaluate_clean,
    evaluate_corrupted,
    load_articles,
)
from testsupport.corpora import NEWS_DEV

pytestmark = pytest.mark.skipif(
    not (NEWS_DEV / "ground-truth.json").exists(), reason="news-dev corpus not available"
)

# Measured values are in the comments (python -m bench.cleanup.evaluate --no-truecase). Where a
# floor is under the target, the target is not met yet: the floor only stops regressions.
MAX_CONTENT_EDITS_PER_10K = 1.0  # measured 0.00 (the target); house-style spacing is left alone
MIN_CAP_F1_TITLE = 0.875  # measured 0.882 (target 0.95)
MIN_CAP_F1_NO_TITLE = 0.86  # measured 0.865 (target 0.92)
MIN_MID_F1_TITLE = 0.83  # measured 0.836
MIN_MULTIWORD_RESTORED = 0.94  # measured 0.967 (target 0.90), table entries marked "always"
MIN_TABLE_MULTIWORD_RESTORED = 0.89  # measured 0.912, every multi-word table substitution
MIN_QUOTES_SEPARATED = 0.96  # measured 0.988
MAX_DAMAGED_PER_10K = 1.0  # measured 0.4
MIN_OTHER_BOILERPLATE_REMOVED = 0.98  # measured 1.000


@cache
def _clean() -> CleanReport:
    return evaluate_clean(load_articles(NEWS_DEV))


@cache
def _scores() -> dict[str, RepairScore]:
    return evaluate_corrupted(corrupted_corpus(load_articles(NEWS_DEV)))


def test_clean_text_stays_clean() -> None:
    report = _clean()
    assert report.documents == 97
    assert report.content_per_10k <= MAX_CONTENT_EDITS_PER_10K, report.examples
    assert report.by_kind["boilerplate"] == 0, report.examples  # no article line is ever cut


def test_capitalised_words_are_restored() -> None:
    scores = _scores()
    assert scores["cleanup, title"].case_all.f1 >= MIN_CAP_F1_TITLE
    assert scores["cleanup, no title"].case_all.f1 >= MIN_CAP_F1_NO_TITLE
    assert scores["cleanup, title"].case_mid.f1 >= MIN_MID_F1_TITLE
    # And clearly better than capitalising sentence starts only.
    baseline = scores["sentence starts"].case_all.f1
    assert scores["cleanup, no title"].case_all.f1 > baseline + 0.2


def test_spinner_artefacts_are_restored_without_damage_elsewhere() -> None:
    score = _scores()["cleanup, title"]
    assert score.restore_share("always", multiword=True) >= MIN_MULTIWORD_RESTORED
    assert score.restore_share_of(("always", "ambiguous"), True) >= MIN_TABLE_MULTIWORD_RESTORED
    # Phrases from the independent list that the table does not have are still being generated
    # (their restore share, near zero for a table, is reported by the bench, not floored).
    assert score.substituted["holdout/multi"] >= 10
    assert 10_000 * score.damaged_words / score.words <= MAX_DAMAGED_PER_10K


def test_glued_quotes_are_separated() -> None:
    assert _scores()["cleanup, title"].quote_repair >= MIN_QUOTES_SEPARATED


def test_boilerplate_is_removed_without_losing_article_text() -> None:
    for name in ("cleanup, title", "cleanup, no title"):
        score = _scores()[name]
        assert score.comment_removal == 1.0
        assert score.other_removal >= MIN_OTHER_BOILERPLATE_REMOVED
        assert score.article_loss_docs == 0


def test_baselines_do_nothing_to_spinner_artefacts_or_boilerplate() -> None:
    score = _scores()["none"]
    assert score.restore_share(None, multiword=True) == 0.0
    assert score.comment_removal == 0.0


def test_generator_imitates_the_pipeline_of_the_spun_example() -> None:
    from bench.cleanup.corrupt import corrupt, lowercase_like_pipeline

    assert lowercase_like_pipeline(
        "Russia spoke, said U.S. Secretary Antony Blinken in Madrid."
    ) == ("Russia spoke, said u. S. Secretary antony blinken in madrid.")
    assert lowercase_like_pipeline("He said.\n“We will,” NATO said. I agree.") == (
        "He said.\n“we will,” nato said. I agree."
    )
    text = "Officials met in Madrid. “It is done,” she said. The talks continue.\n\nMore later."
    first, second = corrupt(text, seed=7), corrupt(text, seed=7)
    assert first == second  # deterministic for a seed
    assert "madrid" in first.text and "Madrid" not in first.text
    for sub in first.substitutions:  # offsets point at the original phrase
        assert text[sub.start : sub.end] == sub.original
    assert first.comment_lines and first.text.count("\n") >= 2
