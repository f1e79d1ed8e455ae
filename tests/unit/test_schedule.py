"""Schedule math: parsing, business days, send windows, lead zones and DST."""

from __future__ import annotations

import ast
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence import schedule
from cadence.ir import BusinessHours, Duration, Schedule

UTC = timezone.utc
NY, CHI, BER, KOL = "America/New_York", "America/Chicago", "Europe/Berlin", "Asia/Kolkata"
OFFICE = BusinessHours(days=(0, 1, 2, 3, 4), start="09:00", end="17:00")
US = Schedule("lead", NY, OFFICE, ("2026-07-03", "2026-11-26", "2026-12-25"), ("us",))
ANY_TIME = Schedule("UTC", "UTC", None)


def local(tz: str, *args: int, fold: int = 0) -> datetime:
    """An aware UTC datetime from a local wall-clock time in ``tz``."""
    return datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz), fold=fold).astimezone(UTC)


def wall(at: datetime, tz: str) -> str:
    return at.astimezone(zoneinfo.ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M %Z")


# ---------------------------------------------------------------- parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90 minutes", Duration(90, "minutes")),
        ("1 minute", Duration(1, "minutes")),
        ("2 hours", Duration(2, "hours")),
        ("1 hour", Duration(1, "hours")),
        ("5 days", Duration(5, "days")),
        ("1 day", Duration(1, "days")),
        ("2 weeks", Duration(2, "weeks")),
        ("3 business days", Duration(3, "business_days")),
        ("1 business day", Duration(1, "business_days")),
        ("30m", Duration(30, "minutes")),
        ("2h", Duration(2, "hours")),
        ("5d", Duration(5, "days")),
        ("2w", Duration(2, "weeks")),
        ("0 days", Duration(0, "days")),
        ("  4  Business   Days ", Duration(4, "business_days")),
        ("3650 days", Duration(3650, "days")),
    ],
)
def test_parse_duration_accepts(text: str, expected: Duration) -> None:
    assert schedule.parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5 dayz", "'5 dayz' is not a duration; write a number and a unit, like '5 days' or '3 business days'"),
        ("days", "'days' is not a duration; write a number and a unit, like '5 days' or '3 business days'"),
        ("", "'' is not a duration; write a number and a unit, like '5 days' or '3 business days'"),
        ("five days", "'five days' is not a duration; write a number and a unit, like '5 days' or '3 business days'"),
        ("-2 days", "'-2 days': a duration cannot be negative; write 0 or more, like '3 days'"),
        ("1.5 hours", "'1.5 hours': write a whole number; use a smaller unit for fractions, like '90 minutes' instead of '1.5 hours'"),
        ("2 months", "'2 months': months vary in length; write days or weeks instead, like '60 days'"),
        ("1 year", "'1 year': years vary in length; write days or weeks instead, like '365 days'"),
        ("3651 days", "'3651 days' is longer than 10 years; use a loop for long-term nurture"),
        ("600 weeks", "'600 weeks' is longer than 10 years; use a loop for long-term nurture"),
        ("9999999999999999999999 minutes", "'9999999999999999999999 minutes' is longer than 10 years; use a loop for long-term nurture"),
    ],
)
def test_parse_duration_rejects_with_a_message_a_marketer_understands(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        schedule.parse_duration(text)
    assert str(info.value) == message


def test_parse_duration_cuts_hostile_text_short_in_the_message() -> None:
    with pytest.raises(ValueError) as info:
        schedule.parse_duration("9" * 10_000 + " days")
    assert len(str(info.value)) < 200


@given(st.integers(0, 3650), st.sampled_from(["minutes", "hours", "days", "weeks", "business_days"]))
def test_a_duration_as_text_parses_back(amount: int, unit: str) -> None:
    if amount * {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7, "business_days": 1.4}[unit] > 3650:
        return
    d = Duration(amount, unit)  # type: ignore[arg-type]
    assert schedule.parse_duration(str(d)) == d


def test_a_duration_as_text() -> None:
    assert str(Duration(5, "days")) == "5 days"
    assert str(Duration(3, "business_days")) == "3 business days"
    assert str(Duration(1, "business_days")) == "1 business day"
    assert str(Duration(90, "minutes")) == "90 minutes"


# ---------------------------------------------------------------- parse_business_hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri 09:00-17:00", BusinessHours((0, 1, 2, 3, 4), "09:00", "17:00")),
        ("mon,wed,fri 08:30-12:00", BusinessHours((0, 2, 4), "08:30", "12:00")),
        ("mon-sat 8:00-18:00", BusinessHours((0, 1, 2, 3, 4, 5), "08:00", "18:00")),
        ("fri, mon-tue 07:00-19:30", BusinessHours((0, 1, 4), "07:00", "19:30")),
        ("SUN 00:00-24:00", BusinessHours((6,), "00:00", "24:00")),
    ],
)
def test_parse_business_hours_accepts(text: str, expected: BusinessHours) -> None:
    assert schedule.parse_business_hours(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weekdays 9-5", "'weekdays 9-5' is not a send window; write days and hours, like 'mon-fri 09:00-17:00'"),
        ("mon-fri", "'mon-fri' is not a send window; write days and hours, like 'mon-fri 09:00-17:00'"),
        ("mon-fry 09:00-17:00", "'mon-fry 09:00-17:00': 'fry' is not a day; use mon, tue, wed, thu, fri, sat, sun"),
        ("fri-mon 09:00-17:00", "'fri-mon 09:00-17:00': fri-mon runs backwards; write the earlier day first, like 'mon-fri'"),
        ("mon-fri 17:00-09:00", "'mon-fri 17:00-09:00': the window must end after it starts, on the same day"),
        ("mon-fri 09:00-09:00", "'mon-fri 09:00-09:00': the window must end after it starts, on the same day"),
        ("mon-fri 09:00-25:00", "'mon-fri 09:00-25:00': 25:00 is not a time of day; write 24-hour times like 09:00 or 17:30"),
        ("mon-fri 09:75-17:00", "'mon-fri 09:75-17:00': 09:75 is not a time of day; write 24-hour times like 09:00 or 17:30"),
    ],
)
def test_parse_business_hours_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        schedule.parse_business_hours(text)
    assert str(info.value) == message


