"""``email-too-soon``: an email that can follow the previous touch within two business days.

The gap is measured with the engine's own calendar (:mod:`cadence.schedule`):
the previous touch lands in the send window on each day of a week (at the
window's opening and just before its close), the waits on the way are added as
the engine adds them, the email moves to the next window, and the business
days between the two are counted; the fewest over that week is the gap.
Holidays are left out (they only ever add to a gap). Emails entered from an
event (a reply, a call-back request) are answers to the lead, not nurture,
and are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from cadence import ir
from cadence.dsl.lint.model import Finding, LintContext
from cadence.dsl.lint.moves import Move, StepGraph
from cadence.dsl.lint.rules import MIN_EMAIL_GAP

_MONDAY = date(2024, 1, 1)
_DEPTH = 40
"""Waits followed back from an email before giving up (cycles of zero waits end far sooner)."""


@dataclass(frozen=True)
class Gap:
    """The fewest business days from a touch to the email after it, and a week day on which that happens."""

    days: int
    touch_at: datetime
    email_at: datetime


def email_too_soon(ctx: LintContext) -> Iterator[Finding]:
    """Emails the previous touch can precede by fewer than two business days."""
    graph = ctx.graph
    hours = ctx.doc.data["schedule"].get("business_hours")
    from cadence.schedule import parse_business_hours

    window = parse_business_hours(hours) if hours else None
    for i in sorted(graph.reachable()):
        if graph.kinds[i] != "email":
            continue
        worst: tuple[Gap, Move, tuple[ir.Duration, ...]] | None = None
        for move, waits in _previous_touches(graph, i, window):
            gap = fewest_business_days(window, waits)
            if gap.days < MIN_EMAIL_GAP and (worst is None or gap.days < worst[0].days):
                worst = (gap, move, waits)
        if worst is None:
            continue
        gap, move, waits = worst
        assert move.source is not None
        waited = ", then ".join(str(w) for w in waits) or "no wait"
        when = (f"a touch on {gap.touch_at:%A}, this email on the same day" if gap.touch_at.date() == gap.email_at.date()
                else f"a touch on {gap.touch_at:%A}, this email on the {gap.email_at:%A} after")
        noun = "day" if gap.days == 1 else "days"
        where = ("steps", i, "email")
        yield Finding(
            "email-too-soon", where,
            f"steps[{i}].email: email '{graph.ids[i]}' can go out {gap.days} business {noun} after the previous touch, "
            f"{graph.name(move.source)} ({waited}: {when}); leave at least {MIN_EMAIL_GAP} business days before an email",
            f"make the waits from {graph.name(move.source)} to this email add up to {MIN_EMAIL_GAP} business days or "
            f"more, like wait: {MIN_EMAIL_GAP} business days", key=True)


def _previous_touches(graph: StepGraph, email: int, window: ir.BusinessHours | None
                      ) -> Iterator[tuple[Move, tuple[ir.Duration, ...]]]:
    """Each touch that can come right before step ``email``, with the waits between them (not those far enough)."""
    seen: set[tuple[int, tuple[ir.Duration, ...]]] = set()
    todo: list[tuple[int, tuple[ir.Duration, ...]]] = [(email, ())]
    while todo:
        node, later = todo.pop()
        for move in graph.entering(node):
            if move.source is None:
                continue  # an event: the email answers the lead
            waits = move.delay + later
            if move.touch and not move.missed:
                yield move, waits
                continue
            if (move.source, waits) in seen or len(waits) > _DEPTH:
                continue
            seen.add((move.source, waits))
            if fewest_business_days(window, waits).days < MIN_EMAIL_GAP:
                todo.append((move.source, waits))  # an earlier touch may still be too close


@lru_cache(maxsize=1024)
def fewest_business_days(window: ir.BusinessHours | None, waits: tuple[ir.Duration, ...]) -> Gap:
    """The fewest business days from a touch to an email ``waits`` later, over every day of a week."""
    from cadence import schedule as calendar

    sched = ir.Schedule(timezone="UTC", default_timezone="UTC", business_hours=window)
    if window is None:
        clocks = [time(0, 0), time(12, 0), time(23, 59)]
    else:
        close = datetime.combine(_MONDAY, time(0, 0)) + _clock(window.end) - timedelta(minutes=1)
        clocks = [_time(window.start), close.time()]
    best: Gap | None = None
    for day in range(7):
        for clock in clocks:
            touch = calendar.next_window_start(sched, "UTC", datetime.combine(_MONDAY + timedelta(days=day), clock,
                                                                              tzinfo=UTC))
            at = touch
            for wait in waits:
                at = calendar.add_duration(sched, "UTC", at, wait)
            email = calendar.next_window_start(sched, "UTC", at)
            gap = Gap(calendar.business_days_between(sched, "UTC", touch, email), touch, email)
            if best is None or gap.days < best.days:
                best = gap
    assert best is not None
    return best


def _clock(text: str) -> timedelta:
    hours, minutes = (int(p) for p in text.split(":"))
    return timedelta(hours=hours, minutes=minutes)


def _time(text: str) -> time:
    hours, minutes = (int(p) for p in text.split(":"))
    return time(hours % 24, minutes)


__all__ = ["Gap", "email_too_soon", "fewest_business_days"]
