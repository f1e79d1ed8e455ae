"""The report's figures: pure computation over :class:`~cadence.report.records.LeadRecord`.

No I/O, no clock: the period and the costs are arguments (:func:`default_until`
is given its "now"), so a report over the same records is the same report. Each
figure is its own small function over the leads of a group (all leads, then
marketing- and sales-generated): a few passes, linear in the number of leads.

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
  period, as the engine recorded it in the next stage entry (``answer``: ``accepted``,
  ``rejected``, ``recycled`` when not accepted in time), none yet (``pending``); a lead
  that ended on ``handed_off`` is ``untracked`` (its cadence has no acceptance).
  ``None`` ("not tracked yet") when no lead shows acceptance.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from cadence.report.records import LeadRecord, StageStay, stage_order
from cadence.vocabulary import (
    ACCEPTED,
    DISQUALIFIED,
    HANDED_OFF,
    NURTURE,
    RECYCLED,
    REJECTED,
    SALES_READY,
    is_nurture_stage,
)

DEFAULT_COSTS: dict[str, float] = {"call": 30.0, "voicemail": 10.0, "letter": 2.5, "email": 0.05}
"""Cost of one touch per channel, in dollars (``--cost CHANNEL=AMOUNT`` overrides)."""

SOURCES = ("marketing", "sales")
"""Lead sources shown side by side (always present, even when empty)."""

FUNNEL_LEVELS: tuple[tuple[str, str], ...] = (
    ("enrolled", "Enrolled"),
    (NURTURE, "Entered nurture"),
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
    minute = latest.astimezone(UTC).replace(second=0, microsecond=0)
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
    worked = [lead for lead in (_Lead.worked_in(r, period) for r in leads) if lead is not None]
    by_source: dict[str, list[_Lead]] = {s: [] for s in (*SOURCES, *(r.source or "marketing" for r in leads))}
    for lead in worked:
        by_source[lead.r.source or "marketing"].append(lead)
    groups = {"all": _figures(worked, period, prices, tracked)}
    for source in (*SOURCES, *sorted(set(by_source) - set(SOURCES))):
        groups[source] = _figures(by_source[source], period, prices, tracked)
    return Report(period=period, costs=prices, groups=groups, filters=dict(filters or {}),
                  acceptance_tracked=tracked, incomplete=sum(not r.complete for r in leads))


def _tracks_acceptance(record: LeadRecord, until: datetime) -> bool:
    if any(stay.stage == ACCEPTED or stay.answer for stay in record.stages):
        return True
    return record.answer_to_handoff(until) not in (None, "untracked")


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / _DAY


class _Lead(NamedTuple):
    """A record with what several figures ask of it, worked out once."""

    r: LeadRecord
    ended_at: datetime | None
    nurtured_at: datetime | None
    """When it first entered nurture (passed pre-qualification); ``None`` if never."""
    handoffs: list[datetime]

    @classmethod
    def worked_in(cls, r: LeadRecord, period: Period) -> _Lead | None:
        """The lead when it was worked in ``period`` (enrolled before its end, not ended before its start)."""
        ended_at = r.ended_at
        if r.enrolled_at >= period.until or (ended_at is not None and ended_at < period.since):
            return None
        nurtured_at = next((s.entered_at for s in r.stages if is_nurture_stage(s.stage)), None)
        return cls(r, ended_at, nurtured_at, r.handoffs())

    def moves(self) -> Iterator[tuple[StageStay, StageStay | None]]:
        """Each stay with the stay after it (``None`` after the last); none when stage times are unknown."""
        stages = self.r.stages if self.r.complete else ()
        return zip(stages, (*stages[1:], None))

    def nurtured_by(self, until: datetime) -> bool:
        return self.nurtured_at is not None and self.nurtured_at < until


def _figures(worked: list[_Lead], period: Period, costs: Mapping[str, float], tracked: bool) -> Figures:
    """The figures of one group of the leads worked in the period, split by where they were at its end."""
    since, until = period.since, period.until
    handed = [lead for lead in worked if any(since <= t < until for t in lead.handoffs)]
    still = [lead for lead in worked if lead.ended_at is None or lead.ended_at >= until]
    ended = [lead for lead in worked if lead.ended_at is not None and lead.ended_at < until]
    in_dev, awaiting, ages = _development(still, until)
    disqualified, immediate, lost = _endings(ended, until)
    velocity, touches_q, days_q = _qualification(handed)
    return Figures(
        leads=len(worked),
        enrolled=sum(since <= lead.r.enrolled_at < until for lead in worked),
        entered_nurture=sum(lead.nurtured_at is not None and since <= lead.nurtured_at < until for lead in worked),
        in_development=sum(in_dev.values()),
        in_development_by_stage=_ordered(in_dev),
        awaiting_acceptance=awaiting,
        handed_off=len(handed),
        disqualified=sum(disqualified.values()),
        disqualified_by_reason=dict(disqualified.most_common()),
        discontinued_immediately=dict(immediate.most_common()),
        lost=dict(lost.most_common()),
        funnel=_funnel(_reached(worked, period), tracked),
        flow=_flow(worked, period),
        time_in_stage=_stats_by_stage(_stays(worked, period)),
        age_in_stage=_stats_by_stage(ages),
        velocity=Stat.of(velocity),
        touches_to_qualify=Stat.of(touches_q),
        days_to_qualify=Stat.of(days_q),
        cost=_cost(ended, still, len(handed), costs, until),
        revenue=_revenue(handed),
        acceptance=_acceptance(handed, until) if tracked else None,
    )


def _reached(worked: list[_Lead], period: Period) -> Counter[str]:
    """Funnel: how far the cohort enrolled in the period got by its end."""
    reached: Counter[str] = Counter()
    since, until = period.since, period.until
    for lead in worked:
        if not since <= lead.r.enrolled_at < until:
            continue
        reached["enrolled"] += 1
        if lead.nurtured_by(until):
            reached[NURTURE] += 1
        seen = {s.stage for s in lead.r.stages if s.entered_at < until}
        for key in (SALES_READY, HANDED_OFF, ACCEPTED):
            if key in seen:
                reached[key] += 1
    return reached


def _flow(worked: list[_Lead], period: Period) -> dict[str, dict[str, int]]:
    """Stage changes in the period, from -> to; a lead lost in the period goes to ``lost``."""
    flow: defaultdict[str, Counter[str]] = defaultdict(Counter)
    since, until = period.since, period.until
    for lead in worked:
        for stay, nxt in lead.moves():
            if nxt is not None and since <= nxt.entered_at < until:
                flow[stay.stage][nxt.stage] += 1
        ended_at, r = lead.ended_at, lead.r
        if r.complete and r.outcome is None and ended_at is not None and ended_at < until:
            flow[r.stage_at(ended_at) or r.stages[-1].stage]["lost"] += 1
    return {src: _ordered(flow[src]) for src in sorted(flow, key=stage_order)}


def _stays(worked: list[_Lead], period: Period) -> defaultdict[str, list[float]]:
    """Days in stage of the stays that ended in the period."""
    stays: defaultdict[str, list[float]] = defaultdict(list)
    since, until = period.since, period.until
    for lead in worked:
        for stay, nxt in lead.moves():
            left = stay.left_at or (nxt.entered_at if nxt else None)
            if left is not None and since <= left < until:
                stays[stay.stage].append(_days(stay.entered_at, left))
    return stays


def _stats_by_stage(samples: Mapping[str, list[float]]) -> dict[str, Stat]:
    return {stage: Stat.of(samples[stage]) for stage in sorted(samples, key=stage_order)}


def _development(still: list[_Lead], until: datetime) -> tuple[Counter[str], int, defaultdict[str, list[float]]]:
    """Leads in development at ``until`` by stage, those waiting for sales, and the ages of their current stays."""
    in_dev: Counter[str] = Counter()
    ages: defaultdict[str, list[float]] = defaultdict(list)
    awaiting = 0
    for lead in still:
        r = lead.r
        stage = r.stage_at(until) or r.stages[0].stage
        if stage == HANDED_OFF:
            awaiting += 1
            continue
        in_dev[stage] += 1
        if r.complete:
            current = next((s for s in reversed(r.stages) if s.entered_at <= until), r.stages[0])
            ages[stage].append(_days(current.entered_at, until))
    return in_dev, awaiting, ages


def _endings(ended: list[_Lead], until: datetime) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Disqualifications by reason, those by pre-qualification, and losses by execution status."""
    disqualified: Counter[str] = Counter()
    immediate: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    for lead in ended:
        outcome = lead.r.outcome
        if outcome is None:
            lost[lead.r.status] += 1
        elif outcome.kind == DISQUALIFIED:
            disqualified[outcome.reason] += 1
            if not lead.nurtured_by(until):
                immediate[outcome.reason] += 1
    return disqualified, immediate, lost