# ---------------------------------------------------------------- holidays and zones


def test_holiday_sets_expand_to_sorted_dates_for_every_year() -> None:
    assert list(schedule.HOLIDAY_YEARS) == list(range(2025, 2036))
    for name in schedule.HOLIDAY_SETS:
        dates = schedule.holiday_dates(name)
        assert list(dates) == sorted(set(dates)), name
        assert {d[:4] for d in dates} == {str(y) for y in schedule.HOLIDAY_YEARS}, name
        assert all(date.fromisoformat(d) for d in dates)


def test_known_holidays() -> None:
    us = schedule.holiday_dates("us")
    assert {"2026-01-01", "2026-07-03", "2026-11-26", "2026-12-25", "2035-12-25"} <= set(us)
    assert "2026-04-06" in schedule.holiday_dates("uk")  # Easter Monday (England)
    assert "2026-10-03" in schedule.holiday_dates("de")  # German Unity Day
    assert "2026-07-01" in schedule.holiday_dates("ca")  # Canada Day


def test_unknown_holiday_set_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        schedule.holiday_dates("atlantis")


@pytest.mark.parametrize("name", [NY, CHI, BER, KOL, "UTC", "Australia/Lord_Howe"])
def test_valid_timezones(name: str) -> None:
    assert schedule.is_valid_timezone(name)


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "Chicago", "../../etc/passwd", "/etc/localtime", "lead", None, 5])
def test_invalid_timezones(name: object) -> None:
    assert not schedule.is_valid_timezone(name)  # type: ignore[arg-type]


def test_resolve_timezone() -> None:
    assert schedule.resolve_timezone(US, CHI) == CHI
    assert schedule.resolve_timezone(US, None) == NY
    assert schedule.resolve_timezone(US, "") == NY
    assert schedule.resolve_timezone(US, "Not/AZone") == NY
    fixed = Schedule(BER, NY, OFFICE)
    assert schedule.resolve_timezone(fixed, CHI) == BER


# ---------------------------------------------------------------- add_duration


