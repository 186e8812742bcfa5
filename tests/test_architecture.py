"""The layers of docs/architecture.md, checked: a lower layer importing a higher one fails here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from testsupport.corpora import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"  # installed by import-linter


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    # The contracts live in pyproject.toml; PYTHONPATH makes `bot` the copy under `cwd`.
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_every_import_contract_is_kept() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_lower_layer_importing_a_higher_one_is_reported(tmp_path: Path) -> None:
    # The contract is only as good as its ability to fail: plant a violation in a copy.
    shutil.copytree(ROOT / "bot", tmp_path / "bot", ignore=shutil.ignore_patterns("data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    timing = tmp_path / "bot" / "digests" / "timing.py"
    timing.write_text(timing.read_text() + "\nfrom bot.telegram import render  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "bot.digests.timing -> bot.telegram.render" in result.stdout
