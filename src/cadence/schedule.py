"""Schedule math: durations, send windows, business days and holidays.

Pure and deterministic (the workflow sandbox imports it): no clock, no I/O
beyond the zone data ``zoneinfo`` reads, no randomness. The ``holidays``
library is imported lazily inside :func:`holiday_dates`, at compile time only.

Local times follow the wall clock of the lead's zone. A local time that does
not exist (inside a spring-forward gap) means the first instant after the gap;
an ambiguous one (the repeated hour of a fall-back) means its first occurrence.
"""

from __future__ import annotations

import functools
import math
import re
import zlib
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone

from cadence.ir import BusinessHours, Duration, Schedule

HOLIDAY_YEARS = range(2025, 2036)
"""Years a named holiday set is expanded for."""

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
"""Shipped holiday set names and what they hold."""

_COUNTRY: dict[str, tuple[str, str | None]] = {
    "us": ("US", None),
    "uk": ("GB", "ENG"),
    "ca": ("CA", None),
    "de": ("DE", None),
    "fr": ("FR", None),
    "au": ("AU", None),
    "nl": ("NL", None),
    "ie": ("IE", None),
    "in": ("IN", None),
}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAYS = (0, 1, 2, 3, 4)
_UNITS = {
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "business day": "business_days", "business days": "business_days",
}
_DAYS_PER_UNIT = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7, "business_days": 7 / 5}
_MAX_DAYS = 3650
_MAX_TEXT = 80
_DURATION_RE = re.compile(r"^(-?)(\d+(?:\.\d+)?)\s*([a-z]+(?:[\s-]+[a-z]+)?)$")
_HOURS_RE = re.compile(
    r"^([a-z]{3}(?:\s*-\s*[a-z]{3})?(?:\s*,\s*[a-z]{3}(?:\s*-\s*[a-z]{3})?)*)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$"
)
_SEARCH_DAYS = 800
"""How far ahead a send window or business day is looked for before giving up."""
_UTC = timezone.utc
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INSTANTS_CACHED = 16384
"""Local (day, time, zone) readings whose UTC instants are kept."""
_CALENDARS_KEPT = 64
"""Schedules whose :class:`_Calendar` is kept (a worker sees a few plans, each with one schedule)."""
WINDOW_SPREAD = timedelta(hours=1)
"""How far after a send window opens the leads that waited for it are spread, where the schedule does not
say (``schedule.spread``); at most half the window."""
_DESCRIPTIONS_CACHED = 4096
"""Instants shown to people (waits of leads in one zone often end at the same opening) kept as text."""


# ---------------------------------------------------------------- parsing


def parse_duration(text: str) -> Duration:
    """Parse a duration as a marketer writes it.

    Accepts "90 minutes", "2 hours", "1 day", "5 days", "2 weeks",
    "3 business days" and the short forms "30m", "2h", "5d", "2w".
    Zero is allowed; negative, fractional and absurdly long durations are not.

    Raises:
        ValueError: with a message a marketer can act on.
    """
    shown = _shown(text)
    match = _DURATION_RE.match(" ".join(str(text).lower().split())) if len(str(text)) <= _MAX_TEXT else None
    words = " ".join(match.group(3).replace("-", " ").split()) if match else ""
    if match and words.rstrip("s") in ("month", "year"):
        per = 30 if words.startswith("month") else 365
        amount = abs(float(match.group(2)))
        raise ValueError(f"{shown}: {words.rstrip('s')}s vary in length; write days or weeks instead, "
                         f"like '{round(amount * per)} days'")
    unit = _UNITS.get(words)
    if match is None or unit is None:
        raise ValueError(f"{shown} is not a duration; write a number and a unit, like '5 days' or '3 business days'")
    if match.group(1):
        raise ValueError(f"{shown}: a duration cannot be negative; write 0 or more, like '3 days'")
    if "." in match.group(2):
        raise ValueError(f"{shown}: write a whole number; use a smaller unit for fractions, "
                         f"like '90 minutes' instead of '1.5 hours'")
    amount = int(match.group(2))
    if amount * _DAYS_PER_UNIT[unit] > _MAX_DAYS:
        raise ValueError(f"{shown} is longer than 10 years; use a loop for long-term nurture")
    return Duration(amount, unit)  # type: ignore[arg-type]