def test_minutes_and_hours_are_absolute() -> None:
    t = local(CHI, 2026, 3, 7, 23, 30)
    assert schedule.add_duration(US, CHI, t, Duration(90, "minutes")) == t + timedelta(minutes=90)
    assert schedule.add_duration(US, CHI, t, Duration(4, "hours")) == t + timedelta(hours=4)
    # Across the spring-forward night, 4 real hours read 04:30 on the wall clock, not 03:30.
    assert wall(schedule.add_duration(US, CHI, t, Duration(4, "hours")), CHI) == "Sun 2026-03-08 04:30 CDT"


def test_results_are_utc_and_zero_is_identity() -> None:
    t = datetime(2026, 11, 1, 1, 30, tzinfo=zoneinfo.ZoneInfo(CHI), fold=1)  # second 01:30 of the night
    for unit in ("minutes", "days", "business_days"):
        result = schedule.add_duration(US, CHI, t, Duration(0, unit))  # type: ignore[arg-type]
        # (Python never equates an ambiguous local time with another zone's, so compare in UTC.)
        assert result == datetime(2026, 11, 1, 7, 30, tzinfo=UTC) and result.tzinfo is UTC
    assert schedule.add_duration(US, CHI, t, Duration(5, "minutes")).tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        schedule.add_duration(US, CHI, datetime(2026, 3, 2, 9), Duration(1, "days"))
    with pytest.raises(ValueError, match="has no time zone"):
        schedule.next_window_start(US, CHI, datetime(2026, 3, 2, 9))


@pytest.mark.parametrize(
    ("tz", "start", "expected"),
    [
        (CHI, (2026, 3, 7, 9, 0), "Sun 2026-03-08 09:00 CDT"),  # US spring forward
        (NY, (2026, 3, 7, 9, 0), "Sun 2026-03-08 09:00 EDT"),
        (CHI, (2026, 10, 31, 9, 0), "Sun 2026-11-01 09:00 CST"),  # US fall back
        (BER, (2026, 3, 28, 9, 0), "Sun 2026-03-29 09:00 CEST"),  # EU spring forward
        (BER, (2026, 10, 24, 9, 0), "Sun 2026-10-25 09:00 CET"),  # EU fall back
        (KOL, (2026, 3, 7, 9, 0), "Sun 2026-03-08 09:00 IST"),  # no DST at all
    ],
)
def test_one_day_later_keeps_the_local_time_across_dst(tz: str, start: tuple[int, ...], expected: str) -> None:
    result = schedule.add_duration(US, tz, local(tz, *start), Duration(1, "days"))
    assert wall(result, tz) == expected


def test_days_across_dst_are_not_24_hours() -> None:
    start = local(CHI, 2026, 3, 7, 9, 0)
    assert schedule.add_duration(US, CHI, start, Duration(1, "days")) - start == timedelta(hours=23)
    start = local(CHI, 2026, 10, 31, 9, 0)
    assert schedule.add_duration(US, CHI, start, Duration(1, "days")) - start == timedelta(hours=25)


def test_weeks_keep_the_local_time() -> None:
    start = local(BER, 2026, 3, 23, 10, 15)
    assert wall(schedule.add_duration(US, BER, start, Duration(2, "weeks")), BER) == "Mon 2026-04-06 10:15 CEST"


def test_a_day_landing_in_the_spring_forward_gap_moves_forward_out_of_it() -> None:
    start = local(CHI, 2026, 3, 7, 2, 30)
    result = schedule.add_duration(US, CHI, start, Duration(1, "days"))
    assert result == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)  # the instant the clocks jump: 03:00 CDT
    assert result > start


