"""The report's figures: pure computation over :class:`~cadence.report.records.LeadRecord`.

No I/O, no clock: the period and the costs are arguments (:func:`default_until`
is given its "now"), so a report over the same records is the same report. One
pass over the records per group (all leads, then marketing- and sales-generated),
linear in the number of leads.

Counting rules (the period is half-open, ``since <= t < until``):

- *enrolled*: enrollment in the period; *entered nurture*: first entry into
  ``nurture`` or a long-term track in the period (i.e. passed pre-qualification).
- *in development*: not ended at ``until``, counted by the stage it was in then.
- *handed off*: the dossier went to sales in the period (entry into ``handed_off``;
  with sales acceptance the lead then waits for an answer and is *awaiting acceptance*).
- *disqualified* (by reason), *lost* (ended without an outcome: terminated,
  failed, timed out): the end happened in the period.
  *Discontinued immediately*: disqualified by pre-qualification (never nurtured).
- *funnel*: the cohort enrolled in the period, and how far each got by ``until``;
  conversion is each level over the one before.
- *flow*: stage changes in the period, from -> to (where leads go, and leak).
- *time in stage*: stays that ended in the period; *age in stage*: how long the
  leads in development at ``until`` have been in their current stage.
- *velocity*: days from enrollment to the first handoff; *to qualify*: touches, and
  days from enrollment to ``sales_ready``, of the leads handed off in the period.
- *cost*: lifetime touches of the leads whose nurture ended in the period, priced
  per channel; per lead nurtured (those that passed pre-qualification) and per
  handoff. *Work in progress*: spend so far on the leads still in development.
- *revenue*: the ``deal_size`` of leads handed off in the period.
- *acceptance*: what sales did with the last handoff of each lead handed off in the
  period: the next stage is ``accepted``, a stage entered because sales rejected it
  (``rejected``), any other (``recycled``: not accepted in time), none yet
  (``pending``); a lead that ended on ``handed_off`` is ``untracked`` (its cadence
  has no acceptance). ``None`` ("not tracked yet") when no lead shows acceptance.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cadence.report.records import (
    ACCEPTANCE_STAGES,
    ACCEPTED,
    HANDED_OFF,
    SALES_READY,
    LeadRecord,
    is_nurture_stage,
    stage_order,
)

DEFAULT_COSTS: dict[str, float] = {"call": 30.0, "voicemail": 10.0, "letter": 2.5, "email": 0.05}
"""Cost of one touch per channel, in dollars (``--cost CHANNEL=AMOUNT`` overrides)."""

SOURCES = ("marketing", "sales")
"""Lead sources shown side by side (always present, even when empty)."""

FUNNEL_LEVELS: tuple[tuple[str, str], ...] = (
    ("enrolled", "Enrolled"),
    ("nurture", "Entered nurture"),
    (SALES_READY, "Sales ready"),
    (HANDED_OFF, "Handed off"),
    (ACCEPTED, "Accepted by sales"),
)
"""Funnel levels (key, label); ``accepted`` only when acceptance is tracked."""

_DAY = 86400.0


@dataclass(frozen=True)
class Period:
    """The reporting period, ``since <= t < until`` (aware datetimes)."""

    since: datetime
    until: datetime
    extended_from: datetime | None = None
    """The wall clock's now when the period was to end there but was extended past it, to
    just after the latest recorded event (see :func:`default_until`); ``None`` otherwise."""

    def __contains__(self, when: object) -> bool:
        return isinstance(when, datetime) and self.since <= when < self.until

    @property
    def days(self) -> float:
        """Length in days."""
        return (self.until - self.since).total_seconds() / _DAY


@dataclass(frozen=True)
class Stat:
    """Count, mean and median of a sample (``None`` when empty)."""

    n: int = 0
    mean: float | None = None
    median: float | None = None

    @classmethod
    def of(cls, values: list[float]) -> Stat:
        """The statistics of ``values``."""
        if not values:
            return cls()
        return cls(len(values), statistics.fmean(values), float(statistics.median(values)))


@dataclass(frozen=True)
class FunnelLevel:
    """How many of the cohort reached a level; ``rate`` is over the level before."""

    key: str
    label: str
    reached: int
    rate: float | None


@dataclass(frozen=True)
class Cost:
    """What the touches cost."""

    spend: float = 0.0
    """Lifetime touch cost of the leads that ended in the period."""
    by_channel: Mapping[str, float] = field(default_factory=dict)
    ended: int = 0
    nurtured: int = 0
    """Leads among ``ended`` that passed pre-qualification."""
    per_lead_nurtured: float | None = None
    per_handoff: float | None = None
    work_in_progress: float = 0.0
    """Spend so far on the leads still in development at the end of the period."""


@dataclass(frozen=True)
class Revenue:
    """Potential revenue handed to sales."""

    potential: float = 0.0
    average: float | None = None
    without_value: int = 0
    """Handoffs with no ``deal_size``."""


@dataclass(frozen=True)
class Acceptance:
    """What sales did with the leads handed off in the period."""

    accepted: int = 0
    rejected: int = 0
    """Sent back to nurture by sales, with a reason."""
    recycled: int = 0
    """Not accepted by the deadline: back to nurture."""
    pending: int = 0
    """Still waiting for sales at the end of the period."""
    untracked: int = 0
    """Handed off by cadences without acceptance."""
    rate: float | None = None
    """accepted / handoffs whose acceptance is tracked."""
    revenue: float = 0.0
    """``deal_size`` of the accepted leads."""
    days_to_accept: float | None = None
    """Average days from the (last) handoff to sales accepting it."""


@dataclass(frozen=True)
class Figures:
    """Every figure of the report for one group of leads."""

    leads: int
    """Leads worked during the period (enrolled before its end, not ended before its start)."""
    enrolled: int
    entered_nurture: int
    in_development: int
    """Not ended and not waiting for sales at the end of the period."""
    in_development_by_stage: Mapping[str, int]
    awaiting_acceptance: int
    """Handed off, sales has not answered yet (end of the period)."""
    handed_off: int
    """Leads whose dossier went to sales in the period."""
    disqualified: int
    disqualified_by_reason: Mapping[str, int]
    discontinued_immediately: Mapping[str, int]
    """Disqualified by pre-qualification, by reason."""
    lost: Mapping[str, int]
    """Ended without an outcome, by execution status (should stay empty)."""
    funnel: tuple[FunnelLevel, ...]
    flow: Mapping[str, Mapping[str, int]]
    """from stage -> to stage -> moves in the period."""
    time_in_stage: Mapping[str, Stat]
    """Days, stays that ended in the period."""
    age_in_stage: Mapping[str, Stat]
    """Days, current stays of the leads in development at the end of the period."""
    velocity: Stat
    """Days from enrollment to handoff."""
    touches_to_qualify: Stat
    days_to_qualify: Stat
    cost: Cost
    revenue: Revenue
    acceptance: Acceptance | None
    """``None``: acceptance is not tracked yet."""


@dataclass(frozen=True)
class Report:
    """The figures for all leads and per source, with what they were computed from."""

    period: Period
    costs: Mapping[str, float]
    groups: Mapping[str, Figures]
    """``all``, ``marketing``, ``sales`` (and any other source seen)."""
    filters: Mapping[str, str] = field(default_factory=dict)
    acceptance_tracked: bool = False
    incomplete: int = 0
    """Leads without the stage memo (started before it existed): counted, but without stage times."""

    @property
    def all(self) -> Figures:
        """The figures over every lead."""
        return self.groups["all"]


def touch_cost(record: LeadRecord, costs: Mapping[str, float]) -> float:
    """What ``record``'s touches cost (channels without a price cost nothing)."""
    return sum(n * costs.get(channel, 0.0) for channel, n in record.touches)


