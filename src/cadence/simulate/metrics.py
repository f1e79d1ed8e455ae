"""The figures of a simulation: pure computation over a :class:`~cadence.simulate.records.SimulationRun`.

Counting rules:

- *touches* are what the engine counts as touches: emails sent, letters written,
  voicemails dropped, and every outcome a rep logged on a call or voicemail task
  (a bounced, skipped or failed touch is not one; a missed task is not one).
- *days* and *weeks* (Monday to Sunday) are those of the run's zone.
- *outcomes* at the horizon: ``handoff`` (sales accepted it, or the cadence has no
  acceptance), ``disqualified: REASON``, ``waiting for sales at the horizon``,
  ``in nurture at the horizon`` (on the cadence or a long-term track).
- *touches* and *days to handoff*: over the leads whose outcome is a handoff, the
  touches counted and the days since the lead entered, when the dossier last went
  to sales. Median and 90th percentile (nearest rank: the smallest value with at
  least 90% of the values at or below it).
- *given up early*: leads disqualified ``no_response`` with fewer than seven
  touches, as a share of all leads simulated.
- *rep load*: per assignee and day (the reps' zone), the tasks they had to work
  (new and carried over), logged, and missed; the peak is the day with the most
  to work (the earliest of equal days).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from cadence.simulate.records import SimulationRun
from cadence.vocabulary import DISQUALIFIED, HANDOFF, TOUCH_KINDS
from cadence.simulate.reps import RepDay

CHANNELS: tuple[str, ...] = TOUCH_KINDS
"""Touch channels, in the order figures show them."""
EARLY_TOUCHES = 7
"""Leads handed to sales were typically contacted at least seven times."""
WAITING_FOR_SALES = "waiting for sales at the horizon"
IN_NURTURE = "in nurture at the horizon"
DEFAULT_SENDER = "(default sender)"
"""How an email step without ``from:`` is shown: the worker's configured sender sends it."""


@dataclass(frozen=True)
class Spread:
    """The median and the 90th percentile of some values."""

    count: int
    """How many values."""
    median: float | None
    """The median (``None`` without values)."""
    p90: float | None
    """The 90th percentile, nearest rank (``None`` without values)."""


def spread(values: Iterable[float]) -> Spread:
    """:class:`Spread` of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return Spread(0, None, None)
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return Spread(len(ordered), float(statistics.median(ordered)), float(p90))


@dataclass(frozen=True)
class ChannelCounts:
    """Touches on one day (or in the week starting that Monday), per channel."""

    day: date
    """The day, or the Monday that starts the week."""
    email: int = 0
    call: int = 0
    voicemail: int = 0
    letter: int = 0

    @property
    def total(self) -> int:
        """Touches on every channel."""
        return self.email + self.call + self.voicemail + self.letter


@dataclass(frozen=True)
class RepSummary:
    """One assignee's call and voicemail tasks against capacity."""

    assignee: str
    """The rep or queue."""
    capacity: int
    """Tasks per day."""
    done: int
    """Tasks logged over the run."""
    missed: int
    """Tasks missed over the run."""
    peak_day: date | None
    """The day with the most tasks to work (``None``: never had one)."""
    peak: int
    """Tasks to work on :attr:`peak_day`."""
    days_over_capacity: int
    """Days with more tasks to work than capacity."""
    days: tuple[RepDay, ...]
    """Every day with a task to work or missed."""


@dataclass(frozen=True)
class SenderSummary:
    """Emails of one sender."""

    sender: str
    """The step's ``from:`` (:data:`DEFAULT_SENDER` when it has none)."""
    total: int
    """Emails sent over the run."""
    peak_day: date
    """The day with the most emails (the earliest of equal days)."""
    peak: int
    """Emails sent on :attr:`peak_day`."""
    days: tuple[tuple[date, int], ...]
    """Emails per day, days without any left out."""


@dataclass(frozen=True)
class Summary:
    """Every figure of one simulation."""

    cadence: str
    """The cadence's name."""
    version: str
    """The first 12 hex digits of its version."""
    zone: str
    """Zone of the days and weeks."""
    start: datetime
    """The clock's start."""
    end: datetime
    """The horizon."""
    seed: int
    """The random seed."""
    leads: int
    """Leads simulated."""
    outcomes: tuple[tuple[str, int], ...]
    """Leads per outcome at the horizon (see the module's counting rules), in display order."""
    handoffs: int
    """Leads whose outcome is a handoff."""
    touches_to_handoff: Spread
    """Touches before the handoff."""
    days_to_handoff: Spread
    """Days from entering the cadence to the handoff."""
    given_up_early: int
    """Leads disqualified ``no_response`` with fewer than :data:`EARLY_TOUCHES` touches."""
    given_up_early_share: float | None
    """:attr:`given_up_early` over :attr:`leads` (``None`` without leads)."""
    touches: ChannelCounts
    """Touches over the whole run (its ``day`` is the first day)."""
    per_day: tuple[ChannelCounts, ...]
    """Touches per day, every day of the run."""
    per_week: tuple[ChannelCounts, ...]
    """Touches per week (Monday to Sunday), every week of the run."""
    reps: tuple[RepSummary, ...]
    """Every assignee's load, by name."""
    senders: tuple[SenderSummary, ...]
    """Emails per sender, by name."""


