"""``unreachable-gate`` and ``endless-track``: decisions that never happen, leads that never end.

The validator already rejects steps no move leads to and cycles that no
loop's rounds bound (a loop whose ``then`` leads back into it included). What
it cannot see needs the gate conditions or the other files: a rule that an
earlier rule always pre-empts (the first rule that holds decides), a step only
such rules lead to, and a track that only ever moves leads on to other tracks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cadence.dsl.lint.model import Finding, LintContext
from cadence.dsl.lint.moves import StepGraph
from cadence.dsl.schema import label

_ENDS = ("handoff", "disqualify")


def unreachable_gate(ctx: LintContext) -> Iterator[Finding]:
    """Gate rules that can never apply, and the steps only they lead to."""
    graph = ctx.graph
    reachable = graph.reachable(live=False)
    for move in graph.moves:
        if move.dead and move.source in reachable:
            where = move.path[:4]
            if move.dead.startswith("its condition"):
                yield Finding("unreachable-gate", where, f"{label(where)}: this rule can never apply: {move.dead}",
                              "fix the condition, or remove the rule")
            else:
                yield Finding("unreachable-gate", where,
                              f"{label(where)}: this rule can never apply: {move.dead}, and the first rule that holds "
                              "decides", "put the narrower rule first, or remove this one")
    live = graph.reachable()
    fed = {m.target for m in graph.moves if m.source is not None and m.source not in live}
    for i in sorted(reachable - live):
        if i in fed:
            continue  # reported where the unreachable part starts
        ways = [label(m.path[:4]) for m in graph.moves if m.target == i and m.dead]
        yield Finding("unreachable-gate", ("steps", i),
                      f"steps[{i}]: step '{graph.ids[i]}' can never be reached: the only way in is through "
                      f"{_listed(ways)}, which can never apply",
                      "fix the rule that should lead here, or remove the step")


def endless_track(ctx: LintContext) -> Iterator[Finding]:
    """Tracks from which no lead ever ends (a loop whose ``then`` leads back in is a validation error)."""
    graph = ctx.graph
    verdicts = _tracks_end(ctx)
    for move in graph.moves:
        if move.end is None or move.end.kind != "track" or move.dead:
            continue
        if move.source is not None and move.source not in graph.reachable():
            continue
        verdict = verdicts.get(move.end.value)
        if verdict is not None and not verdict[0]:
            onward = verdict[1]
            tail = f" (it only moves leads on to {_listed(onward)})" if onward else ""
            yield Finding("endless-track", move.path,
                          f"{label(move.path)}: track '{move.end.value}' never ends: no path through it reaches "
                          f"handoff or disqualify{tail}, so a lead that never answers moves between tracks for good",
                          "give the track a last step such as disqualify: no_response")


def _can_end(graph: StepGraph, kinds: tuple[str, ...]) -> set[int]:
    """Steps from which a live move ending the nurture in one of ``kinds`` can be reached."""
    found = {m.source for m in graph.moves if m.end is not None and m.end.kind in kinds and not m.dead
             and m.source is not None}
    # Walk the live moves backwards from there: one pass, where sweeping every move until nothing
    # changed took a sweep per step of a long cadence.
    into: dict[int, list[int]] = {}
    for m in graph.moves:
        if m.source is not None and not m.dead and m.target is not None:
            into.setdefault(m.target, []).append(m.source)
    todo = list(found)
    while todo:
        for source in into.get(todo.pop(), ()):
            if source not in found:
                found.add(source)
                todo.append(source)
    return found


def _tracks_end(ctx: LintContext) -> dict[str, tuple[bool, list[str]]]:
    """For each track this file names: whether a lead that never answers ends through it, and its onward tracks.

    A file ends when its first step reaches handoff or disqualify, or a track
    that ends, without events (the least fixpoint over every file reachable by
    tracks). A file that cannot be read counts as ending: no warning is better
    than a wrong one.
    """
    named = {m.end.value: ctx.tracks(ctx.file, m.end.value)
             for m in ctx.graph.moves if m.end is not None and m.end.kind == "track" and not m.dead}
    files: dict[Path, StepGraph | None] = {ctx.file: ctx.graph}
    files.update({found[0]: found[1] for found in named.values() if found is not None})
    onward: dict[Path, dict[str, Path | None]] = {}
    todo = list(files)
    while todo:
        file = todo.pop()
        graph = files[file]
        onward[file] = {}
        if graph is None:
            continue
        first = graph.reachable(events=False)
        for m in graph.moves:
            if m.end is None or m.end.kind != "track" or m.dead or m.source not in first:
                continue
            found = ctx.tracks(file, m.end.value)
            onward[file][m.end.value] = found[0] if found else None
            if found and found[0] not in files:
                files[found[0]] = found[1]
                todo.append(found[0])
    ends = {f for f, g in files.items() if g is None or 0 in _can_end(g, _ENDS)}
    changed = True
    while changed:
        changed = False
        for file, targets in onward.items():
            if file not in ends and any(t is None or t in ends for t in targets.values()):
                ends.add(file)
                changed = True
    return {name: (found[0] in ends, sorted(onward.get(found[0], {})))
            for name, found in named.items() if found is not None}


def _listed(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


__all__ = ["endless_track", "unreachable_gate"]
