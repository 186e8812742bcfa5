"""Pure time math for daily digests: parsing, due instants across DST, which dates are due."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import InputError

_TIME_RE = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
TIME_EXAMPLE = "Example: /subscribe 07:30 Europe/Madrid"
MAX_ECHO_CHARS = 40


def quoted(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """User input echoed in an error, cut short: a 6,000-character argument once came back
    over three messages."""
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def parse_local_time(text: str) -> str:
    """'7:30' / '07.30' / '19h05' → canonical 'HH:MM'; InputError with an example otherwise."""
    match = _TIME_RE.match(text.strip())
    if not match:
        raise InputError(f"{quoted(text)} is not a time. Use 24-hour HH:MM. {TIME_EXAMPLE}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InputError(f"{quoted(text)} is not a valid time of day (00:00–23:59). {TIME_EXAMPLE}")
    return f"{hour:02d}:{minute:02d}"


def looks_like_time(text: str) -> bool:
    """True when the argument is meant as a time (digits with a separator)."""
    return bool(re.match(r"^\d{1,2}([:.h]\d{1,2})?$", text.strip()))


_ZONE_LOWER: dict[str, str] | None = None


def parse_zone(text: str) -> str:
    """An IANA zone name (case-insensitive) → its canonical spelling; InputError otherwise."""
    global _ZONE_LOWER
    name = text.strip()
    if _ZONE_LOWER is None:
        # Built lazily once: the tzdata listing is not needed until someone subscribes.
        _ZONE_LOWER = {z.lower(): z for z in available_timezones()}
    canonical = _ZONE_LOWER.get(name.lower())
    if canonical is None and name.upper() in ("UTC", "GMT", "Z"):
        canonical = "UTC"
    if canonical is None:
        raise InputError(
            f"{quoted(text)} is not a time zone I know. Use an IANA name like Europe/Madrid, "
            f"America/New_York or UTC. {TIME_EXAMPLE}"
        )
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listing and data agree
        raise InputError(f"{quoted(text)} is not a usable time zone. {TIME_EXAMPLE}") from exc
    return canonical


def _hm(local_time: str) -> time:
    hour, minute = local_time.split(":")
    return time(int(hour), int(minute))


def due_instant(local_date: date, local_time: str, zone: str) -> datetime:
    """The UTC instant of `local_time` on `local_date` in `zone`.

    Ambiguous times (clocks go back) → the first occurrence; nonexistent times (clocks go
    forward) → the first valid instant after the gap, i.e. the moment of the switch.
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(local_date, _hm(local_time))
    first = naive.replace(tzinfo=tz, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == naive:
        return utc
    # In a gap: fold=1 reads the wall time with the pre-gap offset, which lands before the
    # switch; walk forward minute by minute (gaps are at most a day) to the first instant whose
    # wall time is at or after the requested one.
    probe = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    probe = min(probe, utc) - timedelta(minutes=1)
    for _ in range(26 * 60 + 2):
        probe += timedelta(minutes=1)
        if probe.astimezone(tz).replace(tzinfo=None) >= naive:
            return probe
    return utc  # pragma: no cover - no real zone has a gap longer than a day


def local_date_of(instant: datetime, zone: str) -> date:
    """The calendar date in `zone` at `instant`."""
    return instant.astimezone(ZoneInfo(zone)).date()


@dataclass(frozen=True, slots=True)
class DueDate:
    """One (local date, due instant) for a subscription and whether it is still deliverable."""

    local_date: date
    due_at: datetime
    late: bool  # True when past the grace window: record as skipped, do not send


def due_dates(
    local_time: str,
    zone: str,
    now: datetime,
    *,
    grace: timedelta,
    since: datetime | None = None,
) -> list[DueDate]:
    """The local dates whose digest time has passed by `now`, oldest first.

    Only dates whose due instant is at or after `since` (when the subscription started) count,
    and only as far back as the grace window reaches plus one more date (which is reported
    `late` so the caller can record and log the skip instead of silently forgetting it).
    """
    today = local_date_of(now, zone)
    days_back = int(grace / timedelta(days=1)) + 2
    result: list[DueDate] = []
    for offset in range(days_back, -1, -1):
        day = today - timedelta(days=offset)
        due = due_instant(day, local_time, zone)
        if due > now or (since is not None and due < since):
            continue
        result.append(DueDate(day, due, late=now - due > grace))
    # Of the late dates only the newest matters: older ones were either handled or skipped earlier.
    lates = [d for d in result if d.late]
    return lates[-1:] + [d for d in result if not d.late]


def next_due(local_time: str, zone: str, now: datetime) -> datetime:
    """The next due instant strictly after `now` (UTC)."""
    today = local_date_of(now, zone)
    for offset in range(3):
        due = due_instant(today + timedelta(days=offset), local_time, zone)
        if due > now:
            return due
    raise AssertionError("unreachable: a daily time recurs within three days")  # pragma: no cover


def format_local(instant: datetime, zone: str) -> str:
    """'Mon 3 Mar 2025, 07:30 CET' for confirmations."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"
