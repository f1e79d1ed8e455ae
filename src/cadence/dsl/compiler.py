"""Compile a validated cadence file into a sealed :class:`cadence.ir.Plan`.

Decisions the compiler makes (see docs/language.md):

* ``continue`` in a gate rule or a loop's ``then`` means "the next step" and
  is compiled to an explicit :class:`~cadence.ir.GotoAction`, so the engine
  never has to guess; elsewhere (events, call outcomes) it stays
  :class:`~cadence.ir.ContinueAction` ("record it and carry on").
* ``reassess: GATE`` becomes ``GotoAction(GATE)``.
* Without an ``unsubscribe`` handler the plan gets ``disqualify: opted_out``,
  and ``opted_out`` is always among the plan's disqualify reasons.
* Tracks are compiled from ``<same dir>/<name>.yaml`` and flattened into the
  top plan's ``tracks`` (each with no tracks of its own), including the top
  cadence itself when a track leads back to it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from cadence import ir
from cadence import vocabulary as vocab
from cadence.dsl.errors import ValidationFailed
from cadence.dsl.loader import Document
from cadence.dsl.validator import DEFAULT_HANDOFF_TO, Session, track_path


def compile_file(path: str | Path, templates_dir: str | Path | None = None, *, session: Session | None = None) -> ir.Plan:
    """Validate and compile the cadence file at ``path``.

    Args:
        path: the cadence YAML file.
        templates_dir: where templates live; default: the nearest ``templates/``
            directory walking up from the file's directory.
        session: caches to share with other validations of the same run.

    Returns:
        The sealed plan (``sha256`` set), with templates and tracks embedded.

    Raises:
        ValidationFailed: listing every error when the file (or a track it uses) is invalid.
    """
    if session is None:
        session = Session(Path(templates_dir) if templates_dir is not None else None)
    errors = session.validate(path)
    if errors:
        raise ValidationFailed(errors)
    return _Linker(session).link(Path(os.path.abspath(path)))


class _Linker:
    """Compiles a file and every track reachable from it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.plans: dict[Path, ir.Plan] = {}

    def link(self, top: Path) -> ir.Plan:
        order = [top]
        names: dict[Path, str] = {}
        index = 0
        while index < len(order):
            file = order[index]
            index += 1
            plan = self.base_plan(file)
            names[file] = plan.name
            for name in _track_names(plan):
                target = track_path(file, name)
                assert target is not None, "validated"
                target = Path(os.path.abspath(target))
                if target not in order:
                    order.append(target)
        reached = {t.track for file in order for t in _track_actions(self.plans[file])}
        tracks = sorted((self.plans[f] for f in order if names[f] in reached), key=lambda p: p.name)
        return ir.seal(_replace(self.plans[top], tracks=tuple(tracks)))

    def base_plan(self, file: Path) -> ir.Plan:
        """The plan of one file, without tracks, sealed."""
        if file not in self.plans:
            doc = self.session.documents[file]
            templates_dir = self.session.templates_for(file)
            self.plans[file] = ir.seal(build_plan(doc, templates_dir))
        return self.plans[file]


def build_plan(doc: Document, templates_dir: Path | None) -> ir.Plan:
    """Build the (unsealed, trackless) plan of a validated document."""
    from cadence import schedule as sched_mod

    data = doc.data
    steps_data: list[dict[str, Any]] = data["steps"]
    ids = [s["id"] for s in steps_data]
    steps = tuple(_step(s, ids[i + 1] if i + 1 < len(ids) else None) for i, s in enumerate(steps_data))
    reasons = list(data["disqualify_reasons"])
    if vocab.OPTED_OUT not in reasons:
        reasons.append(vocab.OPTED_OUT)
    events_data = data.get("on") or {}
    events = []
    for event in ir.EVENT_KINDS:
        if event in events_data:
            events.append(ir.EventHandler(event, _action(events_data[event], None)))  # type: ignore[arg-type]
        elif event == "unsubscribe":
            events.append(ir.EventHandler("unsubscribe", ir.DisqualifyAction(vocab.OPTED_OUT)))
    qualification = data.get("qualification")
    return ir.Plan(
        name=data["cadence"],
        steps=steps,
        schedule=_schedule(data["schedule"], sched_mod),
        description=data.get("description", ""),
        owner=data.get("owner", ""),
        version_label=data.get("version", ""),
        qualification=tuple(qualification) if qualification else ir.DEFAULT_QUALIFICATION,
        lead_fields=tuple(data.get("lead_fields") or ()),
        disqualify_reasons=tuple(reasons),
        prequalify=tuple(ir.PrequalRule(r["reject_if"], r["reason"], r.get("note", "")) for r in data.get("prequalify") or ()),
        lists=tuple(ir.NamedList(name, tuple(values)) for name, values in (data.get("lists") or {}).items()),
        events=tuple(events),
        acceptance=_acceptance(data.get("acceptance")),
        inbound=_inbound(data.get("inbound") or {}),
        templates=_templates(steps, templates_dir),
    )


