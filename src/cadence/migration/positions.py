"""Where a running lead stands in its plan, and where it will stand in another version.

Pure functions over :class:`cadence.engine.LeadState` and two Plans: the
planner (``cadence migrate --dry-run``) and the workflow's migrate update call
the same :func:`plan_move`, so what the plan promises is what happens. A
position that has no counterpart is refused with the reason, never guessed.

A lead at rest is in one of these phases at its step (``pc``):

- ``waiting``: the step is done and the lead waits (the step's ``wait:``, or a
  wait step's duration) before the next step;
- ``loop_wait``: a loop step counts rounds and waits before going back;
- ``window``: the step's touch is due and waits for the send window (or the
  lead's return from out of office);
- ``task_open``: a call or voicemail task is open and waits for its outcome.

Standard library and cadence's pure modules only: the workflow sandbox imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cadence import ir, schedule, utc

RESTING_PHASES = ("waiting", "loop_wait", "window", "task_open")
"""Phases a lead rests in between decisions (until its ``wait_until``); a migration moves a lead only at rest."""


class MoveRefused(ValueError):
    """A lead cannot be moved to the new version; the message says why and how to allow it."""


@dataclass(frozen=True)
class Position:
    """Where a lead stands in its plan."""

    step: str
    """The step id at the lead's position ("" before pre-qualification)."""
    phase: str
    """One of :data:`RESTING_PHASES`, or the phase that keeps it from moving."""
    visits: int
    """How many times the lead went through this step (its iteration)."""
    wait_until: str | None
    """When the lead's current wait ends (ISO UTC), or ``None``."""
    open_task: str | None
    """The id of the open call or voicemail task, or ``None``."""

    def describe(self) -> str:
        """A short phrase for people, like ``waiting after intro-email until 2027-01-12T15:00:00Z``."""
        if self.phase == "task_open":
            return f"task {self.open_task} open at {self.step}"
        if self.phase == "waiting":
            return f"waiting after {self.step} until {self.wait_until}"
        if self.phase == "loop_wait":
            return f"loop {self.step} waiting until {self.wait_until}"
        if self.phase == "window":
            return f"{self.step} due at {self.wait_until}"
        return f"{self.phase} at {self.step or 'the start'}"


@dataclass(frozen=True)
class Move:
    """Where a lead will stand in the target plan, computed by :func:`plan_move`."""

    source: Position
    """Where it stands now."""
    step: str
    """The step id it will stand at in the target plan."""
    pc: int
    """That step's index in the target plan."""
    phase: str
    """The phase it will be in (the same as before)."""
    wait_until: str | None
    """When its wait ends in the target plan (kept unless the new step's wait says otherwise)."""
    why_deadline: str = ""
    """Why the wait's deadline changed, or "" when it is kept."""


def position_of(state: Any, plan: ir.Plan) -> Position:
    """Where the lead with engine state ``state`` stands in ``plan``."""
    step = plan.steps[state.pc].id if state.phase != "prequalify" and 0 <= state.pc < len(plan.steps) else ""
    task = state.open_task.get("task_id") if state.open_task else None
    return Position(step=step, phase=state.phase, visits=int(state.visits.get(step, 0)) if step else 0,
                    wait_until=state.wait_until, open_task=task)


def check_mapping(mapping: Mapping[str, str], target: ir.Plan) -> None:
    """Refuse a mapping that names a step the target plan does not have.

    Raises:
        MoveRefused: naming the first such step.
    """
    have = {s.id for s in target.steps}
    for old, new in mapping.items():
        if new not in have:
            raise MoveRefused(f"--map {old}={new}: version {target.short_version} of {target.name} has no step {new!r}")