def parse_business_hours(text: str) -> BusinessHours:
    """Parse a send window: "mon-fri 09:00-17:00", "mon,wed,fri 08:30-12:00", "mon-sat 8:00-18:00".

    Day ranges run forwards (no "fri-mon"); the window ends after it starts on the
    same day ("24:00" is allowed as the end).

    Raises:
        ValueError: naming what is wrong and how to write it.
    """
    shown = _shown(text)
    match = _HOURS_RE.match(" ".join(str(text).lower().split())) if len(str(text)) <= _MAX_TEXT else None
    if match is None:
        raise ValueError(f"{shown} is not a send window; write days and hours, like 'mon-fri 09:00-17:00'")
    days: set[int] = set()
    for part in match.group(1).split(","):
        first, _sep, last = (p.strip() for p in part.partition("-"))
        last = last or first
        for name in (first, last):
            if name not in _DAYS:
                raise ValueError(f"{shown}: '{name}' is not a day; use mon, tue, wed, thu, fri, sat, sun")
        a, b = _DAYS.index(first), _DAYS.index(last)
        if b < a:
            raise ValueError(f"{shown}: {first}-{last} runs backwards; write the earlier day first, like 'mon-fri'")
        days.update(range(a, b + 1))
    start, end = _hhmm(match.group(2), shown), _hhmm(match.group(3), shown)
    if end <= start:
        raise ValueError(f"{shown}: the window must end after it starts, on the same day")
    return BusinessHours(days=tuple(sorted(days)), start=start, end=end)


def _hhmm(text: str, shown: str) -> str:
    hours, minutes = (int(p) for p in text.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"{shown}: {text} is not a time of day; write 24-hour times like 09:00 or 17:30")
    return f"{hours:02d}:{minutes:02d}"


def _shown(text: object) -> str:
    """The author's text, quoted and cut short for messages."""
    raw = str(text)
    return repr(raw if len(raw) <= _MAX_TEXT else raw[:_MAX_TEXT] + "...")


# ---------------------------------------------------------------- holidays and zones


@functools.lru_cache(maxsize=None)
def holiday_dates(name: str) -> tuple[str, ...]:
    """ISO dates of the shipped holiday set ``name`` for :data:`HOLIDAY_YEARS`, sorted.

    Raises:
        KeyError: for a name not in :data:`HOLIDAY_SETS`.
    """
    if name not in HOLIDAY_SETS:
        raise KeyError(name)
    import holidays  # compile time only: the workflow sandbox never calls this

    country, subdiv = _COUNTRY[name]
    calendar = holidays.country_holidays(country, subdiv=subdiv, years=HOLIDAY_YEARS)
    return tuple(sorted(d.isoformat() for d in calendar))


