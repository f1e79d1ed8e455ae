"""``handoff-without-evidence``: handoffs that rest on nothing the lead did or told.

Evidence is a condition that reads the qualification attributes
(``qualified``, ``qualified_count``, ``qualification``, ``missing``), the
``score``, engagement (``engaged``, ``engagement``, ``replies``, ``meetings``,
``connected_calls``) or ``last_outcome``; or a move that is engagement itself
(a reply, a booked meeting, a call-back request, a call outcome other than
``no_answer``, ``wrong_number``, ``voicemail_left``, ``not_interested``).
Touch counts, days and the lead's own fields are not: they say what the cadence
did, or who the lead is on paper.
"""

from __future__ import annotations

from collections.abc import Iterator

from cadence.dsl.lint.model import Finding, LintContext
from cadence.dsl.lint.moves import Move, StepGraph
from cadence.dsl.schema import label

_HINT = "hand off from a gate rule that checks what sales needs, like if: \"qualified_count >= 6 and engaged\""


def handoff_without_evidence(ctx: LintContext) -> Iterator[Finding]:
    """Every handoff that no evidence leads to."""
    graph = ctx.graph
    reachable = graph.reachable()
    for move in graph.moves:
        if move.dead or move.end is None or move.end.kind != "handoff" or move.evidence:
            continue
        if move.source is not None and move.source not in reachable:
            continue
        if move.source is not None and graph.kinds[move.source] == "handoff":
            yield from _handoff_step(graph, move.source, reachable)
            continue
        if move.via.startswith("rule "):
            rule = move.path[:4]
            yield Finding("handoff-without-evidence", rule + ("if",), f"{label(rule)}: {_why(graph, move)}", _HINT)
        else:
            yield Finding("handoff-without-evidence", move.path, f"{label(move.path)}: {_why(graph, move)}", _HINT)


def _why(graph: StepGraph, move: Move) -> str:
    """What the handoff rests on, in words."""
    if move.via.startswith("rule "):
        return (f"this rule hands the lead to sales on '{graph.conditions.get(move.path[:4], '')}' alone: it reads no "
                "qualification attribute, score or engagement")
    if move.via == "else":
        return ("the gate hands the lead to sales when no rule holds, and no earlier rule that reads qualification, "
                "score or engagement sends the others elsewhere")
    if move.via == "missed":
        return "a task nobody did hands the lead to sales: nothing was learned about it"
    if move.via == "on_failure":
        return "an email that could not be sent hands the lead to sales: nothing was learned about it"
    if move.via == "loop then":
        return ("after its last round the loop hands the lead to sales without checking anything: a lead that never "
                "answered would go too")
    if move.via.startswith("outcome "):
        return (f"the outcome '{move.via.removeprefix('outcome ')}' hands the lead to sales, but it says nothing about "
                "its interest or qualification")
    if move.via.startswith("event "):
        return (f"the event '{move.via.removeprefix('event ')}' hands the lead to sales, but it says nothing about its "
                "interest or qualification")
    return "this handoff checks no qualification attribute, score or engagement"


def _handoff_step(graph: StepGraph, index: int, reachable: set[int]) -> Iterator[Finding]:
    """A step that is only a handoff: every way into it must carry evidence (waits and gotos pass it on)."""
    bare: list[str] = []
    seen: set[int] = set()
    todo = [index]
    if index == 0:
        bare.append("it is the first step")
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for move in graph.entering(node):
            if move.evidence or (move.source is not None and move.source not in reachable):
                continue
            if move.source is not None and graph.kinds[move.source] in ("wait", "goto"):
                todo.append(move.source)
            elif move.source is None:
                bare.append(f"{move.via} leads to it")
            elif move.touch:
                bare.append(f"it follows {graph.name(move.source)}" + (" when nobody did the task" if move.missed else ""))
            else:
                bare.append(f"{label(move.path)} leads to it")
    if bare:
        where = ("steps", index, "handoff")
        yield Finding("handoff-without-evidence", where,
                      f"steps[{index}]: step '{graph.ids[index]}' hands the lead to sales without a check: "
                      f"{'; '.join(dict.fromkeys(bare))}", _HINT, key=True)


__all__ = ["handoff_without_evidence"]
