"""Simulate cadences before running them: the engine itself, a clock, and modelled buyers, reps and sales.

``simulate(plan, leads, start=..., days=365, behaviour=..., seed=...)`` runs
every lead through the same :class:`~cadence.engine.Engine` the nurture
workflow runs, on the real calendar (the leads' zones, business hours,
holidays, clock changes), without a Temporal server. :func:`summarize` turns
the run into the figures people plan with: touches per channel per day,
each rep's load against capacity, emails per sender, where leads end up,
how many touches and days a handoff takes.
"""

from __future__ import annotations

from cadence.simulate.behaviour import (
    SILENT,
    Behaviour,
    BehaviourError,
    CallModel,
    Delay,
    EmailModel,
    LetterModel,
    RepModel,
    SalesModel,
    VoicemailModel,
    behaviour_to_dict,
    parse_behaviour,
    read_behaviour,
)
from cadence.simulate.leads import synthetic_leads
from cadence.simulate.metrics import Summary, summarize
from cadence.simulate.records import Input, LeadRun, SimulationRun, TouchRecord, TraceEntry
from cadence.simulate.reps import RepDay, RepLoad
from cadence.simulate.runner import SimulationError, simulate

__all__ = [
    "SILENT",
    "Behaviour",
    "BehaviourError",
    "CallModel",
    "Delay",
    "EmailModel",
    "Input",
    "LeadRun",
    "LetterModel",
    "RepDay",
    "RepLoad",
    "RepModel",
    "SalesModel",
    "SimulationError",
    "SimulationRun",
    "Summary",
    "TouchRecord",
    "TraceEntry",
    "VoicemailModel",
    "behaviour_to_dict",
    "parse_behaviour",
    "read_behaviour",
    "simulate",
    "summarize",
    "synthetic_leads",
]
