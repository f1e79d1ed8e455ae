"""Schedule math: durations, send windows, business days and holidays.

Pure and deterministic (imported by the workflow sandbox): no clock, no I/O.
The ``holidays`` library is imported lazily, at compile time only.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone

from cadence.ir import BusinessHours, Duration, Schedule

HOLIDAY_YEARS = range(2025, 2036)
HOLIDAY_SETS: dict[str, str] = {
    "us": "United States federal holidays",
    "uk": "United Kingdom bank holidays (England)",
    "ca": "Canada statutory holidays",
    "de": "Germany public holidays",
    "fr": "France public holidays",
    "au": "Australia national holidays",
    "nl": "Netherlands public holidays",
    "ie": "Ireland public holidays",
    "in": "India national holidays",
}
_COUNTRY = {"us": "US", "uk": "GB", "ca": "CA", "de": "DE", "fr": "FR", "au": "AU", "nl": "NL", "ie": "IE", "in": "IN"}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNITS = {
    "minute": "minutes", "minutes": "minutes", "min": "minutes", "mins": "minutes", "m": "minutes",
    "hour": "hours", "hours": "hours", "h": "hours",
    "day": "days", "days": "days", "d": "days",
    "week": "weeks", "weeks": "weeks", "w": "weeks",
    "business day": "business_days", "business days": "business_days",
}
_MAX_DAYS = 3650
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([a-z]+(?:\s+[a-z]+)?)\s*$")
_HOURS_RE = re.compile(r"^\s*([a-z]{3}(?:\s*-\s*[a-z]{3})?(?:\s*,\s*[a-z]{3}(?:\s*-\s*[a-z]{3})?)*)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")
_SEARCH_DAYS = 800


def parse_duration(text: str) -> Duration:
    """Parse "5 days", "3 business days", "2 hours", "90 minutes", "1 week" (or "5d", "2h").

    Raises:
        ValueError: with a message a marketer can act on.
    """
    match = _DURATION_RE.match(str(text).lower())
    unit = _UNITS.get(" ".join(match.group(2).split())) if match else None
    if match is None or unit is None:
        raise ValueError(f"{text!r} is not a duration; write a number and a unit, like '5 days' or '3 business days'")
    amount = int(match.group(1))
    in_days = {"minutes": amount / 1440, "hours": amount / 24, "days": amount, "weeks": amount * 7,
               "business_days": amount * 7 / 5}[unit]
    if in_days > _MAX_DAYS:
        raise ValueError(f"{text!r} is longer than 10 years; use a loop for long-term nurture")
    return Duration(amount, unit)  # type: ignore[arg-type]


def _hhmm(text: str, original: str) -> str:
    hours, minutes = (int(p) for p in text.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"{original!r}: {text} is not a time of day")
    return f"{hours:02d}:{minutes:02d}"


def parse_business_hours(text: str) -> BusinessHours:
    """Parse "mon-fri 09:00-17:00" or "mon,wed,fri 08:30-12:00".

    Raises:
        ValueError: naming what is wrong.
    """
    original = str(text)
    match = _HOURS_RE.match(original.lower())
    if match is None:
        raise ValueError(f"{original!r} is not a send window; write days and hours, like 'mon-fri 09:00-17:00'")
    days: set[int] = set()
    for part in match.group(1).split(","):
        first, _sep, last = (p.strip() for p in part.partition("-"))
        for name in (first, last or first):
            if name not in _DAYS:
                raise ValueError(f"{original!r}: {name!r} is not a day; use mon, tue, wed, thu, fri, sat, sun")
        a, b = _DAYS.index(first), _DAYS.index(last or first)
        if b < a:
            raise ValueError(f"{original!r}: {first}-{last} runs backwards; write the earlier day first")
        days.update(range(a, b + 1))
    start, end = _hhmm(match.group(2), original), _hhmm(match.group(3), original)
    if end <= start:
        raise ValueError(f"{original!r}: the window must end after it starts")
    return BusinessHours(days=tuple(sorted(days)), start=start, end=end)


def holiday_dates(name: str) -> tuple[str, ...]:
    """ISO dates of holiday set ``name`` for :data:`HOLIDAY_YEARS`.

    Raises:
        KeyError: for an unknown set name.
    """
    if name not in HOLIDAY_SETS:
        raise KeyError(name)
    import holidays

    calendar = holidays.country_holidays(_COUNTRY[name], years=HOLIDAY_YEARS)
    return tuple(sorted(d.isoformat() for d in calendar))


def is_valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows."""
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def resolve_timezone(schedule: Schedule, lead_timezone: str | None) -> str:
    """The zone touches are scheduled in: the lead's own when the schedule says ``lead``."""
    if schedule.timezone != "lead":
        return schedule.timezone
    if lead_timezone and is_valid_timezone(lead_timezone):
        return lead_timezone
    return schedule.default_timezone


