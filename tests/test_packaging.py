"""pyproject.toml lists the wheel's packages by hand (prompts/ is mapped in as bot.prompts): the
list must name every package under bot/, or a plain `pip install` would miss one."""

from __future__ import annotations

import tomllib

from setuptools import find_packages

from testsupport.corpora import ROOT


def test_the_listed_packages_are_every_package_under_bot_plus_the_prompts() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = find_packages(where=str(ROOT), include=["bot", "bot.*"])
    assert sorted(config["packages"]) == sorted([*found, "bot.prompts"])
    assert config["package-dir"] == {"bot.prompts": "prompts"}
    assert (ROOT / config["package-dir"]["bot.prompts"] / "summarize.md").is_file()


def test_the_wheel_carries_the_language_catalogues() -> None:
    """bot/locale is data, not a package: its .po files (compiled at runtime) and the .pot must be
    listed as package data, every catalogue on disk matching the pattern."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = config["package-data"]["bot"]
    assert {"locale/*.pot", "locale/*/LC_MESSAGES/*.po"} <= set(patterns)
    catalogues = sorted((ROOT / "bot" / "locale").glob("*/LC_MESSAGES/messages.po"))
    assert len(catalogues) >= 5
