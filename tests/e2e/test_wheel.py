"""The built wheel works outside the checkout: it carries the prompts (and the data tables and
migrations), so a plain `pip install` of it summarises with the LLM and offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from testsupport.corpora import ROOT, SPUN_EXAMPLE
from testsupport.openai_server import FakeOpenAI

LLM_REPLY = "- **The minister** said the plan is ready."


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"{argv}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel installed; dependencies come from the project's venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    # No build isolation: setuptools and wheel are dev dependencies, so this needs no network.
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--quiet", "-w", dist, ROOT, cwd=tmp,
    )  # fmt: skip
    (wheel,) = dist.glob("newsfix_bot-*.whl")
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv / "bin" / "python"
    run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--quiet", wheel, cwd=tmp,
    )  # fmt: skip
    site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp).strip()
    )
    # The project's site-packages supplies the dependencies, after the venv's own (a path line in
    # a .pth: the editable install's finder there is not run, so `bot` can only be the wheel's).
    (site / "project-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"bot/prompts/{n}.md" for n in ("summarize", "map", "reduce")} <= names
    languages = ("ru", "uk", "de", "es", "pt")
    assert {f"bot/locale/{lang}/LC_MESSAGES/messages.po" for lang in languages} <= names
    return python


def bot_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a user who installed the wheel: no PYTHONPATH, no checkout, no keys."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "OPENAI_", "PYTHON", "DATABASE_", "DATA_"))
    }
    env.update(DATA_DIR=str(tmp / "data"), **extra)
    return env


def test_bot_is_imported_from_the_wheel_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    origin = run(
        installed,
        "-c",
        "import importlib.util; print(importlib.util.find_spec('bot').origin)",
        cwd=tmp_path,
        env=bot_env(tmp_path),
    ).strip()
    package = Path(origin).parent
    assert ROOT not in package.parents
    assert (package / "prompts" / "summarize.md").is_file()
    assert not (package.parent / "prompts").exists()  # no checkout layout to fall back on


def test_the_installed_wheel_translates_from_its_own_catalogues(
    installed: Path, tmp_path: Path
) -> None:
    code = (
        "from bot.i18n import LOCALE_DIR, translator\n"
        "print(LOCALE_DIR)\n"
        "print(translator('ru').ngettext('{n} feed', '{n} feeds', 5))"
    )
    where, shown = run(installed, "-c", code, cwd=tmp_path, env=bot_env(tmp_path)).splitlines()
    assert ROOT not in Path(where).parents  # the wheel's catalogues, not the checkout's
    assert shown == "{n} лент"


def test_llm_summary_from_the_installed_wheel_uses_the_packaged_prompts(
    installed: Path, tmp_path: Path
) -> None:
    article = tmp_path / "article.txt"
    article.write_text(SPUN_EXAMPLE.read_text())
    with FakeOpenAI(reply=LLM_REPLY) as llm:
        env = bot_env(tmp_path, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=llm.base_url)
        out = run(installed, "-m", "bot", "summarize", "--json", article, cwd=tmp_path, env=env)
        sent = llm.completions
    record = json.loads(out)
    assert record["summary"].startswith("- ") and "The minister" in record["summary"]
    assert record["prompt_version"].startswith("summarize@")
    system = sent[0].messages[0]["content"]
    assert system.startswith("You are a careful news editor.")  # prompts/summarize.md's text


def test_offline_summary_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    out = run(
        installed, "-m", "bot", "summarize", "--offline", "--json", SPUN_EXAMPLE,
        cwd=tmp_path, env=bot_env(tmp_path),
    )  # fmt: skip
    record = json.loads(out)
    assert record["model"] == "offline" and record["summary"]