def parse_costs(pairs: Iterable[str], base: Mapping[str, float] | None = None) -> dict[str, float]:
    """``["call=30", "email=0.05"]`` over the defaults.

    Raises:
        ValueError: a pair that is not ``CHANNEL=AMOUNT`` with a non-negative number.
    """
    costs = dict(DEFAULT_COSTS if base is None else base)
    for pair in pairs:
        channel, sep, amount = pair.partition("=")
        channel = channel.strip().lower()
        try:
            value = float(amount.strip().lstrip("$"))
        except ValueError:
            value = -1.0
        if not sep or not channel or value < 0:
            raise ValueError(f"--cost {pair!r}: expected CHANNEL=AMOUNT, like call=30 or email=0.05")
        costs[channel] = value
    return costs


def latest_event(records: Iterable[LeadRecord]) -> datetime | None:
    """The latest time any of ``records`` shows: enrollment, stage entries and exits, outcome, close.

    ``None`` when there are no records.
    """
    latest: datetime | None = None
    for r in records:
        times = [r.enrolled_at, r.closed_at, r.outcome.at if r.outcome else None]
        times += [t for stay in r.stages for t in (stay.entered_at, stay.left_at)]
        for t in times:
            if t is not None and (latest is None or t > latest):
                latest = t
    return latest


