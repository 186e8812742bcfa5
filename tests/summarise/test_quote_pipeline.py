"""Quotes in LLM summaries are checked against the cleaned article where the pipeline builds the
result: the CLI's --json reports them and the Telegram footer names the ones that did not hold."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.models import SummaryOptions
from bot.pipeline import text_document
from bot.services import build_pipeline
from bot.storage.db import Database
from bot.telegram.render import format_summary, visible_text
from testsupport.openai_server import FakeOpenAI

ARTICLE = (
    "Bridge repairs to start in May\n\n"
    "The city council approved the budget for bridge repairs on Monday evening.\n\n"
    "“We cannot keep delaying repairs to the bridges,” said Mayor Anna Berg after the vote. "
    "“The money is there. We will start in May.”\n\n"
    "Finance chief Tom Olsen said nobody would pay more tax next year."
)
REAL = "- Mayor Anna Berg said “we cannot keep delaying repairs to the bridges”."
SPLIT = "- Berg: “The money is there. We will start in May.”"
INVENTED = "- Berg promised “a new bridge for every district”."
PARAPHRASE = "- Olsen said “taxes will not go up next year”."


@pytest.fixture
async def db(settings):
    database = await Database.open(settings.effective_database_url)
    yield database
    await database.close()


async def summarise_with(settings, db, reply: str):
    with FakeOpenAI(reply=reply) as llm:
        settings = settings.model_copy(
            update={"openai_api_key": "k", "openai_base_url": llm.base_url, "openai_model": "m"}
        )
        pipeline = build_pipeline(settings, db=db)
        try:
            return await pipeline.summarise(text_document(ARTICLE), SummaryOptions())
        finally:
            await pipeline.aclose()


async def test_real_and_split_quotes_hold_and_the_footer_says_nothing(settings, db) -> None:
    result = await summarise_with(settings, db, f"{REAL}\n{SPLIT}")
    summary = result.summary
    assert summary is not None
    assert (summary.quotes, summary.quotes_verified) == (2, 2)
    assert summary.text == f"{REAL}\n{SPLIT}"
    assert not any("quote" in warning for warning in result.warnings)
    assert "could not be found" not in visible_text(format_summary(result))


async def test_invented_and_paraphrased_quotes_lose_their_marks(settings, db) -> None:
    result = await summarise_with(settings, db, f"{REAL}\n{INVENTED}\n{PARAPHRASE}")
    summary = result.summary
    assert summary is not None
    assert (summary.quotes, summary.quotes_verified) == (3, 1)
    lines = summary.text.splitlines()
    assert lines[0] == REAL
    assert lines[1] == "- Berg promised a new bridge for every district."
    assert lines[2] == "- Olsen said taxes will not go up next year."
    assert summary.unverified_quotes == (
        "a new bridge for every district",
        "taxes will not go up next year",
    )
    assert "2 quotes could not be found in the article." in result.warnings
    shown = visible_text(format_summary(result))
    assert shown.rstrip().endswith("2 quotes could not be found in the article.")


async def test_one_missing_quote_is_named_in_the_singular_and_checked_again_when_cached(
    settings, db
) -> None:
    first = await summarise_with(settings, db, f"{REAL}\n{INVENTED}")
    assert "1 quote could not be found in the article." in first.warnings
    # The cache keeps what the model wrote; the check runs on every read.
    second = await summarise_with(settings, db, "- never asked: the summary is cached")
    assert second.summary is not None and second.summary.cached
    assert (second.summary.quotes, second.summary.quotes_verified) == (2, 1)
    assert "1 quote could not be found in the article." in second.warnings


async def test_offline_quotes_are_verified(settings, db) -> None:
    pipeline = build_pipeline(settings, db=db)
    try:
        result = await pipeline.summarise(text_document(ARTICLE), SummaryOptions(offline=True))
    finally:
        await pipeline.aclose()
    summary = result.summary
    assert summary is not None and summary.quotes >= 1
    assert summary.quotes_verified == summary.quotes


def test_cli_json_reports_quotes(tmp_path: Path, monkeypatch, capsys) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with FakeOpenAI(reply=f"{REAL}\n{INVENTED}") as llm:
        for key, value in {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "OPENAI_API_KEY": "k",
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_MODEL": "m",
            "OPENAI_MAX_RETRIES": "1",
        }.items():
            monkeypatch.setenv(key, value)
        sys.stdin = io.StringIO("")
        try:
            code = main(["summarize", str(article), "--json"])
        finally:
            sys.stdin = sys.__stdin__
    out, _ = capsys.readouterr()
    (record,) = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert code == 0
    assert (record["quotes"], record["quotes_verified"]) == (2, 1)
    assert record["unverified_quotes"] == ["a new bridge for every district"]
    assert "1 quote could not be found in the article." in record["notes"]
    assert "“a new bridge" not in record["summary"]
