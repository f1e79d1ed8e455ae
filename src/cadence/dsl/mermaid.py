"""Render a compiled plan as a Mermaid flowchart a marketer can paste into docs."""

from __future__ import annotations

from cadence import ir

_SHAPES = {
    "email": ('["', '"]'),
    "call": ('["', '"]'),
    "voicemail": ('["', '"]'),
    "letter": ('["', '"]'),
    "wait": ('("', '")'),
    "gate": ('{"', '"}'),
    "loop": ('[["', '"]]'),
    "action": ('(["', '"])'),
}


def escape(text: str) -> str:
    """Make ``text`` safe inside a quoted Mermaid label."""
    text = " ".join(text.split())
    for char, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        text = text.replace(char, entity)
    return text


def to_mermaid(plan: ir.Plan) -> str:
    """Return a ``flowchart TD`` of ``plan``: steps, waits on edges, gate rules as labelled edges, exits as end nodes."""
    index = {s.id: i for i, s in enumerate(plan.steps)}
    lines = ["flowchart TD", f'  start(["start: {escape(plan.name)}"])']
    exits: dict[str, str] = {}
    edges: list[str] = []

    def target(action: ir.Action) -> str | None:
        if isinstance(action, ir.GotoAction):
            return f"s{index[action.step]}" if action.step in index else None
        if isinstance(action, ir.ContinueAction):
            return None
        if isinstance(action, ir.HandoffAction):
            key, text = f"handoff:{action.to}", f"hand off to {action.to}"
        elif isinstance(action, ir.DisqualifyAction):
            key, text = f"disqualify:{action.reason}", f"disqualify: {action.reason}"
        else:
            assert isinstance(action, ir.TrackAction)
            key, text = f"track:{action.track}", f"long-term track: {action.track}"
        if key not in exits:
            exits[key] = f"x{len(exits)}"
            lines_exit.append(f'  {exits[key]}(["{escape(text)}"])')
        return exits[key]

    def edge(source: str, dest: str | None, label: str = "", dotted: bool = False) -> None:
        if dest is None:
            return
        arrow = "-.->" if dotted else "-->"
        edges.append(f'  {source} {arrow}|"{escape(label)}"| {dest}' if label else f"  {source} {arrow} {dest}")

    lines_exit: list[str] = []
    if plan.steps:
        edge("start", "s0")
    for i, step in enumerate(plan.steps):
        node = f"s{i}"
        nxt = f"s{i + 1}" if i + 1 < len(plan.steps) else None
        left, right = _SHAPES[step.kind]
        lines.append(f"  {node}{left}{escape(_title(step))}{right}")
        if step.kind in ir.TOUCH_KINDS:
            wait = getattr(step, "wait", None)
            edge(node, nxt, f"wait {wait}" if wait else "")
            for rule in getattr(step, "on_outcome", ()):
                edge(node, target(rule.action), f"outcome: {rule.outcome}")
            missed = getattr(step, "on_missed", None)
            if missed is not None and not isinstance(missed, ir.ContinueAction):
                edge(node, target(missed), "missed")
        elif isinstance(step, ir.WaitStep):
            edge(node, nxt, f"wait {step.duration}")
        elif isinstance(step, ir.GateStep):
            for rule in step.rules:
                edge(node, target(rule.action), rule.condition if rule.condition is not None else "else")
        elif isinstance(step, ir.LoopStep):
            edge(node, f"s{index[step.back_to]}", f"every {step.every}, up to {step.times} times")
            edge(node, target(step.then), "after the last round")
        elif isinstance(step, ir.ActionStep):
            edge(node, target(step.action))
    for handler in plan.events:
        dest = target(handler.action)
        if dest is not None:
            if '  events(("any time"))' not in lines:
                lines.append('  events(("any time"))')
            edge("events", dest, f"on {handler.event.replace('_', ' ')}", dotted=True)
    return "\n".join(lines + lines_exit + edges) + "\n"


def _title(step: ir.Step) -> str:
    if isinstance(step, ir.EmailStep):
        extra = f" (A/B: {', '.join(v.name for v in step.variants)})" if step.variants else ""
        return f"email: {step.id}{extra}"
    if isinstance(step, (ir.CallStep, ir.VoicemailStep, ir.LetterStep)):
        return f"{step.kind}: {step.id}"
    if isinstance(step, ir.WaitStep):
        return f"wait: {step.id}"
    if isinstance(step, ir.GateStep):
        return f"gate: {step.id}"
    if isinstance(step, ir.LoopStep):
        return f"loop: {step.id}"
    assert isinstance(step, ir.ActionStep)
    return f"{step.action.kind}: {step.id}"


__all__ = ["escape", "to_mermaid"]