def _qualification(handed: list[_Lead]) -> tuple[list[float], list[float], list[float]]:
    """Velocity (days to the first handoff), touches to qualify, days to ``sales_ready``."""
    velocity: list[float] = []
    days_q: list[float] = []
    for lead in handed:
        r = lead.r
        if r.complete:
            velocity.append(_days(r.enrolled_at, lead.handoffs[0]))
            days_q.append(_days(r.enrolled_at, r.entered(SALES_READY) or lead.handoffs[0]))
    return velocity, [float(lead.r.touch_count) for lead in handed], days_q


def _cost(ended: list[_Lead], still: list[_Lead], handoffs: int, costs: Mapping[str, float], until: datetime) -> Cost:
    """Lifetime touch cost of the leads that ended, per lead nurtured and per handoff; spend so far on the rest."""
    by_channel: Counter[str] = Counter()
    spend = 0.0
    for lead in ended:
        for channel, n in lead.r.touches:
            price = n * costs.get(channel, 0.0)
            spend += price
            by_channel[channel] += price
    nurtured = sum(lead.nurtured_by(until) for lead in ended)
    return Cost(spend=spend, by_channel={k: v for k, v in sorted(by_channel.items())}, ended=len(ended),
                nurtured=nurtured, per_lead_nurtured=spend / nurtured if nurtured else None,
                per_handoff=spend / handoffs if handoffs else None,
                work_in_progress=sum((touch_cost(lead.r, costs) for lead in still), 0.0))


def _revenue(handed: list[_Lead]) -> Revenue:
    deals = [lead.r.deal_size for lead in handed if lead.r.deal_size is not None and lead.r.deal_size > 0]
    return Revenue(potential=sum(deals), average=statistics.fmean(deals) if deals else None,
                   without_value=len(handed) - len(deals))


def _acceptance(handed: list[_Lead], until: datetime) -> Acceptance:
    """What sales did with the last handoff of each lead handed off in the period."""
    answers: Counter[str] = Counter()
    accepted_value = 0.0
    to_accept: list[float] = []
    for lead in handed:
        answer = lead.r.answer_to_handoff(until) or "pending"
        answers[answer] += 1
        if answer == ACCEPTED:
            accepted_value += lead.r.deal_size or 0.0
            accepted_at = lead.r.entered(ACCEPTED)
            if accepted_at is not None:
                to_accept.append(_days(lead.handoffs[-1], accepted_at))
    answered = len(handed) - answers["untracked"]
    return Acceptance(answers[ACCEPTED], answers[REJECTED], answers[RECYCLED], answers["pending"], answers["untracked"],
                      answers[ACCEPTED] / answered if answered else None, accepted_value,
                      sum(to_accept) / len(to_accept) if to_accept else None)


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
