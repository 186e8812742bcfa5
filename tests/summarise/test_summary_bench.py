"""The summary-quality bench's own pieces: the held-out split, the caption run-in count, the
baselines (sumy without any NLTK data download) and ROUGE scoring."""

from __future__ import annotations

import subprocess
import sys

import pytest

from testsupport.corpora import ROOT
from testsupport.summary_eval import (
    CORPUS,
    Rouge,
    caption_runins,
    lead_system,
    simple_sentences,
    split_of,
    sumy_system,
)

ROW = {
    "id": "x",
    "article": (
        "The council approved the budget on Monday. Repairs to the bridges start in May. "
        "The mayor said the money is there. Weather was mild. Residents walked to the hall. "
        "The opposition called the plan a gamble with public money."
    ),
    "references": ["The council approved the budget. Bridge repairs start in May."],
}


def test_held_out_split_is_fixed_and_about_thirty_percent() -> None:
    ids = [f"article-{i}" for i in range(1000)]
    held = [i for i in ids if split_of(i) == "held-out"]
    assert 250 <= len(held) <= 350
    assert held == [i for i in ids if split_of(i) == "held-out"]


def test_caption_runins_are_counted() -> None:
    assert caption_runins("Scroll down for video The mayor said the bridge will open.")
    assert caption_runins("Smith (pictured) smiles at fans after the match.")
    assert caption_runins("The fans waved at the team on her life The wealthy boss paid.")
    assert not caption_runins("He told The Times that the deal was done.")
    assert not caption_runins("The mayor said the bridge will open in May.")


def test_baselines_run_offline() -> None:
    assert lead_system()(ROW).sentences == simple_sentences(ROW["article"])[:3]
    for kind in ("textrank", "lexrank"):
        sentences = sumy_system(kind)(ROW).sentences
        assert len(sentences) == 3
        assert all(s in ROW["article"] for s in sentences)


def test_rouge_is_higher_for_the_better_summary() -> None:
    rouge = Rouge()
    good = rouge.score(["The council approved the budget on Monday."], ROW["references"])
    bad = rouge.score(["Weather was mild."], ROW["references"])
    assert all(g > b for g, b in zip(good, bad, strict=True))


@pytest.mark.skipif(not CORPUS.exists(), reason=f"summaries-dev corpus not found at {CORPUS}")
def test_bench_runs_on_the_corpus() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.summary_quality", "--limit", "4", "--split", "all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    out = run.stdout
    assert "| offline |" in out and "| lead-3 |" in out and "| lexrank |" in out