def is_valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows (``UTC`` included)."""
    if not isinstance(name, str) or not name or len(name) > 64 or name.startswith("/") or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def resolve_timezone(schedule: Schedule, lead_timezone: str | None) -> str:
    """The zone a lead's touches are scheduled in.

    Args:
        schedule: the cadence's schedule.
        lead_timezone: the lead's ``timezone`` field, if any.

    Returns:
        The lead's zone when the schedule says ``lead`` and the lead has a valid
        one, else the schedule's default zone; a fixed schedule zone otherwise.
    """
    if schedule.timezone != "lead":
        return schedule.timezone
    if lead_timezone and is_valid_timezone(lead_timezone):
        return lead_timezone
    return schedule.default_timezone


# ---------------------------------------------------------------- local time


def _utc(at: datetime) -> datetime:
    if at.tzinfo is _UTC:
        return at
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; schedule math needs aware datetimes")
    return at.astimezone(_UTC)


def _local(at: datetime, tz: str) -> datetime:
    return _utc(at).astimezone(zoneinfo.ZoneInfo(tz))


@functools.lru_cache(maxsize=_INSTANTS_CACHED)
def _instants(day: date, clock: time, tz: str) -> tuple[datetime, ...]:
    """UTC instants at which the local wall clock of ``tz`` reads ``day clock``.

    Two for a repeated (fall-back) time, one usually, and for a time skipped by
    a spring-forward gap the first instant after the gap. Memoized: leads of one
    zone keep asking for the same openings and the same local times.
    """
    offset = _steady_offset(day, tz)
    if offset is not None:
        return ((datetime.combine(day, clock) - offset).replace(tzinfo=_UTC),)
    zone = zoneinfo.ZoneInfo(tz)
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(_UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(_UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return tuple(sorted({first, second}))
    # In a gap fold=1 maps before the transition and fold=0 after it.
    return (_transition(second, first, zone),)


@functools.lru_cache(maxsize=_INSTANTS_CACHED)
def _steady_offset(day: date, tz: str) -> timedelta | None:
    """The UTC offset of ``tz`` all through ``day``, or ``None`` on a day its clocks change.

    On a steady day every local time is one instant, the local time less the offset: leads spread over
    a window's first hour ask for thousands of different local times, each a day's arithmetic.
    """
    zone = zoneinfo.ZoneInfo(tz)
    start = datetime.combine(day, time(0)).replace(tzinfo=zone).astimezone(_UTC)
    end = datetime.combine(day + _ONE_DAY, time(0)).replace(tzinfo=zone).astimezone(_UTC)
    offset = start.astimezone(zone).utcoffset()
    if end - start != _ONE_DAY or offset is None or (end - _ONE_SECOND).astimezone(zone).utcoffset() != offset:
        return None
    if start.astimezone(zone).replace(tzinfo=None) != datetime.combine(day, time(0)):
        return None
    return offset


def _transition(before: datetime, after: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The first whole second in ``(before, after]`` at which ``zone`` has ``after``'s UTC offset."""
    offset = after.utcoffset() if after.tzinfo is zone else after.astimezone(zone).utcoffset()
    low, high = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while high - low > 1:
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == offset:
            high = mid
        else:
            low = mid
    return datetime.fromtimestamp(high, _UTC)


def _to_utc(day: date, clock: time, tz: str) -> datetime:
    """The first UTC instant at which the local wall clock reads ``day clock`` (or just after a gap)."""
    return _instants(day, clock, tz)[0]


def _seconds(text: str) -> int:
    """``HH:MM`` as seconds after midnight."""
    hours, minutes = (int(p) for p in text.split(":"))
    return hours * 3600 + minutes * 60