def test_a_day_landing_in_the_repeated_hour_takes_its_first_occurrence() -> None:
    start = local(CHI, 2026, 10, 31, 1, 30)
    result = schedule.add_duration(US, CHI, start, Duration(1, "days"))
    assert wall(result, CHI) == "Sun 2026-11-01 01:30 CDT"


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ((2026, 3, 2, 10, 0), 1, "Tue 2026-03-03 10:00 CST"),
        ((2026, 3, 6, 10, 0), 1, "Mon 2026-03-09 10:00 CDT"),  # Friday -> Monday, across DST too
        ((2026, 3, 6, 10, 0), 3, "Wed 2026-03-11 10:00 CDT"),
        ((2026, 3, 7, 10, 0), 1, "Mon 2026-03-09 10:00 CDT"),  # from a Saturday
        ((2026, 11, 25, 10, 0), 1, "Fri 2026-11-27 10:00 CST"),  # Thanksgiving skipped
        ((2026, 12, 23, 10, 0), 3, "Tue 2026-12-29 10:00 CST"),  # Christmas and the weekend skipped
        ((2026, 7, 2, 16, 0), 1, "Mon 2026-07-06 16:00 CDT"),  # Jul 3 observed holiday, then weekend
    ],
)
def test_business_days_skip_weekends_and_holidays(start: tuple[int, ...], days: int, expected: str) -> None:
    result = schedule.add_duration(US, CHI, local(CHI, *start), Duration(days, "business_days"))
    assert wall(result, CHI) == expected


def test_business_days_follow_the_business_hours_days() -> None:
    mon_wed_fri = Schedule("UTC", "UTC", BusinessHours((0, 2, 4), "09:00", "17:00"))
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Monday
    assert schedule.add_duration(mon_wed_fri, "UTC", start, Duration(2, "business_days")) == start + timedelta(days=4)
    # No business hours: monday to friday.
    assert schedule.add_duration(ANY_TIME, "UTC", start, Duration(5, "business_days")) == start + timedelta(days=7)


def test_business_days_give_up_on_a_calendar_without_any() -> None:
    everything = tuple((date(2026, 1, 1) + timedelta(days=i)).isoformat() for i in range(3000))
    closed = Schedule("UTC", "UTC", OFFICE, everything)
    with pytest.raises(ValueError, match="no business day found within two years"):
        schedule.add_duration(closed, "UTC", datetime(2026, 3, 2, tzinfo=UTC), Duration(1, "business_days"))


def test_business_days_between() -> None:
    start = local(CHI, 2026, 12, 23, 10, 0)
    end = schedule.add_duration(US, CHI, start, Duration(3, "business_days"))
    assert schedule.business_days_between(US, CHI, start, end) == 3
    assert schedule.business_days_between(US, CHI, end, start) == 0
    assert schedule.business_days_between(US, CHI, start, start) == 0


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2034, 12, 1), timezones=st.just(UTC)),
    st.integers(0, 60),
    st.sampled_from([NY, CHI, BER, KOL]),
)
def test_business_days_between_inverts_add_duration(start: datetime, n: int, tz: str) -> None:
    end = schedule.add_duration(US, tz, start, Duration(n, "business_days"))
    assert end >= start
    assert schedule.business_days_between(US, tz, start, end) == n


# ---------------------------------------------------------------- send window


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ((2026, 3, 3, 10, 0), "Tue 2026-03-03 10:00 CST"),  # inside: unchanged
        ((2026, 3, 3, 9, 0), "Tue 2026-03-03 09:00 CST"),  # opening is inside
        ((2026, 3, 3, 7, 45), "Tue 2026-03-03 09:00 CST"),  # before hours
        ((2026, 3, 3, 17, 0), "Wed 2026-03-04 09:00 CST"),  # closing is outside
        ((2026, 3, 3, 22, 0), "Wed 2026-03-04 09:00 CST"),  # after hours
        ((2026, 3, 6, 18, 0), "Mon 2026-03-09 09:00 CDT"),  # Friday evening -> Monday, across DST
        ((2026, 3, 7, 12, 0), "Mon 2026-03-09 09:00 CDT"),  # Saturday
        ((2026, 11, 26, 10, 0), "Fri 2026-11-27 09:00 CST"),  # Thanksgiving
        ((2026, 12, 24, 17, 30), "Mon 2026-12-28 09:00 CST"),  # Christmas, then the weekend
    ],
)
def test_next_window_start_in_chicago(at: tuple[int, ...], expected: str) -> None:
    assert wall(schedule.next_window_start(US, CHI, local(CHI, *at)), CHI) == expected


