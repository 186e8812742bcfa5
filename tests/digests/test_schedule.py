from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.digests.timing import (
    due_dates,
    due_instant,
    local_date_of,
    next_due,
    parse_local_time,
    parse_zone,
)
from bot.errors import InputError

GRACE = timedelta(hours=6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", "07:30"),
        ("07:30", "07:30"),
        ("23.59", "23:59"),
        ("19h05", "19:05"),
        ("0:00", "00:00"),
    ],
)
def test_parse_local_time(text: str, expected: str) -> None:
    assert parse_local_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7:60", "7", "seven", "", "12:5", "-1:00"])
def test_parse_local_time_rejects_nonsense_with_example(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_local_time(text)
    assert "/subscribe 07:30 Europe/Madrid" in err.value.user_message


def test_parse_zone_is_case_insensitive_and_rejects_unknown() -> None:
    assert parse_zone("europe/madrid") == "Europe/Madrid"
    assert parse_zone("UTC") == "UTC"
    with pytest.raises(InputError) as err:
        parse_zone("Mars/Olympus")
    assert "Europe/Madrid" in err.value.user_message


def test_plain_day_due_instant() -> None:
    assert due_instant(date(2025, 6, 2), "07:30", "Europe/Madrid") == datetime(
        2025, 6, 2, 5, 30, tzinfo=UTC
    )


def test_spring_forward_gap_moves_to_the_switch_instant() -> None:
    # Madrid 2025-03-30: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    assert due_instant(date(2025, 3, 30), "02:30", "Europe/Madrid") == datetime(
        2025, 3, 30, 1, 0, tzinfo=UTC
    )
    # New York 2025-03-09: 02:00 EST → 03:00 EDT (07:00 UTC).
    assert due_instant(date(2025, 3, 9), "02:15", "America/New_York") == datetime(
        2025, 3, 9, 7, 0, tzinfo=UTC
    )


def test_fall_back_ambiguous_time_takes_first_occurrence() -> None:
    # Madrid 2025-10-26: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    assert due_instant(date(2025, 10, 26), "02:30", "Europe/Madrid") == datetime(
        2025, 10, 26, 0, 30, tzinfo=UTC
    )
    # New York 2025-11-02: 01:30 EDT is 05:30 UTC (then 01:30 EST at 06:30 UTC).
    assert due_instant(date(2025, 11, 2), "01:30", "America/New_York") == datetime(
        2025, 11, 2, 5, 30, tzinfo=UTC
    )


ZONES = ["Europe/Madrid", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    zone=st.sampled_from(ZONES),
)
def test_due_instant_is_on_its_local_date_and_not_before_the_wall_time(
    day: date, hour: int, minute: int, zone: str
) -> None:
    hm = f"{hour:02d}:{minute:02d}"
    due = due_instant(day, hm, zone)
    local = due.astimezone(ZoneInfo(zone))
    assert local.date() == day
    assert local.replace(tzinfo=None) >= datetime.combine(day, datetime.min.time()).replace(
        hour=hour, minute=minute
    )
    # Consecutive local dates always give strictly increasing instants: never twice, never skipped.
    assert due_instant(day + timedelta(days=1), hm, zone) > due


def _walk(local_time: str, zone: str, start: datetime, days: int, step_minutes: int) -> list[date]:
    """Simulate a scheduler ticking every `step_minutes`, recording each date it would send."""
    sent: dict[date, datetime] = {}
    now = start
    end = start + timedelta(days=days)
    since = start
    while now <= end:
        for d in due_dates(local_time, zone, now, grace=GRACE, since=since):
            if d.local_date not in sent and not d.late:
                sent[d.local_date] = now
        now += timedelta(minutes=step_minutes)
    return sorted(sent)


@pytest.mark.parametrize("zone", ["Europe/Madrid", "America/New_York"])
@pytest.mark.parametrize("local_time", ["02:30", "01:30", "08:00", "00:00", "23:59"])
def test_exactly_one_digest_per_local_date_across_dst_switches(zone: str, local_time: str) -> None:
    # Two windows that contain the spring and autumn switch days of 2025 in both zones.
    # 2025 switches: New York 9 Mar / 2 Nov, Madrid 30 Mar / 26 Oct.
    for start, span in (
        (datetime(2025, 3, 5, tzinfo=UTC), 28),
        (datetime(2025, 10, 22, tzinfo=UTC), 14),
    ):
        days = local_date_of(start, zone)
        sent = _walk(local_time, zone, start, days=span, step_minutes=17)
        expected_first = (
            days if due_instant(days, local_time, zone) >= start else days + timedelta(1)
        )
        assert sent[0] == expected_first
        assert sent == [sent[0] + timedelta(days=i) for i in range(len(sent))]
        assert len(sent) >= span - 1


def test_catch_up_inside_grace_and_skip_beyond_it() -> None:
    since = datetime(2025, 1, 1, tzinfo=UTC)
    # Due 08:00 UTC; at 13:59 it is still within 6 h.
    now = datetime(2025, 1, 10, 13, 59, tzinfo=UTC)
    dues = due_dates("08:00", "UTC", now, grace=GRACE, since=since)
    assert [(d.local_date, d.late) for d in dues] == [
        (date(2025, 1, 9), True),
        (date(2025, 1, 10), False),
    ]
    later = datetime(2025, 1, 10, 14, 1, tzinfo=UTC)
    dues = due_dates("08:00", "UTC", later, grace=GRACE, since=since)
    assert [(d.local_date, d.late) for d in dues] == [(date(2025, 1, 10), True)]


def test_subscription_start_excludes_earlier_dates() -> None:
    since = datetime(2025, 1, 10, 8, 0, 30, tzinfo=UTC)
    assert due_dates("08:00", "UTC", since + timedelta(hours=1), grace=GRACE, since=since) == []


def test_next_due_crosses_midnight_and_dst() -> None:
    now = datetime(2025, 3, 29, 23, 0, tzinfo=UTC)  # 00:00 CET on 30 March in Madrid
    assert next_due("02:30", "Europe/Madrid", now) == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
    assert next_due("08:00", "UTC", datetime(2025, 1, 1, 8, 0, tzinfo=UTC)) == datetime(
        2025, 1, 2, 8, 0, tzinfo=UTC
    )