def _local(at: datetime, tz: str) -> datetime:
    return at.astimezone(zoneinfo.ZoneInfo(tz))


def _to_utc(day: date, clock: time, tz: str) -> datetime:
    """Local wall-clock time to UTC; a time inside a DST gap moves forward out of it."""
    zone = zoneinfo.ZoneInfo(tz)
    local = datetime.combine(day, clock).replace(tzinfo=zone, fold=0)
    utc = local.astimezone(timezone.utc)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        # Nonexistent local time (spring forward): take the instant just after the gap.
        utc = local.replace(fold=1).astimezone(timezone.utc)
    return utc


def _is_business_day(schedule: Schedule, day: date) -> bool:
    days = schedule.business_hours.days if schedule.business_hours else (0, 1, 2, 3, 4)
    return day.weekday() in days and day.isoformat() not in schedule.holidays


def add_duration(schedule: Schedule, tz: str, start: datetime, duration: Duration) -> datetime:
    """``start`` plus ``duration`` in zone ``tz`` (calendar days keep the local time across DST)."""
    if duration.unit == "minutes":
        return start + timedelta(minutes=duration.amount)
    if duration.unit == "hours":
        return start + timedelta(hours=duration.amount)
    local = _local(start, tz)
    if duration.unit in ("days", "weeks"):
        n = duration.amount * (7 if duration.unit == "weeks" else 1)
        return _to_utc(local.date() + timedelta(days=n), local.time().replace(tzinfo=None), tz)
    day, left = local.date(), duration.amount
    for _ in range(duration.amount * 7 + _SEARCH_DAYS):
        if left == 0:
            break
        day += timedelta(days=1)
        if _is_business_day(schedule, day):
            left -= 1
    else:
        raise ValueError("no business day found within two years; check the holidays and business hours")
    return _to_utc(day, local.time().replace(tzinfo=None), tz)


def _clock(text: str) -> time:
    hours, minutes = (int(p) for p in text.split(":"))
    return time(23, 59, 59, 999999) if hours == 24 else time(hours, minutes)


def in_window(schedule: Schedule, tz: str, at: datetime) -> bool:
    """Whether a touch may happen at ``at``."""
    local = _local(at, tz)
    if local.date().isoformat() in schedule.holidays:
        return False
    hours = schedule.business_hours
    if hours is None:
        return True
    return local.weekday() in hours.days and _clock(hours.start) <= local.time().replace(tzinfo=None) < _clock(hours.end)


def next_window_start(schedule: Schedule, tz: str, at: datetime) -> datetime:
    """The earliest instant at or after ``at`` inside the send window.

    Raises:
        ValueError: when no window opens within about two years.
    """
    if in_window(schedule, tz, at):
        return at
    local = _local(at, tz)
    hours = schedule.business_hours
    day = local.date()
    for _ in range(_SEARCH_DAYS):
        if day.isoformat() not in schedule.holidays:
            if hours is None:
                if day > local.date():
                    return _to_utc(day, time(0, 0), tz)
            elif day.weekday() in hours.days:
                opening = _to_utc(day, _clock(hours.start), tz)
                closing = _to_utc(day, _clock(hours.end), tz)
                if opening >= at:
                    return opening
                if at < closing:
                    return at
        day += timedelta(days=1)
    raise ValueError("no send window opens within two years; check the holidays and business hours")


def describe(at: datetime, tz: str) -> str:
    """A short local time for people: ``Tue 3 Mar 09:00 America/Chicago``."""
    local = _local(at, tz)
    return f"{local:%a} {local.day} {local:%b %H:%M} {tz}"


def describe_duration(duration: Duration) -> str:
    """``5 days``, ``1 business day``."""
    return str(duration)


def business_days_between(schedule: Schedule, tz: str, start: datetime, end: datetime) -> int:
    """Business days after ``start``'s local date up to and including ``end``'s."""
    day, last, count = _local(start, tz).date(), _local(end, tz).date(), 0
    while day < last:
        day += timedelta(days=1)
        count += _is_business_day(schedule, day)
    return count


__all__ = [
    "HOLIDAY_SETS",
    "HOLIDAY_YEARS",
    "add_duration",
    "business_days_between",
    "describe",
    "describe_duration",
    "holiday_dates",
    "in_window",
    "is_valid_timezone",
    "next_window_start",
    "parse_business_hours",
    "parse_duration",
    "resolve_timezone",
]
