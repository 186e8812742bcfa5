"""The command-line contract, end to end: local page server, fake OpenAI server, real clients."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from testsupport.corpora import ROOT, SPUN_EXAMPLE
from testsupport.openai_server import FakeOpenAI
from testsupport.pages import ARTICLE_PARAGRAPHS, ARTICLE_TEXT, ARTICLE_TITLE
from testsupport.pdfs import article_pdf, encrypted, scanned_pdf


def run_cli(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = ""
) -> tuple[int, list, str]:
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
    try:
        code = main(list(argv))
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return code, records, err


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_extract_json_from_url_file_and_stdin_in_input_order(env, pages, capsys, tmp_path) -> None:
    html_file = tmp_path / "page.html"
    # The longest ground-truth article: a full page, not a paywalled teaser.
    news_id = max(pages.news_ids, key=lambda i: len(pages.ground_truth(i)))
    html_file.write_text(pages.news_html(news_id), encoding="utf-8")
    sources = [pages.url("/article"), str(SPUN_EXAMPLE), str(html_file), "-"]
    code, records, _ = run_cli(
        capsys, "extract", *sources, "--json", stdin="Pasted title\n\nSome pasted text here."
    )
    assert code == 0
    assert [r["source"] for r in records] == sources
    for record in records:
        assert {"source", "title", "author", "date", "site", "text"} <= record.keys()
    assert records[0]["title"] == ARTICLE_TITLE
    assert records[1]["title"].startswith("Putin has been unwilling")
    assert records[1]["text"].startswith("Russia has been unwilling")
    assert records[3]["title"] == "Pasted title"
    assert records[3]["text"] == "Some pasted text here."


def test_clean_json_reports_repairs_with_offsets(env, capsys) -> None:
    code, records, _ = run_cli(capsys, "clean", str(SPUN_EXAMPLE), "--json")
    assert code == 0
    (record,) = records
    assert {"source", "title", "text", "repairs"} <= record.keys()
    assert record["repairs"], "the spun example needs repairs"
    original = SPUN_EXAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[1]
    for repair in record["repairs"]:
        assert set(repair) == {"kind", "before", "after", "start"}
        assert 0 <= repair["start"] <= len(original)
    assert "Leave a Reply" not in record["text"]


def test_clean_human_output_shows_a_compact_diff(env, capsys) -> None:
    code, _, _ = run_cli(capsys, "clean", str(SPUN_EXAMPLE))
    assert code == 0


def test_offline_summary_is_cached_on_second_run(env, pages, capsys) -> None:
    url = pages.url("/article")
    code, (first,), _ = run_cli(capsys, "summarize", url, "--json", "--offline")
    assert code == 0
    assert first["model"] == "offline" and first["cached"] is False
    assert first["summary"].strip()
    code, (second,), _ = run_cli(capsys, "summarize", url, "--json", "--offline")
    assert code == 0 and second["cached"] is True
    assert second["summary"] == first["summary"]


def test_missing_key_falls_back_to_offline_with_a_note(env, capsys) -> None:
    code, (record,), err = run_cli(capsys, "summarize", str(SPUN_EXAMPLE), "--json")
    assert code == 0
    assert record["model"] == "offline"
    assert "OPENAI_API_KEY" in err


def test_llm_summary_then_cache_hit_makes_no_llm_call(env, pages, capsys, monkeypatch) -> None:
    with FakeOpenAI() as llm:
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_MODEL", "fake-model")
        url = pages.url("/article")
        code, (first,), _ = run_cli(capsys, "summarize", url, "--json", "--length", "short")
        assert code == 0, first
        assert first["model"] == "fake-model" and first["cached"] is False
        assert first["prompt_tokens"] > 0
        calls = len(llm.requests)
        assert calls >= 1
        # The same article from a file path is the same content: cached, zero tokens spent.
        code, (second,), _ = run_cli(capsys, "summarize", url, "--json", "--length", "short")
        assert code == 0 and second["cached"] is True
        assert len(llm.requests) == calls


@pytest.mark.parametrize("status", [401, 429, 500])
def test_llm_errors_are_one_clear_line_and_exit_1(env, capsys, monkeypatch, status) -> None:
    with FakeOpenAI() as llm:
        llm.fail_next(status, times=100)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("LLM_FALLBACK_OFFLINE", "false")
        code, (record,), err = run_cli(capsys, "summarize", str(SPUN_EXAMPLE), "--json")
    assert code == 1
    assert set(record) == {"source", "error"}
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1


def test_llm_failure_falls_back_to_the_offline_summary_and_says_so(
    env, capsys, monkeypatch
) -> None:
    with FakeOpenAI() as llm:
        llm.fail_next(500, times=100)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        code, (record,), _ = run_cli(capsys, "summarize", str(SPUN_EXAMPLE), "--json")
    assert code == 0
    assert record["model"] == "offline" and record["kind"] == "fallback"
    assert any("LLM failed" in note for note in record["notes"])


def test_bad_sources_fail_alone_and_others_still_succeed(env, pages, capsys) -> None:
    bad = [
        f"http://127.0.0.1:{closed_port()}/article",
        pages.url("/status/404"),
        pages.url("/image.png"),
        pages.url("/big?bytes=6000000"),
        pages.url("/paywall"),
        "-",
        "/no/such/file.txt",
        "ftp://example.com/x",
    ]
    sources = [pages.url("/article"), *bad]
    code, records, err = run_cli(capsys, "extract", *sources, "--json", stdin="   \n  ")
    assert code == 1
    assert [r["source"] for r in records] == sources
    assert "error" not in records[0]
    errors = [r.get("error") for r in records[1:]]
    assert all(isinstance(e, str) and e.endswith(".") for e in errors), errors
    assert len(set(errors)) == len(errors), "each failure says what went wrong"
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == len(bad)


def test_private_addresses_are_refused_by_default(env, pages, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FETCH_ALLOW_PRIVATE", "false")
    code, (record,), _ = run_cli(capsys, "extract", pages.url("/article"), "--json")
    assert code == 1
    assert "does not fetch" in record["error"]


def test_usage_errors_exit_2(env, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["summarize"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["summarize", "x.txt", "--length", "huge"])
    assert exc.value.code == 2


def test_subprocess_contract_and_no_traceback(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "TELEGRAM"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "summarize", str(SPUN_EXAMPLE), "/missing.txt", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines[0]["model"] == "offline" and lines[0]["summary"]
    assert set(lines[1]) == {"source", "error"}
    assert "Traceback" not in proc.stderr
    assert (ROOT / "bot").is_dir()


# --- PDFs -------------------------------------------------------------------------------------


def test_pdf_link_and_file_summarised_by_the_llm(env, pages, capsys, monkeypatch, tmp_path) -> None:
    data = article_pdf()
    link = pages.add_route("/releases/bridge.pdf", data, content_type="application/pdf")
    download = pages.add_route(
        "/files/get",
        data,
        content_type="application/octet-stream",
        headers={"Content-Disposition": 'attachment; filename="bridge-vote.pdf"'},
    )
    file = tmp_path / "bridge.pdf"
    file.write_bytes(data)
    with FakeOpenAI() as llm:
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_MODEL", "fake-model")
        code, records, err = run_cli(capsys, "summarize", link, download, str(file), "--json")
        assert code == 0, err
        assert [r["title"] for r in records] == [ARTICLE_TITLE] * 3
        assert records[0]["model"] == "fake-model" and records[0]["summary"]
        assert records[0]["url"] == link
        # One PDF's text is one content hash: the three sources cost one LLM call.
        (prompt,) = llm.completions
        assert ARTICLE_PARAGRAPHS[1] in prompt.text  # rewrapped into one paragraph
        assert "Page 1 of 2" not in prompt.text and "Press Office" not in prompt.text


def test_extract_prints_the_pdf_as_paragraphs(env, pages, capsys) -> None:
    link = pages.add_route("/r.pdf", article_pdf(), content_type="application/pdf")
    code, (record,), _ = run_cli(capsys, "extract", link, "--json")
    assert code == 0
    assert record["text"] == ARTICLE_TEXT
    assert record["author"] == "Riverside Press Office"


def test_unreadable_pdfs_fail_with_what_to_do(env, pages, capsys) -> None:
    bad = [
        pages.add_route(
            "/locked.pdf",
            encrypted(article_pdf(), user_password="s3cret"),
            content_type="application/pdf",
        ),
        pages.add_route("/scan.pdf", scanned_pdf(), content_type="application/pdf"),
        pages.add_route(
            "/fake.pdf", b"<html>moved</html>", content_type="application/octet-stream"
        ),
        pages.url("/doc.pdf"),
    ]
    code, records, err = run_cli(capsys, "summarize", *bad, "--json", "--offline")
    assert code == 1
    errors = [r["error"] for r in records]
    assert "password" in errors[0]
    assert "no text layer" in errors[1]
    assert "not a PDF" in errors[2]
    assert "damaged" in errors[3]
    assert "Traceback" not in err
