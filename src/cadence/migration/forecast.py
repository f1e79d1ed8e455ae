"""What a migration changes for one lead: its next touch, and the touch steps ahead of it.

The next touch is found by running the lead's own engine forward on a copy of
its state (the real calendar, the lead's zone, no server), once on the plan it
runs and once on the plan it will run; the steps ahead are read along each
plan's order from the lead's position (branches taken by gates may differ).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cadence import ir, schedule, utc
from cadence.commands import Finish, OpenTask, SwitchTrack, Touch, Wait
from cadence.engine import Engine, EngineError, LeadState
from cadence.migration.positions import Move, apply_move

MAX_DECISIONS = 200


@dataclass(frozen=True)
class NextTouch:
    """The first thing a lead's engine does for it from now on."""

    what: str
    """Like ``email intro-2``, ``call task follow-up-call`` or ``ends: disqualified (no_response)``."""
    at: str | None
    """When (ISO UTC), ``None`` when paused."""
    local: str = ""
    """``at`` in the lead's zone for people."""


@dataclass(frozen=True)
class Change:
    """What moving changes for the lead."""

    next_before: NextTouch
    next_after: NextTouch
    gains: tuple[str, ...]
    """Touch steps ahead of the lead on the new plan that it had no counterpart of ahead on the old."""
    losses: tuple[str, ...]
    """Touch steps ahead on the old plan that no longer lie ahead."""


def next_touch(plan: ir.Plan, state: LeadState, workflow_id: str, now: datetime) -> NextTouch:
    """Run a copy of the lead forward on ``plan`` until its next touch, task or end."""
    engine = Engine(plan, LeadState.from_dict(state.to_dict()), workflow_id)
    if engine.state.phase == "task_open" and engine.state.open_task:
        task = engine.state.open_task
        return NextTouch(f"{task['kind']} task {task['step']} (open)", task.get("due_at"),
                         _local(task.get("due_at"), engine))
    at = now
    try:
        for _ in range(MAX_DECISIONS):
            command = engine.next_command(at)
            if isinstance(command, Wait):
                if command.until is None:
                    return NextTouch("paused", None)
                at = max(at, command.until)
                continue
            if isinstance(command, Touch):
                return NextTouch(f"{command.channel} {command.step_id}", utc.iso(at), _local(utc.iso(at), engine))
            if isinstance(command, OpenTask):
                return NextTouch(f"{command.channel} task {command.step_id}", utc.iso(at), _local(utc.iso(at), engine))
            if isinstance(command, SwitchTrack):
                return NextTouch(f"moves to track {command.track}", utc.iso(at), _local(utc.iso(at), engine))
            if isinstance(command, Finish):
                return NextTouch(f"ends: {command.outcome} ({command.reason})", utc.iso(at), _local(utc.iso(at), engine))
    except EngineError as exc:
        return NextTouch(f"cannot tell: {exc}", None)
    return NextTouch("no touch within the forecast", None)


def touches_ahead(plan: ir.Plan, step: str, phase: str) -> list[str]:
    """Touch steps at or after ``step`` in plan order (the step itself when its touch is still to come)."""
    try:
        index = plan.index(step)
    except KeyError:
        return []
    start = index if phase in ("window", "task_open") else index + 1
    return [s.id for s in plan.steps[start:] if s.kind in ir.TOUCH_KINDS]


def change_for(state: LeadState, current: ir.Plan, target: ir.Plan, move: Move, mapping: Mapping[str, str],
               workflow_id: str, now: datetime) -> Change:
    """What ``move`` changes for the lead with ``state``."""
    before = next_touch(current, state, workflow_id, now)
    moved = LeadState.from_dict(state.to_dict())
    apply_move(moved, target, move)
    after = next_touch(target, moved, workflow_id, now)
    old_ahead = [mapping.get(s, s) for s in touches_ahead(current, move.source.step, move.phase)]
    new_ahead = touches_ahead(target, move.step, move.phase)
    return Change(before, after, tuple(s for s in new_ahead if s not in old_ahead),
                  tuple(s for s in old_ahead if s not in new_ahead))


def _local(at: str | None, engine: Engine) -> str:
    return schedule.describe(utc.parse(at), engine.tz) if at else ""


__all__ = ["Change", "NextTouch", "change_for", "next_touch", "touches_ahead"]