def test_the_same_instant_opens_differently_per_lead_zone() -> None:
    at = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # Tue 08:00 Chicago, 15:00 Berlin, 19:30 Kolkata
    assert wall(schedule.next_window_start(US, CHI, at), CHI) == "Tue 2026-03-03 09:00 CST"
    assert schedule.next_window_start(US, BER, at) == at
    assert wall(schedule.next_window_start(US, KOL, at), KOL) == "Wed 2026-03-04 09:00 IST"
    assert schedule.next_window_start(US, KOL, at) == datetime(2026, 3, 4, 3, 30, tzinfo=UTC)


def test_window_start_on_dst_days() -> None:
    # The Monday after US spring forward opens at 09:00 CDT = 14:00 UTC, not 15:00.
    assert schedule.next_window_start(US, CHI, datetime(2026, 3, 9, 3, 0, tzinfo=UTC)) == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    # The Monday after US fall back opens at 09:00 CST = 15:00 UTC.
    assert schedule.next_window_start(US, CHI, datetime(2026, 11, 2, 3, 0, tzinfo=UTC)) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    # EU: Monday 30 March 2026 09:00 CEST = 07:00 UTC.
    assert schedule.next_window_start(US, BER, datetime(2026, 3, 29, 12, 0, tzinfo=UTC)) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    # Seven days a week: the window on the DST Sunday itself.
    daily = Schedule("lead", NY, BusinessHours(tuple(range(7)), "09:00", "17:00"))
    assert schedule.next_window_start(daily, CHI, datetime(2026, 3, 8, 6, 0, tzinfo=UTC)) == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    assert schedule.next_window_start(daily, BER, datetime(2026, 3, 29, 0, 0, tzinfo=UTC)) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_window_opening_inside_a_gap_opens_when_the_clocks_jump() -> None:
    night = Schedule("UTC", "UTC", BusinessHours(tuple(range(7)), "02:30", "05:00"))
    result = schedule.next_window_start(night, CHI, local(CHI, 2026, 3, 8, 0, 0))
    assert wall(result, CHI) == "Sun 2026-03-08 03:00 CDT"
    assert schedule.in_window(night, CHI, result)


def test_window_opening_in_the_repeated_hour() -> None:
    night = Schedule("UTC", "UTC", BusinessHours(tuple(range(7)), "01:30", "05:00"))
    first = local(CHI, 2026, 11, 1, 1, 30)
    # 01:10 the second time round (after the first 01:30): opens at the second 01:30.
    at = local(CHI, 2026, 11, 1, 1, 10, fold=1)
    assert at > first
    assert schedule.next_window_start(night, CHI, at) == local(CHI, 2026, 11, 1, 1, 30, fold=1)


def test_in_window() -> None:
    assert schedule.in_window(US, CHI, local(CHI, 2026, 3, 3, 9, 0))
    assert schedule.in_window(US, CHI, local(CHI, 2026, 3, 3, 16, 59))
    assert not schedule.in_window(US, CHI, local(CHI, 2026, 3, 3, 17, 0))
    assert not schedule.in_window(US, CHI, local(CHI, 2026, 3, 3, 8, 59))
    assert not schedule.in_window(US, CHI, local(CHI, 2026, 3, 7, 12, 0))  # Saturday
    assert not schedule.in_window(US, CHI, local(CHI, 2026, 12, 25, 12, 0))  # holiday
    assert schedule.in_window(ANY_TIME, "UTC", datetime(2026, 3, 7, 3, 0, tzinfo=UTC))


def test_without_business_hours_only_holidays_move_a_touch() -> None:
    sched = Schedule("lead", NY, None, ("2026-12-25", "2026-12-26"))
    at = local(CHI, 2026, 12, 24, 23, 0)
    assert schedule.next_window_start(sched, CHI, at) == at
    assert wall(schedule.next_window_start(sched, CHI, local(CHI, 2026, 12, 25, 10, 0)), CHI) == "Sun 2026-12-27 00:00 CST"


def test_midnight_in_a_gap_is_the_first_instant_of_the_day() -> None:
    # Chile springs forward at 00:00 local (to 01:00) on 6 September 2026.
    sched = Schedule("lead", NY, None, ("2026-09-05",))
    result = schedule.next_window_start(sched, "America/Santiago", datetime(2026, 9, 5, 16, 0, tzinfo=UTC))
    assert wall(result, "America/Santiago") == "Sun 2026-09-06 01:00 -03"