def default_until(records: Iterable[LeadRecord], now: datetime) -> datetime:
    """The end of a period asked to end "now": ``now``, unless the leads have run ahead of it.

    Leads on a sped-up clock (``--time-scale``, ``cadence dev --demo``) record
    their events in cadence time, days or months ahead of the wall clock; a period
    ending at the wall clock's now would count none of them. Then the period ends
    just after the latest recorded event instead (the next whole minute), so the
    report shows what those leads did; :attr:`Period.extended_from` says so.

    Args:
        records: the leads the report is over.
        now: the wall clock's now (aware datetime).
    """
    latest = latest_event(records)
    if latest is None or latest < now:
        return now
    minute = latest.astimezone(timezone.utc).replace(second=0, microsecond=0)
    return minute + timedelta(minutes=1)


def compute(records: Iterable[LeadRecord], since: datetime, until: datetime,
            costs: Mapping[str, float] | None = None, *, filters: Mapping[str, str] | None = None,
            extended_from: datetime | None = None) -> Report:
    """The report over ``records`` for the period ``[since, until)``.

    Args:
        records: the leads (any order; filtering by cadence/source/owner is the caller's).
        since: start of the period (aware datetime).
        until: end of the period, excluded.
        costs: cost of one touch per channel (default :data:`DEFAULT_COSTS`).
        filters: shown in the report as what was selected.
        extended_from: the wall clock's now, when ``until`` is :func:`default_until` past it
            (the report then says that the period runs ahead of the clock).
    """
    if until <= since:
        raise ValueError(f"the period is empty: since {since.isoformat()} is not before until {until.isoformat()}")
    period = Period(since, until, extended_from)
    prices = dict(DEFAULT_COSTS if costs is None else costs)
    leads = list(records)
    tracked = any(_tracks_acceptance(r, until) for r in leads)
    by_source: dict[str, list[LeadRecord]] = {s: [] for s in SOURCES}
    for r in leads:
        by_source.setdefault(r.source or "marketing", []).append(r)
    groups = {"all": _figures(leads, period, prices, tracked)}
    for source in (*SOURCES, *sorted(set(by_source) - set(SOURCES))):
        groups[source] = _figures(by_source[source], period, prices, tracked)
    return Report(period=period, costs=prices, groups=groups, filters=dict(filters or {}),
                  acceptance_tracked=tracked, incomplete=sum(not r.complete for r in leads))


def _tracks_acceptance(record: LeadRecord, until: datetime) -> bool:
    if any(stay.stage in ACCEPTANCE_STAGES for stay in record.stages):
        return True
    return record.answer_to_handoff(until) not in (None, "untracked")


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / _DAY


