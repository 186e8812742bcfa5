"""LLM faults through the real openai client and the fake server: refusals, hijacked output,
answers that are not the OpenAI API, and the CLI's one-record-per-source promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import LLMRefusedError, LLMUnavailableError
from bot.summarise.llm import OpenAIChatClient
from bot.summarise.llm_summariser import check_output
from tests.e2e.test_cli import run_cli
from testsupport.openai_server import FakeOpenAI

NOT_OPENAI = "did not answer like an OpenAI API"


def _use(llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
    monkeypatch.setenv("OPENAI_MODEL", "fake-model")
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    # The error itself is under test here, not the offline fallback that would stand in for it.
    monkeypatch.setenv("LLM_FALLBACK_OFFLINE", "false")


@pytest.mark.parametrize(
    ("reply", "finish_reason"),
    [
        ("I cannot help with that.", "content_filter"),
        ("- The mayor said", "content_filter"),  # even bullets, when the filter stopped it
        ("HACKED", "stop"),  # the model obeyed an instruction inside the article
        ("I cannot help with that.", "stop"),
        ("- The mayor said the bridge", "length"),  # cut before one bullet was complete
    ],
)
def test_refusals_and_hijacked_output_are_errors_and_never_cached(
    env, pages, capsys, monkeypatch, reply: str, finish_reason: str
) -> None:
    """Item 6: a content_filter refusal or 'HACKED' was shown as the summary and then cached."""
    with FakeOpenAI(reply=reply) as llm:
        llm.finish_reason = finish_reason
        _use(llm, monkeypatch)
        url = pages.url("/article")
        code, (record,), _ = run_cli(capsys, "summarize", url, "--json")
        assert code == 1 and "summary" not in record, record
        assert reply not in record["error"]
        calls = len(llm.completions)
        # Not cached: the next request asks the LLM again and gets the real summary.
        llm.reply, llm.finish_reason = "- **Mayor** said the bridge opens.", "stop"
        code, (again,), _ = run_cli(capsys, "summarize", url, "--json")
        assert code == 0 and again["cached"] is False
        assert again["summary"] == "- **Mayor** said the bridge opens."
        assert len(llm.completions) > calls


def test_length_keeps_the_complete_bullets_only() -> None:
    assert check_output("- One said a.\n- Two said b.\n- Three sa", "length") == (
        "- One said a.\n- Two said b."
    )
    with pytest.raises(LLMRefusedError):
        check_output("Sure! Here is", "length")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"choices": [', "application/json"),  # invalid JSON
        (b"<html><body>Proxy login</body></html>", "text/html"),  # a captive portal
        (b"[1, 2]", "application/json"),  # JSON of another shape
        (b'{"choices": [{"message": null}]}', "application/json"),
    ],
)
async def test_malformed_answers_are_llm_unavailable(body: bytes, content_type: str) -> None:
    """Item 7: JSONDecodeError / AttributeError tracebacks instead of a clear error."""
    with FakeOpenAI() as llm:
        llm.raw_next(body, content_type)
        client = OpenAIChatClient(base_url=llm.base_url, model="m", max_retries=0)
        try:
            with pytest.raises(LLMUnavailableError) as err:
                await client.complete([{"role": "user", "content": "x"}], max_tokens=10)
        finally:
            await client.aclose()
    assert NOT_OPENAI in err.value.user_message


def test_cli_keeps_one_record_per_source_when_the_llm_answers_html(
    env, pages, capsys, monkeypatch, tmp_path: Path
) -> None:
    """Item 7: with several sources, one malformed answer lost every other source's record."""
    with FakeOpenAI() as llm:
        _use(llm, monkeypatch)
        llm.raw_next(b"<html>Sign in to the proxy</html>", "text/html")
        text = tmp_path / "a.txt"
        text.write_text("Title\n\nThe mayor said the bridge will open next year, and more.")
        sources = [pages.url("/article"), str(text)]
        code, records, err = run_cli(capsys, "summarize", *sources, "--json")
    assert [r["source"] for r in records] == sources
    assert sum("error" in r for r in records) == 1 and code == 1
    failed = next(r for r in records if "error" in r)
    assert NOT_OPENAI in failed["error"]
    assert "Traceback" not in err
    assert any("summary" in r for r in records)


def test_cli_isolates_an_unexpected_exception_in_one_source(
    env, pages, capsys, monkeypatch, tmp_path: Path
) -> None:
    """Whatever goes wrong in one source, every source still gets its record."""
    import bot.ingest.documents as documents

    real = documents.read_file_source

    def broken(path: str):  # type: ignore[no-untyped-def]
        if path.endswith("bad.txt"):
            raise RuntimeError("bug")
        return real(path)

    monkeypatch.setattr(documents, "read_file_source", broken)
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("A text the extractor keeps.")
    bad.write_text("x")
    code, records, _ = run_cli(capsys, "extract", str(bad), str(good), "--json")
    assert [r["source"] for r in records] == [str(bad), str(good)]
    assert "Unexpected error" in records[0]["error"] and records[1]["text"]
    assert code == 1