def test_next_window_start_gives_up_on_a_calendar_without_windows() -> None:
    everything = tuple((date(2026, 1, 1) + timedelta(days=i)).isoformat() for i in range(3000))
    with pytest.raises(ValueError, match="no send window opens within two years"):
        schedule.next_window_start(Schedule("UTC", "UTC", OFFICE, everything), "UTC", datetime(2026, 3, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="no send window opens within two years"):
        schedule.next_window_start(Schedule("UTC", "UTC", None, everything), "UTC", datetime(2026, 3, 2, tzinfo=UTC))


WINDOWS = st.sampled_from(
    [
        None,
        OFFICE,
        BusinessHours((0, 2, 4), "08:30", "12:00"),
        BusinessHours((0, 1, 2, 3, 4, 5), "08:00", "18:00"),
        BusinessHours(tuple(range(7)), "01:30", "02:45"),  # lands in DST gaps and repeated hours
        BusinessHours((5, 6), "00:00", "24:00"),
    ]
)
ZONES = st.sampled_from([NY, CHI, BER, KOL, "UTC", "Australia/Lord_Howe", "America/Santiago"])
HOLIDAYS = st.lists(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)), max_size=40).map(
    lambda ds: tuple(sorted({d.isoformat() for d in ds}))
)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)),
    WINDOWS,
    ZONES,
    HOLIDAYS,
)
def test_next_window_start_is_the_earliest_instant_in_the_window(
    at: datetime, hours: BusinessHours | None, tz: str, holidays: tuple[str, ...]
) -> None:
    sched = Schedule("lead", "UTC", hours, holidays)
    result = schedule.next_window_start(sched, tz, at)
    assert result >= at
    assert result.tzinfo is UTC
    assert schedule.in_window(sched, tz, result)
    assert schedule.next_window_start(sched, tz, result) == result
    if result > at:
        assert not schedule.in_window(sched, tz, result - timedelta(microseconds=1))
        step = (result - at) / 50
        assert not any(schedule.in_window(sched, tz, at + step * i) for i in range(50))


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2035, 6, 1), timezones=st.just(UTC)),
    st.integers(1, 400),
    st.sampled_from(["days", "weeks"]),
    ZONES,
)
def test_calendar_days_keep_the_wall_clock_unless_it_does_not_exist(at: datetime, n: int, unit: str, tz: str) -> None:
    result = schedule.add_duration(ANY_TIME, tz, at, Duration(n, unit))  # type: ignore[arg-type]
    zone = zoneinfo.ZoneInfo(tz)
    before, after = at.astimezone(zone), result.astimezone(zone)
    days = n * (7 if unit == "weeks" else 1)
    assert result > at
    if after.time() != before.time():  # only a nonexistent time may move, and only forward out of the gap
        target = datetime.combine(before.date() + timedelta(days=days), before.time())
        assert after.replace(tzinfo=None) > target
        assert after.replace(tzinfo=None) - target <= timedelta(hours=1)
    else:
        assert after.date() == before.date() + timedelta(days=days)


# ---------------------------------------------------------------- spreading an opening


def test_a_lead_is_touched_at_its_own_second_of_the_windows_first_hour() -> None:
    opening = local(CHI, 2026, 3, 2, 9, 0)
    spread = schedule.spread_opening(US, CHI, opening, "lead-L-1")
    assert wall(spread, CHI) == "Mon 2026-03-02 09:35 CST"
    assert spread - opening == timedelta(minutes=35, seconds=59)
    # The same second for every opening this lead waits for, also after the clocks change.
    later = schedule.spread_opening(US, CHI, local(CHI, 2026, 3, 16, 9, 0), "lead-L-1")
    assert later.astimezone(zoneinfo.ZoneInfo(CHI)).time() == time(9, 35, 59)