def plan_move(state: Any, current: ir.Plan, target: ir.Plan, mapping: Mapping[str, str], now: datetime) -> Move:
    """Where the lead (engine ``state`` on ``current``) will stand on ``target``.

    The step keeps its id unless ``mapping`` names another. Waits keep their
    deadline unless the new step's wait (or loop interval) differs: then it is
    counted afresh from the instant the lead began waiting.

    Raises:
        MoveRefused: when the lead is not at rest, the position has no
            counterpart, or the counterpart cannot hold what the lead is doing.
    """
    source = position_of(state, current)
    if state.status == "ended":
        raise MoveRefused("the lead has ended")
    if state.phase == "acceptance":
        raise MoveRefused("handed off and waiting for sales to answer: migrate it after sales answers")
    if state.phase not in RESTING_PHASES:
        raise MoveRefused(f"the lead is between steps ({state.phase} at {source.step or 'the start'}): try again in a moment")
    wanted = mapping.get(source.step, source.step)
    try:
        new = target.step(wanted)
    except KeyError:
        if wanted == source.step:
            raise MoveRefused(f"step {source.step!r} is not in version {target.short_version}: "
                              f"map it to a step of the new version with --map {source.step}=STEP") from None
        raise MoveRefused(f"--map {source.step}={wanted}: version {target.short_version} has no step {wanted!r}") from None
    old = current.step(source.step)
    until, why = state.wait_until, ""
    if state.phase == "task_open":
        if not _holds_task(new):
            raise MoveRefused(f"task {source.open_task} is open at {source.step!r} and {new.kind} step {new.id!r} "
                              f"takes no call outcome: map {source.step} to a call or voicemail step")
    elif state.phase == "loop_wait":
        if not isinstance(new, ir.LoopStep):
            raise MoveRefused(f"loop {source.step!r} is waiting for its next round and {new.kind} step {new.id!r} "
                              f"is not a loop: map {source.step} to a loop step")
        assert isinstance(old, ir.LoopStep)
        until, why = _rewait(state, current, target, old.every, new.every, until)
    elif state.phase == "waiting":
        until, why = _rewait(state, current, target, _wait_after(old), _wait_after(new), until)
    elif state.phase == "window" and new.kind not in ir.TOUCH_KINDS:
        raise MoveRefused(f"{source.step!r} waits to touch the lead and {new.kind} step {new.id!r} is no touch: "
                          f"map {source.step} to a touch step")
    return Move(source=source, step=new.id, pc=target.index(new.id), phase=state.phase, wait_until=until,
                why_deadline=why)


def apply_move(state: Any, target: ir.Plan, move: Move) -> None:
    """Put ``state`` at ``move``'s position on ``target`` (counters follow renamed steps)."""
    old, new = move.source.step, move.step
    if old != new:
        for counters in (state.visits, state.loops):
            if old in counters:
                counters[new] = counters.get(new, 0) + counters.pop(old)
    have = {s.id for s in target.steps}
    state.visits = {k: v for k, v in state.visits.items() if k in have}
    state.loops = {k: v for k, v in state.loops.items() if k in have}
    state.cadence, state.version = target.name, target.sha256
    state.pc, state.phase, state.wait_until = move.pc, move.phase, move.wait_until
    if state.open_task is not None:
        step = target.step(new)
        state.open_task = {**state.open_task, "step": new, "outcomes": list(getattr(step, "outcomes", ()) or
                                                                            state.open_task.get("outcomes", []))}


def _holds_task(step: ir.Step) -> bool:
    return isinstance(step, ir.CallStep) or (isinstance(step, ir.VoicemailStep) and step.mode != "drop")


def _wait_after(step: ir.Step) -> ir.Duration | None:
    """What a lead waits once ``step`` is done: a wait step's duration, else the step's ``wait:``."""
    if isinstance(step, ir.WaitStep):
        return step.duration
    wait = getattr(step, "wait", None)
    return wait if isinstance(wait, ir.Duration) and wait.amount > 0 else None


def _rewait(state: Any, current: ir.Plan, target: ir.Plan, old: ir.Duration | None, new: ir.Duration | None,
            until: str | None) -> tuple[str | None, str]:
    """The wait's deadline on the target plan, and why it changed ("" when kept)."""
    if old == new or until is None or old is None:
        return until, ""
    lead_zone = state.lead.get("timezone")
    began = schedule.subtract_duration(current.schedule, schedule.resolve_timezone(current.schedule, lead_zone),
                                       utc.parse(until), old)
    tz = schedule.resolve_timezone(target.schedule, lead_zone)
    moved = began if new is None else schedule.add_duration(target.schedule, tz, began, new)
    return utc.iso(moved), f"the new step waits {new or 'nothing'} (was {old}), counted from {utc.iso(began)}"


__all__ = ["RESTING_PHASES", "Move", "MoveRefused", "Position", "apply_move", "check_mapping", "plan_move",
           "position_of"]