class _Calendar:
    """A schedule's send window and holidays in the form the arithmetic asks them (built once per schedule)."""

    __slots__ = ("business_days", "closing", "holidays", "hours", "opening", "opening_time", "spread")

    def __init__(self, schedule: Schedule) -> None:
        hours = schedule.business_hours
        # A holiday text that is not exactly a date's ISO form never matched a date before either.
        self.holidays: frozenset[date] = frozenset(
            d for d in map(_iso_date, schedule.holidays) if d is not None)
        """Dates on which no touch lands."""
        self.hours: frozenset[int] | None = frozenset(hours.days) if hours else None
        """Weekdays of the send window (``None``: no business hours, any time)."""
        self.business_days: frozenset[int] = self.hours if self.hours is not None else frozenset(_WEEKDAYS)
        """Weekdays counted as business days."""
        self.opening: int = _seconds(hours.start) if hours else 0
        """Seconds after local midnight at which the window opens."""
        self.closing: int = _seconds(hours.end) if hours else 86400
        """Seconds after local midnight at which it closes (excluded)."""
        self.opening_time: time = time(self.opening // 3600, self.opening // 60 % 60)
        """:attr:`opening` as a local time."""
        chosen = schedule.spread
        limit = WINDOW_SPREAD if chosen is None else timedelta(**{chosen.unit: chosen.amount})
        self.spread: int = min(int(limit.total_seconds()), (self.closing - self.opening) // 2)
        """Seconds into the window over which leads waiting for its opening are spread (:func:`spread_opening`)."""

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.business_days and day not in self.holidays

    def allows(self, local: datetime) -> bool:
        """Whether the local wall-clock instant ``local`` is inside the send window (``[opening, closing)``)."""
        if local.date() in self.holidays:
            return False
        if self.hours is None:
            return True
        # Whole seconds decide: the window's bounds are whole minutes.
        clock = local.hour * 3600 + local.minute * 60 + local.second
        return local.weekday() in self.hours and self.opening <= clock < self.closing


def _iso_date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return day if day.isoformat() == text else None


_CALENDARS: dict[int, tuple[Schedule, _Calendar]] = {}


def _calendar(schedule: Schedule) -> _Calendar:
    """The :class:`_Calendar` of ``schedule``, kept by identity (hashing a schedule hashes all its holidays)."""
    hit = _CALENDARS.get(id(schedule))
    if hit is not None and hit[0] is schedule:
        return hit[1]
    if len(_CALENDARS) >= _CALENDARS_KEPT:
        _CALENDARS.clear()
    calendar = _Calendar(schedule)
    # The entry holds the schedule, so its id cannot be reused while it is kept.
    _CALENDARS[id(schedule)] = (schedule, calendar)
    return calendar


def _is_business_day(schedule: Schedule, day: date) -> bool:
    return _calendar(schedule).is_business_day(day)


# ---------------------------------------------------------------- arithmetic


def add_duration(schedule: Schedule, tz: str, start: datetime, duration: Duration) -> datetime:
    """``start`` plus ``duration``, for a lead in zone ``tz``.

    Minutes and hours are absolute. Days and weeks keep the local wall-clock
    time (09:00 stays 09:00 across a DST change). Business days are the
    schedule's business-hours days (mon-fri without business hours) that are not
    holidays; the result keeps the local time of ``start``.

    Args:
        schedule: the cadence's schedule (business days and holidays).
        tz: the lead's resolved IANA zone.
        start: an aware datetime.
        duration: how long.

    Returns:
        An aware UTC datetime, never before ``start``.

    Raises:
        ValueError: when ``start`` is naive or no business day exists within about two years.
    """
    start = _utc(start)
    if duration.amount == 0:
        return start
    if duration.unit == "minutes":
        return start + timedelta(minutes=duration.amount)
    if duration.unit == "hours":
        return start + timedelta(hours=duration.amount)
    local = _local(start, tz)
    clock = local.time()  # naive, the fold kept
    if duration.unit in ("days", "weeks"):
        days = duration.amount * (7 if duration.unit == "weeks" else 1)
        return _to_utc(local.date() + timedelta(days=days), clock, tz)
    return _to_utc(_business_day_after(schedule, local.date(), duration.amount), clock, tz)


def subtract_duration(schedule: Schedule, tz: str, end: datetime, duration: Duration) -> datetime:
    """The latest start from which :func:`add_duration` reaches ``end``: when a wait of ``duration`` began.

    Starts on the non-business days before a business day all reach the same end; the latest is
    returned, and adding any other duration to it gives what adding it to an earlier one gives.
    """
    end = _utc(end)
    if duration.amount == 0:
        return end
    if duration.unit == "minutes":
        return end - timedelta(minutes=duration.amount)
    if duration.unit == "hours":
        return end - timedelta(hours=duration.amount)
    local = _local(end, tz)
    clock = local.time()  # naive, the fold kept
    if duration.unit in ("days", "weeks"):
        days = duration.amount * (7 if duration.unit == "weeks" else 1)
        return _to_utc(local.date() - timedelta(days=days), clock, tz)
    day, seen, limit = local.date(), 0, local.date() - timedelta(days=duration.amount * 7 + _SEARCH_DAYS)
    while True:
        if _is_business_day(schedule, day):
            seen += 1
            if seen == duration.amount:
                return _to_utc(day - _ONE_DAY, clock, tz)
        day -= _ONE_DAY
        if day < limit:
            raise ValueError("no business day found within two years; check the holidays and business hours")


def _business_day_after(schedule: Schedule, day: date, count: int) -> date:
    is_business_day = _calendar(schedule).is_business_day
    limit = day + timedelta(days=count * 7 + _SEARCH_DAYS)
    while count > 0:
        day += _ONE_DAY
        if day > limit:
            raise ValueError("no business day found within two years; check the holidays and business hours")
        if is_business_day(day):
            count -= 1
    return day


def business_days_between(schedule: Schedule, tz: str, start: datetime, end: datetime) -> int:
    """Business days after ``start``'s local date up to and including ``end``'s (0 if ``end`` is not later).

    ``business_days_between(s, tz, t, add_duration(s, tz, t, Duration(n, "business_days"))) == n``.
    """
    day, last, count = _local(start, tz).date(), _local(end, tz).date(), 0
    while day < last:
        day += _ONE_DAY
        count += _is_business_day(schedule, day)
    return count


# ---------------------------------------------------------------- send window


def in_window(schedule: Schedule, tz: str, at: datetime) -> bool:
    """Whether a touch may happen at ``at``: not a holiday, and within business hours if any.

    Business hours are ``[start, end)`` on the local wall clock of ``tz``.
    """
    return _calendar(schedule).allows(_local(at, tz))


def next_window_start(schedule: Schedule, tz: str, at: datetime) -> datetime:
    """The earliest instant at or after ``at`` inside the send window.

    Without business hours that is ``at`` itself unless its local date is a
    holiday, then 00:00 local of the next non-holiday day.

    Returns:
        An aware UTC datetime ``t >= at`` with ``in_window(schedule, tz, t)``.

    Raises:
        ValueError: when no window opens within about two years.
    """
    at = _utc(at)
    calendar, zone = _calendar(schedule), zoneinfo.ZoneInfo(tz)
    local = at.astimezone(zone)
    if calendar.allows(local):
        return at
    day = local.date()
    for _ in range(_SEARCH_DAYS):
        if day not in calendar.holidays and (calendar.hours is None or day.weekday() in calendar.hours):
            for candidate in _instants(day, calendar.opening_time, tz):
                if candidate >= at and calendar.allows(candidate.astimezone(zone)):
                    return candidate
        day += _ONE_DAY
    raise ValueError("no send window opens within two years; check the holidays and business hours")


def spread_opening(schedule: Schedule, tz: str, opening: datetime, key: str) -> datetime:
    """The instant a lead keyed ``key`` that waited for the send window opening at ``opening`` is touched.

    Every lead of a zone waiting for one opening would wake in the same second (thousands of timers at
    09:00:00 overwhelm a server, and a burst of mail from one sender looks like spam). Each lead instead
    gets its own second within the first :func:`spread_width` of the window (an hour by default), the
    same for every wait of that lead: a checksum of ``key``, not randomness, so a replay and the
    simulator agree.

    Returns:
        ``opening`` plus the lead's offset, or ``opening`` itself if the offset would leave the window.
    """
    opening = _utc(opening)
    calendar = _calendar(schedule)
    if calendar.spread <= 0:
        return opening
    spread = opening + timedelta(seconds=zlib.crc32(key.encode()) % calendar.spread)
    return spread if calendar.allows(_local(spread, tz)) else opening


def spread_width(schedule: Schedule) -> timedelta:
    """How far into its send window a schedule spreads the leads that waited for the opening: its
    ``spread`` (else :data:`WINDOW_SPREAD`), at most half the window."""
    return timedelta(seconds=_calendar(schedule).spread)


# ---------------------------------------------------------------- display


def describe(at: datetime, tz: str) -> str:
    """A short local time for people, like ``Tue 3 Mar 09:00 America/Chicago``."""
    if at.tzinfo is _UTC:
        return _describe_utc(at, tz)
    return _described(_local(at, tz), tz)


@functools.lru_cache(maxsize=_DESCRIPTIONS_CACHED)
def _describe_utc(at: datetime, tz: str) -> str:
    # Keyed by UTC instants only: instants of another zone that differ only in fold hash and compare equal.
    return _described(at.astimezone(zoneinfo.ZoneInfo(tz)), tz)


def _described(local: datetime, tz: str) -> str:
    # The C locale's %a and %b, without strftime: names for people do not follow the machine's locale.
    return f"{_DAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month - 1]} {local.hour:02d}:{local.minute:02d} {tz}"


__all__ = [
    "HOLIDAY_SETS",
    "HOLIDAY_YEARS",
    "WINDOW_SPREAD",
    "add_duration",
    "business_days_between",
    "describe",
    "holiday_dates",
    "in_window",
    "is_valid_timezone",
    "next_window_start",
    "parse_business_hours",
    "parse_duration",
    "resolve_timezone",
    "spread_opening",
    "spread_width",
]
