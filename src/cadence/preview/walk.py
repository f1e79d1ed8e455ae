"""The engine's side of a preview: which templates a cadence has, and the context each touch renders with.

A touch's context is what :meth:`cadence.engine.Engine.context_for` gives the
workflow at that touch. To give templates the touches, history and days they
would really see, each sample lead is driven through the engine as the workflow
drives it, as a lead that never answers: every email sent, every letter
written, every voicemail dropped, every task missed. A step such a lead never
reaches (a reply's branch, the other A/B variant) gets the context of a lead
just enrolled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cadence import ir, templating
from cadence.engine import Engine, EngineError, Finish, OpenTask, SwitchTrack, Touch, Wait
from cadence.preview.model import Touchpoint
from cadence.vocabulary import workflow_id_for

HORIZON = timedelta(days=3 * 366)
"""How far a lead that never answers is followed; steps it reaches later show as at enrollment."""
MAX_COMMANDS = 5000
"""Engine commands followed per lead, whatever the horizon (a monthly loop is a few dozen)."""


@dataclass(frozen=True)
class Moment:
    """When a lead gets a touch, and the context the workflow would pass to the activity."""

    at: datetime
    context: dict[str, Any]
    iteration: int
    zone: str
    """The lead's time zone under the cadence's schedule."""
    on_path: bool = True
    """False: a lead that never answers does not get this touch; the moment is its enrollment."""


def plans(plan: ir.Plan) -> dict[str, ir.Plan]:
    """The top plan and each track by name; a track carries the top plan's tracks, as the workflow does."""
    found = {plan.name: plan}
    for track in plan.tracks:
        found.setdefault(track.name, dataclasses.replace(track, tracks=plan.tracks))
    return found


def touchpoints(plan: ir.Plan) -> tuple[Touchpoint, ...]:
    """Every template ``plan`` and its tracks render, in step order, the top cadence first."""
    out: list[Touchpoint] = []
    for name, p in plans(plan).items():
        for step in p.steps:
            if isinstance(step, ir.EmailStep):
                if step.variants:
                    out.extend(Touchpoint(name, step.id, "email", v.template, v.subject, v.name) for v in step.variants)
                else:
                    out.append(Touchpoint(name, step.id, "email", step.template, step.subject))
            elif isinstance(step, ir.CallStep):
                out.append(Touchpoint(name, step.id, "call", step.brief))
            elif isinstance(step, ir.VoicemailStep):
                out.append(Touchpoint(name, step.id, "voicemail", step.script, mode=step.mode))
            elif isinstance(step, ir.LetterStep):
                out.append(Touchpoint(name, step.id, "letter", step.template))
    return tuple(out)


def prequalified(plan: ir.Plan, lead: Mapping[str, Any], at: datetime) -> bool:
    """Whether the cadence's pre-qualification lets ``lead`` in at ``at``."""
    command = _enrolled(plan, lead, at).next_command(at)
    return not (isinstance(command, Finish) and command.by == "prequalify")


def quiet_path(plan: ir.Plan, lead: Mapping[str, Any], at: datetime,
               wanted: int) -> tuple[dict[tuple[str, str, str], Moment], str]:
    """Follow a lead that never answers from ``at``, as the workflow would.

    Returns:
        The first moment of each touch reached, by ``(plan, step id, variant)``, and why the lead gets no
        touch at all (pre-qualification rejects it) or ``""``. Stops once ``wanted`` touches were
        reached, at the end of the nurture, or at :data:`HORIZON`.
    """
    engine = _enrolled(plan, lead, at)
    by_name = plans(plan)
    moments: dict[tuple[str, str, str], Moment] = {}
    now, touched = at, False
    for _ in range(MAX_COMMANDS):
        if len(moments) >= wanted or now - at > HORIZON:
            break
        try:
            command = engine.next_command(now)
        except EngineError:
            break
        if isinstance(command, Wait):
            if command.until is None:
                break
            now = max(now, command.until)
        elif isinstance(command, (Touch, OpenTask)):
            touched = True
            source = engine.plan.template(command.template)
            email = isinstance(command, Touch) and command.channel == "email"
            context = engine.context_for(now, command.step_id, command.iteration,
                                         *((source, command.subject) if email else (source,)))
            variant = command.variant if isinstance(command, Touch) else ""
            moments.setdefault((engine.plan.name, command.step_id, variant),
                               Moment(now, context, command.iteration, engine.tz))
            if isinstance(command, OpenTask):
                engine.task_opened(command, "(preview)", now)
            else:
                engine.touch_done(command, now, **_outcome(command, engine, context))
        elif isinstance(command, SwitchTrack):
            engine.plan = by_name[command.track]
            engine.switch_to(engine.plan, now, command.reason)
        elif isinstance(command, Finish):
            if command.by == "prequalify" and not touched:
                why = command.summary.removeprefix("pre-qualification: ")
                return moments, f"pre-qualification rejects this lead: {why}"
            if command.outcome == "handoff" and command.deliver and engine.plan.acceptance is not None:
                engine.handed_off(command, now)
                continue
            break
    return moments, ""


def enrollment_moment(plan: ir.Plan, point: Touchpoint, lead: Mapping[str, Any], at: datetime) -> Moment:
    """The context of ``point`` for a lead just enrolled (past pre-qualification, on the point's track)."""
    engine = _enrolled(plan, lead, at)
    engine.next_command(at)
    if point.plan != plan.name:
        engine.plan = plans(plan)[point.plan]
        engine.switch_to(engine.plan, at, "shown as at enrollment")
    source = engine.plan.template(point.template)
    sources = (source, point.subject) if point.channel == "email" else (source,)
    return Moment(at, engine.context_for(at, point.step_id, 0, *sources), 0, engine.tz, on_path=False)


def _enrolled(plan: ir.Plan, lead: Mapping[str, Any], at: datetime) -> Engine:
    return Engine.start(plan, dict(lead), at, workflow_id_for(str(lead.get("id", "lead"))))


def _outcome(command: Touch, engine: Engine, context: Mapping[str, Any]) -> dict[str, str]:
    """What the activity reports for an automatic touch, as the simulator records it."""
    lead = engine.state.lead
    if command.channel == "email":
        try:
            subject = templating.render(command.subject, {**context, "lead": dict(lead)}, name="subject")
        except templating.TemplateError:
            subject = command.subject  # reported where the email itself is rendered
        return {"outcome": "sent", "detail": " ".join(subject.split())}
    if command.channel == "letter":
        if not lead.get("address_line1") or not (lead.get("city") or lead.get("postal_code")):
            return {"outcome": "failed", "detail": f"lead {lead.get('id')} has no postal address"}
        return {"outcome": "written", "detail": "preview"}
    if not lead.get("phone"):
        return {"outcome": "skipped", "detail": "lead has no phone number"}
    return {"outcome": "dropped", "detail": "preview"}


__all__ = ["HORIZON", "MAX_COMMANDS", "Moment", "enrollment_moment", "plans", "prequalified", "quiet_path",
           "touchpoints"]