def test_thousands_of_leads_waiting_for_one_opening_do_not_wake_together() -> None:
    opening = local(CHI, 2026, 3, 2, 9, 0)
    woken = [schedule.spread_opening(US, CHI, opening, f"lead-L-{i}") for i in range(6000)]
    assert min(woken) >= opening and max(woken) < opening + schedule.WINDOW_SPREAD
    per_minute = [sum(1 for t in woken if (t - opening) // timedelta(minutes=1) == m) for m in range(60)]
    assert min(per_minute) > 60 and max(per_minute) < 140  # about 100 a minute, not 6,000 in one second
    assert len(set(woken)) > 2500


def test_a_short_window_spreads_over_its_first_half_only() -> None:
    short = Schedule("lead", NY, BusinessHours((0, 1, 2, 3, 4), "09:00", "09:40"), ())
    opening = local(NY, 2026, 3, 2, 9, 0)
    woken = {schedule.spread_opening(short, NY, opening, f"lead-{i}") - opening for i in range(2000)}
    assert max(woken) < timedelta(minutes=20) and len(woken) > 800


def test_a_spread_that_would_leave_the_window_stays_at_the_opening() -> None:
    # 01:30-02:45 every day in New York: on 8 March 2026 the clocks jump from 02:00 to 03:00, so the window
    # opens at 03:00 (just after the gap), already past its close; an instant past 02:45 is not in the window.
    night = Schedule("lead", NY, BusinessHours(tuple(range(7)), "01:30", "02:45"), ())
    opening = local(NY, 2026, 3, 7, 1, 30)
    for i in range(200):
        spread = schedule.spread_opening(night, NY, opening, f"lead-{i}")
        assert schedule.in_window(night, NY, spread)
        assert opening <= spread < opening + timedelta(minutes=37, seconds=30)


def test_a_schedule_says_how_far_it_spreads() -> None:
    opening = local(NY, 2026, 3, 2, 9, 0)
    sharp = Schedule("lead", NY, OFFICE, (), spread=Duration(0, "minutes"))
    assert schedule.spread_width(sharp) == timedelta(0)
    assert {schedule.spread_opening(sharp, NY, opening, f"lead-{i}") for i in range(50)} == {opening}
    short = Schedule("lead", NY, OFFICE, (), spread=Duration(20, "minutes"))
    woken = {schedule.spread_opening(short, NY, opening, f"lead-{i}") - opening for i in range(500)}
    assert max(woken) < timedelta(minutes=20) and len(woken) > 300
    assert schedule.spread_width(Schedule("lead", NY, OFFICE, (), spread=Duration(6, "hours"))) == timedelta(hours=4)
    assert schedule.spread_width(US) == schedule.WINDOW_SPREAD == timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)),
    WINDOWS,
    ZONES,
    st.text(min_size=1, max_size=20),
)
def test_a_spread_opening_is_always_inside_the_window(at: datetime, hours: BusinessHours | None, tz: str,
                                                       key: str) -> None:
    sched = Schedule("lead", "UTC", hours, ())
    opening = schedule.next_window_start(sched, tz, at)
    spread = schedule.spread_opening(sched, tz, opening, key)
    assert opening <= spread < opening + schedule.WINDOW_SPREAD
    assert schedule.in_window(sched, tz, spread)
    assert spread == schedule.spread_opening(sched, tz, opening, key)


# ---------------------------------------------------------------- display and purity


def test_describe() -> None:
    assert schedule.describe(datetime(2026, 3, 3, 15, 0, tzinfo=UTC), CHI) == "Tue 3 Mar 09:00 America/Chicago"
    assert schedule.describe(datetime(2026, 3, 3, 15, 0, tzinfo=UTC), KOL) == "Tue 3 Mar 20:30 Asia/Kolkata"


def test_module_is_safe_for_the_workflow_sandbox() -> None:
    """Only the standard library (and ir) at import time; no clock, no randomness."""
    source = Path(schedule.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    top_level = {
        alias.name.split(".")[0]
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert top_level <= {"__future__", "functools", "math", "re", "zlib", "zoneinfo", "datetime", "cadence"}
    for banned in (".now(", "utcnow", "today(", "import random", "random.", "time.time(", "open("):
        assert banned not in source, banned


def test_local_helper_round_trips() -> None:
    assert local(CHI, 2026, 3, 3, 9, 0).astimezone(zoneinfo.ZoneInfo(CHI)).time() == time(9, 0)
