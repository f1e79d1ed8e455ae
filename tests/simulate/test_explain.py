"""Why a wait ends when it does, in the lead's zone: the send window, weekends, holidays, clock changes."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

from cadence import ir, schedule
from cadence.simulate.explain import clock_change, explain_wait, skipped_days, window_reasons

CHICAGO = ZoneInfo("America/Chicago")
US = ir.Schedule(timezone="lead", default_timezone="America/Chicago",
                 business_hours=ir.BusinessHours(days=(0, 1, 2, 3, 4), start="09:00", end="17:00"),
                 holidays=schedule.holiday_dates("us"), holiday_sets=("us",))
TZ = "America/Chicago"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)


def test_a_friday_evening_before_a_holiday_waits_for_tuesday():
    friday = local(2027, 1, 15, 16, 55)  # Martin Luther King Jr. Day follows
    opening = schedule.next_window_start(US, TZ, local(2027, 1, 15, 17, 0))
    assert opening == local(2027, 1, 19, 9, 0)
    assert window_reasons(US, TZ, local(2027, 1, 15, 17, 0), opening) == [
        "Fri 15 Jan 17:00 is after the window closes at 17:00",
        "Sat 16 Jan, Sun 17 Jan are not business days",
        "Mon 18 Jan is a holiday",
    ]
    assert explain_wait(US, TZ, friday.replace(hour=17, minute=0), opening, window=True) == (
        "Fri 15 Jan 17:00 is after the window closes at 17:00; Sat 16 Jan, Sun 17 Jan are not business days; "
        "Mon 18 Jan is a holiday")


def test_early_morning_and_a_holiday_itself():
    assert window_reasons(US, TZ, local(2027, 3, 1, 7, 30), local(2027, 3, 1, 9, 0)) == [
        "Mon 1 Mar 07:30 is before the window opens at 09:00"]
    assert window_reasons(US, TZ, local(2027, 5, 31, 11, 0), local(2027, 6, 1, 9, 0)) == ["Mon 31 May is a holiday"]


def test_a_lead_spread_into_the_window_is_told_its_turn():
    assert window_reasons(US, TZ, local(2027, 3, 1, 7, 30), local(2027, 3, 1, 9, 37, 12)) == [
        "Mon 1 Mar 07:30 is before the window opens at 09:00",
        "the lead's turn comes at 09:37 (leads waiting for one opening are spread over its first hour)"]
    short = dataclasses.replace(US, spread=ir.Duration(20, "minutes"))
    assert window_reasons(short, TZ, local(2027, 3, 1, 7, 30), local(2027, 3, 1, 9, 12, 5))[-1] == (
        "the lead's turn comes at 09:12 (leads waiting for one opening are spread over its first 20 minutes)")
    # A wait that ends later in the day (an out-of-office pause of a week from 13:00) is no one's turn.
    assert window_reasons(US, TZ, local(2027, 3, 1, 7, 30), local(2027, 3, 1, 13, 0)) == [
        "Mon 1 Mar 07:30 is before the window opens at 09:00"]


def test_business_days_say_what_they_stepped_over():
    start = local(2027, 5, 28, 10, 0)  # Friday before Memorial Day
    until = schedule.add_duration(US, TZ, start, ir.Duration(2, "business_days"))
    assert until == local(2027, 6, 2, 10, 0)
    assert skipped_days(US, TZ, start, until) == ["Sat 29 May, Sun 30 May are not business days", "Mon 31 May is a holiday"]
    assert explain_wait(US, TZ, start, until, business_days=True) == (
        "business days only: Sat 29 May, Sun 30 May are not business days; Mon 31 May is a holiday")
    assert explain_wait(US, TZ, start, until) == ""  # the same dates, a wait of calendar days


def test_clock_changes_keep_the_local_time():
    before, after = local(2027, 3, 11, 10, 0), local(2027, 3, 18, 10, 0)
    assert clock_change(TZ, before, after) == (
        "clocks change on the way (UTC-06:00 to UTC-05:00): the local time 10:00 is kept")
    assert clock_change(TZ, local(2027, 3, 1, 10, 0), local(2027, 3, 8, 10, 0)) == ""
    assert explain_wait(US, TZ, before, after) == (
        "clocks change on the way (UTC-06:00 to UTC-05:00): the local time 10:00 is kept")
    assert explain_wait(US, TZ, before, None) == ""
