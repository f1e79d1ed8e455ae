"""What a simulation leaves behind: one record per lead, the reps' load, and traces.

Plain frozen dataclasses; :mod:`cadence.simulate.metrics` computes the figures
from them, and the renderers show them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cadence.simulate.behaviour import Behaviour
from cadence.simulate.reps import RepLoad


@dataclass(frozen=True)
class TouchRecord:
    """One touch that reached the lead (as the engine counts touches)."""

    at: datetime
    """When (UTC)."""
    channel: str
    """``email``, ``call``, ``voicemail`` or ``letter``."""
    step: str
    """The step that made it."""
    outcome: str
    """``sent``, ``written``, ``dropped``, or the task outcome a rep logged (``no_answer`` ...)."""
    sender: str = ""
    """Emails: the step's sender (``""``: the worker's default sender)."""


@dataclass(frozen=True)
class Input:
    """Something the simulated world did to a lead; replaying the inputs drives a real workflow the same way."""

    at: datetime
    """When (UTC)."""
    kind: Literal["outcome", "event", "accept", "reject"]
    """A rep's task outcome, a buyer's event, or sales' answer to a handoff."""
    task_id: str = ""
    """Outcomes: the task."""
    outcome: str = ""
    """Outcomes: what the rep logged."""
    learned: Mapping[str, str] = field(default_factory=dict)
    """Outcomes: qualification attributes learned."""
    event: str = ""
    """Events: ``reply``, ``unsubscribe``, ``callback_requested``."""
    by: str = ""
    """Who: the rep, or empty (the buyer; sales answering as the assignee)."""
    note: str = ""
    """Outcome notes, the rejection's reason."""


@dataclass(frozen=True)
class TraceEntry:
    """One line of a lead's dated calendar."""

    at: datetime
    """When (UTC)."""
    kind: str
    """``wait``, ``rep`` (a rep too busy to work the task), or the engine's history kind: ``touch``, ``task``,
    ``event``, ``gate``, ``stage``, ``operator``."""
    what: str
    """What happened (a wait: the engine's summary of it)."""
    detail: str = ""
    """The engine's detail (a touch's task id, an event's text ...)."""
    until: datetime | None = None
    """Waits: until when (``None``: until something happens)."""
    why: str = ""
    """Waits: why the date is what it is (outside the send window, a holiday, a clock change ...)."""
    cut_short_at: datetime | None = None
    """Waits: an event or a person's input ended it at this instant."""


@dataclass(frozen=True)
class LeadRun:
    """One lead's simulated nurture."""

    lead_id: str
    """The lead."""
    timezone: str
    """The zone its touches were scheduled in."""
    owner: str
    """The lead's owner (empty when it has none)."""
    started_at: datetime
    """When it entered the cadence."""
    touches: tuple[TouchRecord, ...]
    """Every touch, in order."""
    touch_count: int
    """Touches as the engine counts them (``touches`` in gate conditions) at the end or the horizon."""
    outcome: Literal["handoff", "disqualified", ""]
    """How it ended; empty: still running at the horizon."""
    reason: str
    """The disqualification reason or the handoff's; the stage for a lead still running."""
    ended_at: datetime | None
    """When it ended (``None``: still running at the horizon)."""
    stage: str
    """Its stage at the end or at the horizon (``nurture``, ``track:stale-monthly``, ``handed_off`` ...)."""
    cadence: str
    """The cadence (or track) it was on at the end or at the horizon."""
    handed_off_at: datetime | None = None
    """The last time its dossier went to sales (``None``: never)."""
    touches_at_handoff: int | None = None
    """Touches counted when the dossier went to sales that last time."""
    history: tuple[dict[str, Any], ...] = ()
    """The engine's contact history (traced leads only)."""
    trace: tuple[TraceEntry, ...] = ()
    """The dated calendar, waits included (traced leads only)."""
    inputs: tuple[Input, ...] = ()
    """What reps, buyer and sales did to it (traced leads only)."""
    waiting_for_sales: bool = False
    """Still running at the horizon, waiting for sales to accept it."""


@dataclass(frozen=True)
class SimulationRun:
    """A whole simulation: the cadence, the clock, and what every lead did."""

    cadence: str
    """The cadence's name."""
    version: str
    """Its version (sha256)."""
    start: datetime
    """The clock's start (aware, in the zone the run's days are counted in)."""
    end: datetime
    """The horizon: nothing at or after it is simulated."""
    zone: str
    """IANA zone in which days and weeks of the figures are counted."""
    seed: int
    """What made the random draws."""
    behaviour: Behaviour
    """The response model."""
    leads: tuple[LeadRun, ...]
    """Every lead, in the order given."""
    reps: tuple[RepLoad, ...]
    """Every assignee's load."""
    plan_touches: int = 0
    """Touch steps in the cadence."""

    def lead(self, lead_id: str) -> LeadRun:
        """The record of ``lead_id``; ``KeyError`` when it was not simulated."""
        for lead in self.leads:
            if lead.lead_id == lead_id:
                return lead
        raise KeyError(lead_id)


__all__ = ["Input", "LeadRun", "SimulationRun", "TouchRecord", "TraceEntry"]