def summarize(run: SimulationRun) -> Summary:
    """The figures of ``run`` (see the module's counting rules)."""
    zone = ZoneInfo(run.zone)
    first = run.start.astimezone(zone).date()
    last = (run.end - timedelta(microseconds=1)).astimezone(zone).date() if run.end > run.start else first
    days: dict[date, Counter[str]] = defaultdict(Counter)
    senders: dict[str, Counter[date]] = defaultdict(Counter)
    outcomes: Counter[str] = Counter()
    to_handoff_touches: list[float] = []
    to_handoff_days: list[float] = []
    early = 0
    for lead in run.leads:
        for touch in lead.touches:
            day = touch.at.astimezone(zone).date()
            days[day][touch.channel] += 1
            if touch.channel == "email":
                senders[touch.sender or DEFAULT_SENDER][day] += 1
        if lead.outcome == HANDOFF:
            outcomes[HANDOFF] += 1
            if lead.handed_off_at is not None:
                to_handoff_days.append((lead.handed_off_at - lead.started_at).total_seconds() / 86400)
            if lead.touches_at_handoff is not None:
                to_handoff_touches.append(lead.touches_at_handoff)
        elif lead.outcome == DISQUALIFIED:
            outcomes[f"disqualified: {lead.reason}"] += 1
            if lead.reason == "no_response" and lead.touch_count < EARLY_TOUCHES:
                early += 1
        elif lead.waiting_for_sales:
            outcomes[WAITING_FOR_SALES] += 1
        else:
            outcomes[IN_NURTURE] += 1
    per_day = tuple(_counts(d, days.get(d, Counter())) for d in _dates(first, last))
    weeks: dict[date, Counter[str]] = defaultdict(Counter)
    for counts in per_day:
        monday = counts.day - timedelta(days=counts.day.weekday())
        weeks[monday].update({c: getattr(counts, c) for c in CHANNELS})
    monday = first - timedelta(days=first.weekday())
    per_week = tuple(_counts(m, weeks[m]) for m in _dates(monday, last, step=7))
    total: Counter[str] = Counter()
    for counts in per_day:
        total.update({c: getattr(counts, c) for c in CHANNELS})
    return Summary(
        cadence=run.cadence,
        version=run.version[:12],
        zone=run.zone,
        start=run.start,
        end=run.end,
        seed=run.seed,
        leads=len(run.leads),
        outcomes=_ordered(outcomes),
        handoffs=outcomes[HANDOFF],
        touches_to_handoff=spread(to_handoff_touches),
        days_to_handoff=spread(to_handoff_days),
        given_up_early=early,
        given_up_early_share=early / len(run.leads) if run.leads else None,
        touches=_counts(first, total),
        per_day=per_day,
        per_week=per_week,
        reps=tuple(_rep(load.assignee, load.capacity, load.days) for load in run.reps),
        senders=tuple(_sender(name, senders[name]) for name in sorted(senders)),
    )


def _dates(first: date, last: date, step: int = 1) -> list[date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d += timedelta(days=step)
    return out


def _counts(day: date, counter: Counter[str]) -> ChannelCounts:
    return ChannelCounts(day, *(counter.get(c, 0) for c in CHANNELS))


def _ordered(outcomes: Counter[str]) -> tuple[tuple[str, int], ...]:
    reasons = sorted((k for k in outcomes if k.startswith("disqualified: ")), key=lambda k: (-outcomes[k], k))
    keys = [HANDOFF, *reasons, *([WAITING_FOR_SALES] if outcomes[WAITING_FOR_SALES] else []), IN_NURTURE]
    return tuple((k, outcomes[k]) for k in keys)


def _rep(assignee: str, capacity: int, days: Sequence[RepDay]) -> RepSummary:
    peak = max(days, key=lambda d: (d.demand, -d.day.toordinal()), default=None)
    return RepSummary(
        assignee=assignee, capacity=capacity,
        done=sum(d.done for d in days), missed=sum(d.missed for d in days),
        peak_day=peak.day if peak is not None and peak.demand else None, peak=peak.demand if peak is not None else 0,
        days_over_capacity=sum(1 for d in days if d.demand > capacity), days=tuple(days),
    )


def _sender(name: str, per_day: Counter[date]) -> SenderSummary:
    days = tuple(sorted(per_day.items()))
    peak_day, peak = max(days, key=lambda item: (item[1], -item[0].toordinal()))
    return SenderSummary(name, sum(per_day.values()), peak_day, peak, days)


__all__ = [
    "CHANNELS",
    "ChannelCounts",
    "DEFAULT_SENDER",
    "EARLY_TOUCHES",
    "IN_NURTURE",
    "RepSummary",
    "SenderSummary",
    "Spread",
    "Summary",
    "WAITING_FOR_SALES",
    "spread",
    "summarize",
]