def _acceptance(data: dict[str, Any] | None) -> ir.Acceptance | None:
    if not data:
        return None
    deadline = _duration(data["deadline"])
    assert deadline is not None, "validated"
    return ir.Acceptance(deadline=deadline, recycle=data["recycle"], escalate_to=data.get("escalate_to", ""))


def _inbound(data: dict[str, Any]) -> ir.InboundRules:
    pause = _duration(data.get("out_of_office_pause"), ir.DEFAULT_OUT_OF_OFFICE_PAUSE)
    assert pause is not None, "defaulted"
    return ir.InboundRules(soft_bounces=int(data.get("soft_bounces", vocab.SOFT_BOUNCES)), out_of_office_pause=pause)


def _schedule(data: dict[str, Any], sched_mod: Any) -> ir.Schedule:
    timezone = data["timezone"]
    holidays = data.get("holidays") or []
    if isinstance(holidays, str):
        holidays = [holidays]
    sets = [h for h in dict.fromkeys(holidays) if h in sched_mod.HOLIDAY_SETS]
    dates = {h for h in holidays if h not in sched_mod.HOLIDAY_SETS}
    for name in sets:
        dates.update(sched_mod.holiday_dates(name))
    hours = data.get("business_hours")
    return ir.Schedule(
        timezone=timezone,
        default_timezone=data.get("default_timezone") or timezone,
        business_hours=sched_mod.parse_business_hours(hours) if hours else None,
        holidays=tuple(sorted(dates)),
        holiday_sets=tuple(sets),
        spread=_duration(data.get("spread")),
    )


def _duration(text: str | None, default: ir.Duration | None = None) -> ir.Duration | None:
    if text is None:
        return default
    from cadence import schedule as sched_mod

    return sched_mod.parse_duration(text)


def _action(data: Any, next_id: str | None) -> ir.Action:
    """Compile an action; ``next_id`` set means ``continue`` is "go to the next step"."""
    if data == "continue":
        return ir.GotoAction(next_id) if next_id is not None else ir.ContinueAction()
    ((key, value),) = data.items()
    if key in ("goto", "reassess"):
        return ir.GotoAction(value)
    if key == "disqualify":
        return ir.DisqualifyAction(value)
    if key == "track":
        return ir.TrackAction(value)
    value = value or {}
    return ir.HandoffAction(to=value.get("to", DEFAULT_HANDOFF_TO), dossier=tuple(value.get("dossier") or ()))


