"""Why a wait ends when it does: the send window, weekends, holidays, clock changes.

The engine's wait summaries say *until when* ("waiting for the send window:
call research-call at Mon 1 Mar 09:00 America/Chicago"); these functions say
*why*, from the cadence's schedule, in the lead's zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cadence import ir, schedule

def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def _clock(local: datetime) -> str:
    return f"{local:%H:%M}"


def _is_holiday(plan_schedule: ir.Schedule, d: date) -> bool:
    return d.isoformat() in plan_schedule.holidays


def _is_business_day(plan_schedule: ir.Schedule, d: date) -> bool:
    hours = plan_schedule.business_hours
    days = hours.days if hours else (0, 1, 2, 3, 4)
    return d.weekday() in days


def _day_reason(plan_schedule: ir.Schedule, d: date, *, window: bool) -> str:
    """Why no touch lands on day ``d`` (empty when one may)."""
    if _is_holiday(plan_schedule, d):
        return f"{_day(d)} is a holiday"
    if (window and plan_schedule.business_hours is not None and not _is_business_day(plan_schedule, d)) or (
            not window and not _is_business_day(plan_schedule, d)):
        return f"{_day(d)} is not a business day"
    return ""


def _grouped(reasons: list[str]) -> list[str]:
    """``Sat 6 Mar is not a business day``, ``Sun 7 Mar is not ...`` -> ``Sat 6 Mar, Sun 7 Mar are not business days``."""
    out: list[str] = []
    run: list[str] = []
    suffix = " is not a business day"
    for reason in [*reasons, ""]:
        if reason.endswith(suffix):
            run.append(reason[: -len(suffix)])
            continue
        if run:
            out.append(run[0] + suffix if len(run) == 1 else f"{', '.join(run)} are not business days")
            run = []
        if reason:
            out.append(reason)
    return out


def window_reasons(plan_schedule: ir.Schedule, tz: str, since: datetime, until: datetime) -> list[str]:
    """Why no touch could happen from ``since`` until ``until``, day by day: the window's opening, or the
    lead's own second of its first hour (:func:`cadence.schedule.spread_opening`)."""
    zone = ZoneInfo(tz)
    local, opening = since.astimezone(zone), until.astimezone(zone)
    reasons: list[str] = []
    first = _day_reason(plan_schedule, local.date(), window=True)
    hours = plan_schedule.business_hours
    if first:
        reasons.append(first)
    elif hours is not None and _clock(local) < hours.start:
        reasons.append(f"{_day(local.date())} {_clock(local)} is before the window opens at {hours.start}")
    elif hours is not None:
        reasons.append(f"{_day(local.date())} {_clock(local)} is after the window closes at {hours.end}")
    d = local.date() + timedelta(days=1)
    while d < opening.date():
        reason = _day_reason(plan_schedule, d, window=True)
        if reason:
            reasons.append(reason)
        d += timedelta(days=1)
    reasons = _grouped(reasons)
    opened = schedule.next_window_start(plan_schedule, tz, datetime.combine(opening.date(), time(0), tzinfo=zone))
    width = schedule.spread_width(plan_schedule)
    if opened < until < opened + width:
        over = "hour" if width == timedelta(hours=1) else f"{width.total_seconds() / 60:g} minutes"
        reasons.append(f"the lead's turn comes at {_clock(opening)} (leads waiting for one opening are spread "
                       f"over its first {over})")
    return reasons


def skipped_days(plan_schedule: ir.Schedule, tz: str, since: datetime, until: datetime) -> list[str]:
    """Days a business-day count stepped over between ``since`` and ``until`` (weekends, holidays)."""
    zone = ZoneInfo(tz)
    d, last = since.astimezone(zone).date() + timedelta(days=1), until.astimezone(zone).date()
    reasons = []
    while d < last:
        reason = _day_reason(plan_schedule, d, window=False)
        if reason:
            reasons.append(reason)
        d += timedelta(days=1)
    return _grouped(reasons)


def clock_change(tz: str, since: datetime, until: datetime) -> str:
    """``clocks change on the way ...`` when the zone's UTC offset differs at ``until`` (else empty)."""
    zone = ZoneInfo(tz)
    before, after = since.astimezone(zone), until.astimezone(zone)
    if before.utcoffset() == after.utcoffset():
        return ""
    return (f"clocks change on the way (UTC{_offset(before)} to UTC{_offset(after)}): "
            f"the local time {_clock(after)} is kept" if _clock(before) == _clock(after) else
            f"clocks change on the way (UTC{_offset(before)} to UTC{_offset(after)})")


def _offset(local: datetime) -> str:
    text = local.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def explain_wait(plan_schedule: ir.Schedule, tz: str, since: datetime, until: datetime | None,
                 *, window: bool = False, business_days: bool = False) -> str:
    """Why a wait that began at ``since`` ends at ``until``, or ``""`` when there is nothing to add.

    Args:
        plan_schedule: the cadence's schedule.
        tz: the lead's zone.
        since: when the wait began.
        until: when it ends (``None``: open-ended).
        window: it waits for the send window (:attr:`cadence.engine.Wait.window`).
        business_days: it counts business days (:attr:`cadence.engine.Wait.business_days`).
    """
    if until is None or until <= since:
        return ""
    if window:
        return "; ".join(window_reasons(plan_schedule, tz, since, until))
    parts: list[str] = []
    if business_days:
        skipped = skipped_days(plan_schedule, tz, since, until)
        if skipped:
            parts.append("business days only: " + "; ".join(skipped))
    change = clock_change(tz, since, until)
    if change:
        parts.append(change)
    return "; ".join(parts)


__all__ = ["clock_change", "explain_wait", "skipped_days", "window_reasons"]
