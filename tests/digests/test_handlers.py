from __future__ import annotations

import pytest

from bot.errors import InputError
from bot.telegram.digest_commands import parse_subscribe_args


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], (None, None)),
        (["7:30"], ("07:30", None)),
        (["europe/madrid"], (None, "Europe/Madrid")),
        (["Europe/Madrid", "19.05"], ("19:05", "Europe/Madrid")),
        (["utc", "00:00"], ("00:00", "UTC")),
    ],
)
def test_subscribe_arguments_in_any_order(args: list[str], expected: tuple[object, object]) -> None:
    assert parse_subscribe_args(args) == expected


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["tomorrow"], "don't understand"),
        (["7:30", "8:30"], "don't understand"),
        (["31:00"], "not a valid time"),
        (["Atlantis/Capital"], "not a time zone"),
        (["7:30", "Europe/Madrid", "extra"], "don't understand"),
    ],
)
def test_nonsense_gets_a_clear_message_with_an_example(args: list[str], needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_subscribe_args(args)
    assert needle in err.value.user_message
    assert "/subscribe 07:30 Europe/Madrid" in err.value.user_message
