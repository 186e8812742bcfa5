"""CLI input faults: stdin and file caps that cannot be bypassed, FIFOs, devices, binary data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_cli import run_cli

# -- item 12: CLI input caps ------------------------------------------------------------------


def test_stdin_is_read_only_up_to_the_cap(env, capsys, monkeypatch) -> None:
    """Item 12: `clean -` read 50 MB of stdin without limit (3.9 GB of memory)."""
    import bot.ingest.documents as documents

    monkeypatch.setattr(documents, "MAX_STDIN_BYTES", 1000)
    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 1000)
    code, (record,), _ = run_cli(capsys, "clean", "-", "--json", stdin="word " * 1000)
    assert code == 1 and "larger than" in record["error"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
def test_a_fifo_named_txt_is_refused_without_hanging(env, capsys, tmp_path: Path) -> None:
    """Item 12: a FIFO named x.txt hung forever (stat() said size 0, then read() blocked)."""
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    code, (record,), _ = run_cli(capsys, "clean", str(fifo), "--json")
    assert code == 1 and "not a regular file" in record["error"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_symlink_to_dev_zero_is_refused(env, capsys, tmp_path: Path) -> None:
    """Item 12: x.txt -> /dev/zero ran until MemoryError at 2.7 GB."""
    link = tmp_path / "x.txt"
    link.symlink_to("/dev/zero")
    code, (record,), _ = run_cli(capsys, "clean", str(link), "--json")
    assert code == 1 and "not a regular file" in record["error"]


def test_binary_text_file_is_refused(env, capsys, tmp_path: Path) -> None:
    """Smaller: binary data served or named as text was summarised as garbage."""
    blob = tmp_path / "image.txt"
    blob.write_bytes(bytes(range(256)) * 40)
    code, (record,), _ = run_cli(capsys, "clean", str(blob), "--json")
    assert code == 1 and "binary data" in record["error"]


async def test_binary_download_served_as_text_plain_is_refused(tmp_path: Path) -> None:
    from bot.errors import UnsupportedContentError
    from bot.ingest.fetch import Fetcher
    from testsupport.pages import PageServer

    with PageServer() as server:
        server.add_route("/blob", bytes(range(256)) * 40, content_type="text/plain")
        fetcher = Fetcher(allow_private=True)
        try:
            with pytest.raises(UnsupportedContentError) as err:
                await fetcher.fetch(server.url("/blob"))
        finally:
            await fetcher.aclose()
    assert "binary data" in err.value.user_message
