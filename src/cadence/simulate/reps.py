"""The reps' desk: a daily capacity per assignee, and what each day asked of them.

A rep logs at most their capacity of call and voicemail tasks per working day
(the day in the reps' zone); a task that finds its rep full waits for the next
day, and is missed if its due time comes first (the engine decides that, as in
production). Days are counted, never simulated minute by minute.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from cadence.simulate.behaviour import RepModel


@dataclass(frozen=True)
class RepDay:
    """One assignee's day."""

    day: date
    """The date in the reps' zone."""
    demand: int
    """Tasks the assignee had to work that day: new ones and those carried over from a full day."""
    done: int
    """Tasks logged (at most the capacity)."""
    missed: int
    """Tasks whose due time passed that day without an outcome."""


@dataclass(frozen=True)
class RepLoad:
    """What the run asked of one assignee."""

    assignee: str
    """``dana@seller.example``, ``queue:sales-managers``, ``queue:unassigned`` (a lead without an owner)."""
    capacity: int
    """Tasks per day."""
    days: tuple[RepDay, ...]
    """Every day with a task to work or missed, in order."""


class RepDesk:
    """Counts each assignee's tasks per day against their capacity.

    Args:
        model: capacities (and the zone of the working day when ``zone`` is not given).
        zone: IANA zone in which a working day starts and ends.
    """

    def __init__(self, model: RepModel, zone: str) -> None:
        self.model = model
        self.zone = ZoneInfo(model.timezone or zone)
        self._demand: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        self._done: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        self._missed: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        self._midnights: dict[date, datetime] = {}  # every full rep asks for the same next midnight

    def day_of(self, at: datetime) -> date:
        """The reps' working day of instant ``at``."""
        return at.astimezone(self.zone).date()

    def take(self, assignee: str, at: datetime) -> bool:
        """The assignee tries to work a task at ``at``: whether their capacity for that day allows it."""
        day = self.day_of(at)
        self._demand[assignee][day] += 1
        if self._done[assignee][day] >= self.model.capacity_of(assignee):
            return False
        self._done[assignee][day] += 1
        return True

    def next_day(self, at: datetime) -> datetime:
        """Midnight starting the reps' day after the one of ``at`` (UTC)."""
        day = self.day_of(at)
        midnight = self._midnights.get(day)
        if midnight is None:
            following = day + timedelta(days=1)
            midnight = self._midnights[day] = datetime.combine(following, time(0), tzinfo=self.zone).astimezone(timezone.utc)
        return midnight

    def missed(self, assignee: str, at: datetime) -> None:
        """A task of ``assignee`` passed its due time at ``at`` without an outcome."""
        self._missed[assignee][self.day_of(at)] += 1

    def loads(self) -> tuple[RepLoad, ...]:
        """Every assignee's days, assignees sorted by name."""
        out = []
        for assignee in sorted(set(self._demand) | set(self._missed)):
            demand, done, missed = self._demand[assignee], self._done[assignee], self._missed[assignee]
            days = sorted(set(demand) | set(missed))
            out.append(RepLoad(assignee, self.model.capacity_of(assignee),
                               tuple(RepDay(d, demand.get(d, 0), done.get(d, 0), missed.get(d, 0)) for d in days)))
        return tuple(out)


__all__ = ["RepDay", "RepDesk", "RepLoad"]