def _step(data: dict[str, Any], next_id: str | None) -> ir.Step:
    step_id = data["id"]
    wait = _duration(data.get("wait"))
    if "email" in data:
        e = data["email"]
        variants = tuple(ir.EmailVariant(v["name"], int(v["weight"]), v["template"], v["subject"]) for v in e.get("variants") or ())
        return ir.EmailStep(
            id=step_id,
            template=e.get("template") or variants[0].template,
            subject=e.get("subject") or variants[0].subject,
            sender=e.get("from"),
            reply_to=e.get("reply_to"),
            variants=variants,
            wait=wait,
            retry_for=_duration(e.get("retry_for")),
            on_failure=_action(e.get("on_failure", "continue"), None),
        )
    if "call" in data:
        c = data["call"]
        return ir.CallStep(id=step_id, brief=c["brief"], wait=wait,
                           **_task(c, ir.DEFAULT_CALL_DUE, ir.DEFAULT_CALL_OUTCOMES))
    if "voicemail" in data:
        v = data["voicemail"]
        return ir.VoicemailStep(id=step_id, script=v["script"], mode=v.get("mode", "person"), wait=wait,
                                **_task(v, ir.DEFAULT_VOICEMAIL_DUE, ir.DEFAULT_VOICEMAIL_OUTCOMES))
    if "letter" in data:
        letter = data["letter"]
        return ir.LetterStep(id=step_id, template=letter["template"], paper=letter.get("paper", "letter"),
                             return_address=letter.get("return_address", ""), wait=wait)
    if "gate" in data:
        rules = []
        for rule in data["gate"]:
            if "else" in rule:
                rules.append(ir.GateRule(None, _action(rule["else"], next_id)))
            else:
                key = next(k for k in vocab.ACTION_KINDS if k in rule)
                rules.append(ir.GateRule(rule["if"], _action({key: rule[key]}, next_id)))
        return ir.GateStep(id=step_id, rules=tuple(rules))
    if "loop" in data:
        loop = data["loop"]
        return ir.LoopStep(id=step_id, back_to=loop["back_to"], every=_duration(loop["every"]),  # type: ignore[arg-type]
                           times=int(loop["times"]), then=_action(loop.get("then", "continue"), next_id))
    for key in vocab.ACTION_KINDS:
        if key in data:
            return ir.ActionStep(id=step_id, action=_action({key: data[key]}, None))
    return ir.WaitStep(id=step_id, duration=wait)  # type: ignore[arg-type]


def _task(task: dict[str, Any], due: ir.Duration, outcomes: tuple[str, ...]) -> dict[str, Any]:
    """The fields every task step (call, voicemail) has, with the kind's default ``due`` and ``outcomes``."""
    return {
        "assignee": task.get("assignee", vocab.DEFAULT_ASSIGNEE),
        "due": _duration(task.get("due"), due),
        "outcomes": tuple(task.get("outcomes") or outcomes),
        "on_outcome": _outcomes(task),
        "on_missed": _action(task.get("on_missed", "continue"), None),
    }


def _outcomes(task: dict[str, Any]) -> tuple[ir.OutcomeRule, ...]:
    return tuple(ir.OutcomeRule(outcome, _action(action, None)) for outcome, action in (task.get("on_outcome") or {}).items())


def _templates(steps: tuple[ir.Step, ...], templates_dir: Path | None) -> tuple[ir.TemplateSource, ...]:
    paths = {path for step in steps for path in ir.template_paths(step) if path}
    assert templates_dir is not None or not paths, "validated: templates were found"
    return tuple(ir.TemplateSource(p, (templates_dir / p).read_text(encoding="utf-8")) for p in sorted(paths))  # type: ignore[operator]


def _walk_actions(plan: ir.Plan) -> list[ir.Action]:
    actions: list[ir.Action] = [h.action for h in plan.events]
    for step in plan.steps:
        if isinstance(step, ir.GateStep):
            actions.extend(r.action for r in step.rules)
        elif isinstance(step, (ir.CallStep, ir.VoicemailStep)):
            actions.extend(r.action for r in step.on_outcome)
            actions.append(step.on_missed)
        elif isinstance(step, ir.LoopStep):
            actions.append(step.then)
        elif isinstance(step, ir.EmailStep):
            actions.append(step.on_failure)
        elif isinstance(step, ir.ActionStep):
            actions.append(step.action)
    if plan.acceptance is not None:
        actions.append(ir.TrackAction(plan.acceptance.recycle))
    return actions


def _track_actions(plan: ir.Plan) -> list[ir.TrackAction]:
    return [a for a in _walk_actions(plan) if isinstance(a, ir.TrackAction)]


def _track_names(plan: ir.Plan) -> list[str]:
    return list(dict.fromkeys(a.track for a in _track_actions(plan)))


def _replace(plan: ir.Plan, **changes: Any) -> ir.Plan:
    return dataclasses.replace(plan, **changes)


__all__ = ["build_plan", "compile_file"]
