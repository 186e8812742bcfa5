from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from bot.config import Settings
from testsupport.corpora import ROOT


def test_env_example_lists_every_setting() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields == documented


def test_id_lists_accept_comma_separated_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_USER_IDS", "1, 2,3")
    monkeypatch.setenv("ADMIN_USER_IDS", "")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.allowed_user_ids == [1, 2, 3]
    assert settings.admin_user_ids == []


def test_default_database_is_sqlite_under_data_dir(tmp_path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url="")  # type: ignore[call-arg]
    assert settings.effective_database_url == f"sqlite:///{tmp_path.as_posix()}/bot.db"
    assert not settings.has_llm


def test_bad_value_is_a_validation_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_PORT", "not-a-port")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