def _figures(records: list[LeadRecord], period: Period, costs: Mapping[str, float], tracked: bool) -> Figures:
    since, until = period.since, period.until
    worked = enrolled = entered_nurture = handed_off = 0
    in_dev: Counter[str] = Counter()
    disq: Counter[str] = Counter()
    immediate: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    reached: Counter[str] = Counter()
    flow: defaultdict[str, Counter[str]] = defaultdict(Counter)
    stays: defaultdict[str, list[float]] = defaultdict(list)
    ages: defaultdict[str, list[float]] = defaultdict(list)
    velocity: list[float] = []
    touches_q: list[float] = []
    days_q: list[float] = []
    spend = wip = 0.0
    spend_by: Counter[str] = Counter()
    ended_n = nurtured = 0
    deals: list[float] = []
    no_value = 0
    answers: Counter[str] = Counter()
    accepted_value = 0.0
    to_accept: list[float] = []
    awaiting = 0

    for r in records:
        ended_at = r.ended_at
        if r.enrolled_at >= until or (ended_at is not None and ended_at < since):
            continue
        worked += 1
        stages = r.stages
        nurture_at = next((s.entered_at for s in stages if is_nurture_stage(s.stage)), None)
        was_nurtured = nurture_at is not None and nurture_at < until
        if nurture_at in period:
            entered_nurture += 1

        # the cohort enrolled in the period, and how far it got
        if r.enrolled_at in period:
            enrolled += 1
            reached["enrolled"] += 1
            seen = {s.stage for s in stages if s.entered_at < until}
            if was_nurtured:
                reached["nurture"] += 1
            for key in (SALES_READY, HANDED_OFF, ACCEPTED):
                if key in seen:
                    reached[key] += 1

        # stage changes and finished stays in the period
        if r.complete:
            for i, stay in enumerate(stages):
                nxt = stages[i + 1] if i + 1 < len(stages) else None
                left = stay.left_at or (nxt.entered_at if nxt else None)
                if nxt is not None and nxt.entered_at in period:
                    flow[stay.stage][nxt.stage] += 1
                if left is not None and left in period:
                    stays[stay.stage].append(_days(stay.entered_at, left))

        # handed to sales in the period (with acceptance, the lead lives on until sales answers)
        handoffs = r.handoffs()
        if any(t in period for t in handoffs):
            handed_off += 1
            touches_q.append(float(r.touch_count))
            if r.complete:
                velocity.append(_days(r.enrolled_at, handoffs[0]))
                days_q.append(_days(r.enrolled_at, r.entered(SALES_READY) or handoffs[0]))
            if r.deal_size is None or r.deal_size <= 0:
                no_value += 1
            else:
                deals.append(r.deal_size)
            if tracked:
                answers[r.answer_to_handoff(until) or "pending"] += 1
                if r.answer_to_handoff(until) == "accepted":
                    accepted_value += r.deal_size or 0.0
                    accepted_at = r.entered(ACCEPTED)
                    if accepted_at is not None:
                        to_accept.append(_days(handoffs[-1], accepted_at))

        # where it was at the end of the period, or how it ended in the period
        if ended_at is None or ended_at >= until:
            stage = r.stage_at(until) or stages[0].stage
            wip += touch_cost(r, costs)
            if stage == HANDED_OFF:
                awaiting += 1
                continue
            in_dev[stage] += 1
            if r.complete:
                current = next((s for s in reversed(stages) if s.entered_at <= until), stages[0])
                ages[stage].append(_days(current.entered_at, until))
            continue
        if ended_at not in period:
            continue
        ended_n += 1
        nurtured += was_nurtured
        for channel, n in r.touches:
            price = n * costs.get(channel, 0.0)
            spend += price
            spend_by[channel] += price
        outcome = r.outcome
        if outcome is None:
            lost[r.status] += 1
            if r.complete:
                flow[r.stage_at(ended_at) or stages[-1].stage]["lost"] += 1
        elif outcome.kind == "disqualified":
            disq[outcome.reason] += 1
            if not was_nurtured:
                immediate[outcome.reason] += 1

    funnel = _funnel(reached, tracked)
    acceptance = None
    if tracked:
        answered = handed_off - answers["untracked"]
        acceptance = Acceptance(answers["accepted"], answers["rejected"], answers["recycled"], answers["pending"],
                                answers["untracked"], answers["accepted"] / answered if answered else None,
                                accepted_value, sum(to_accept) / len(to_accept) if to_accept else None)
    return Figures(
        leads=worked,
        enrolled=enrolled,
        entered_nurture=entered_nurture,
        in_development=sum(in_dev.values()),
        in_development_by_stage=_ordered(in_dev),
        awaiting_acceptance=awaiting,
        handed_off=handed_off,
        disqualified=sum(disq.values()),
        disqualified_by_reason=dict(disq.most_common()),
        discontinued_immediately=dict(immediate.most_common()),
        lost=dict(lost.most_common()),
        funnel=funnel,
        flow={src: _ordered(flow[src]) for src in sorted(flow, key=stage_order)},
        time_in_stage={stage: Stat.of(stays[stage]) for stage in sorted(stays, key=stage_order)},
        age_in_stage={stage: Stat.of(ages[stage]) for stage in sorted(ages, key=stage_order)},
        velocity=Stat.of(velocity),
        touches_to_qualify=Stat.of(touches_q),
        days_to_qualify=Stat.of(days_q),
        cost=Cost(spend=spend, by_channel={k: v for k, v in sorted(spend_by.items())}, ended=ended_n,
                  nurtured=nurtured, per_lead_nurtured=spend / nurtured if nurtured else None,
                  per_handoff=spend / handed_off if handed_off else None, work_in_progress=wip),
        revenue=Revenue(potential=sum(deals), average=statistics.fmean(deals) if deals else None,
                        without_value=no_value),
        acceptance=acceptance,
    )


def _ordered(counts: Mapping[str, int]) -> dict[str, int]:
    return {stage: counts[stage] for stage in sorted(counts, key=stage_order)}


def _funnel(reached: Mapping[str, int], tracked: bool) -> tuple[FunnelLevel, ...]:
    levels: list[FunnelLevel] = []
    previous: int | None = None
    for key, label in FUNNEL_LEVELS:
        if key == ACCEPTED and not tracked:
            continue
        n = reached.get(key, 0)
        levels.append(FunnelLevel(key, label, n, n / previous if previous else None))
        previous = n
    return tuple(levels)


__all__ = [
    "DEFAULT_COSTS",
    "FUNNEL_LEVELS",
    "SOURCES",
    "Acceptance",
    "Cost",
    "Figures",
    "FunnelLevel",
    "Period",
    "Report",
    "Revenue",
    "Stat",
    "compute",
    "default_until",
    "latest_event",
    "parse_costs",
    "touch_cost",
]
