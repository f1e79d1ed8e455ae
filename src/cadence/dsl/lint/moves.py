"""The moves a lead can make through a valid cadence, with what each one costs and rests on.

Richer than :class:`cadence.dsl.graph.Flow` (which only knows step to step):
a move here also knows the touch done before it, the shortest time it takes,
whether the decision behind it reads evidence of readiness, the fewest touches
its condition requires, whether it is written in a gate rule that can never
apply, and how a nurture ends when it ends one. Built from validated data
only, so it trusts the shapes the validator checked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cadence import ir
from cadence import vocabulary as vocab
from cadence.dsl.lint import conditions
from cadence.dsl.lint.rules import NO_RESPONSE
from cadence.dsl.loader import PathT
from cadence.schedule import parse_duration

ENGAGED_OUTCOMES = frozenset({"connected", "meeting_booked", "call_back_later"})
"""Task outcomes the engine counts as engagement (a test holds them to ``cadence.engine.ENGAGEMENT_OUTCOMES``)."""
ENGAGED_EVENTS = frozenset({"reply", "meeting_booked", "callback_requested"})
"""Events the engine counts as engagement (a test holds them to ``cadence.engine.EVENT_COUNTERS``)."""
SILENT_OUTCOMES = frozenset({"no_answer", "wrong_number", "voicemail_left", "not_interested"})
"""Standard task outcomes that say nothing for a lead's readiness; a cadence's own outcomes get the benefit of the doubt."""


@dataclass(frozen=True)
class End:
    """How a nurture ends: ``handoff``, ``disqualify`` (``value`` the reason) or ``track`` (``value`` its name)."""

    kind: str
    value: str = ""


@dataclass(frozen=True)
class Move:
    """One way a lead moves on: from a step (``source``) or an event or acceptance (``source`` None)."""

    source: int | None
    """Step index the move leaves; ``None`` for an event handler or the acceptance's recycle track."""
    path: PathT
    """Where the move is written."""
    target: int | None = None
    """Step index the move enters; ``None`` when it ends the nurture here (see ``end``)."""
    end: End | None = None
    """How the nurture ends, when it does."""
    touch: str | None = None
    """Channel of the source step's touch, passed on the way (``None``: no touch)."""
    missed: bool = False
    """The source is a task nobody did: its touch was planned, not made."""
    delay: tuple[ir.Duration, ...] = ()
    """The shortest time the move takes: waits in order (the source's ``wait``, a loop's ``every``, a task's ``due``)."""
    evidence: bool = False
    """The decision reads evidence of readiness (qualification, score, engagement) or is engagement itself."""
    guard: int = 0
    """Fewest touches the lead has when the move's condition holds (``touches >= N``)."""
    dead: str = ""
    """Why the gate rule holding the move can never apply ("" when it can)."""
    rounds: int = 0
    """A loop's ``then``: rounds of ``back_to`` done before it (0 otherwise)."""
    back_to: int | None = None
    """A loop's ``then`` or back move: the step its rounds go back to."""
    via: str = ""
    """What the move is, for messages: ``rule 2``, ``else``, ``outcome connected``, ``event reply``..."""


@dataclass
class StepGraph:
    """Every move of one cadence file."""

    ids: tuple[str, ...]
    """Step ids, by index."""
    kinds: tuple[str, ...]
    """Step kinds (``email``, ..., ``wait``), by index."""
    moves: list[Move] = field(default_factory=list)
    conditions: dict[PathT, str] = field(default_factory=dict)
    """Gate rule conditions by the rule's path (``("steps", 4, "gate", 0)``)."""
    _by: tuple[Any, Any, Any] | None = field(default=None, repr=False)
    _reached: dict[tuple[bool, bool], set[int]] = field(default_factory=dict, repr=False)

    def leaving(self, index: int | None) -> list[Move]:
        """Live moves leaving step ``index`` (``None``: events and acceptance)."""
        return self._index()[0].get(index, [])

    def entering(self, index: int) -> list[Move]:
        """Live moves entering step ``index``."""
        return self._index()[1].get(index, [])

    def reachable(self, *, events: bool = True, live: bool = True) -> set[int]:
        """Steps reachable from the first one (and from event handlers with ``events``)."""
        key = (events, live)
        if key not in self._reached:
            todo = [0] if self.ids else []
            if events:
                todo += [m.target for m in self.moves if m.source is None and m.target is not None and not (live and m.dead)]
            out = self._index()[0] if live else self._index()[2]
            seen: set[int] = set()
            while todo:
                node = todo.pop()
                if node in seen:
                    continue
                seen.add(node)
                todo.extend(m.target for m in out.get(node, ()) if m.target is not None)
            self._reached[key] = seen
        return self._reached[key]

    def _index(self) -> tuple[dict[int | None, list[Move]], dict[int, list[Move]], dict[int | None, list[Move]]]:
        """Live moves by source and by target, and all moves by source (built once: the graph is complete by then)."""
        if self._by is None:
            live_out: dict[int | None, list[Move]] = {}
            live_in: dict[int, list[Move]] = {}
            all_out: dict[int | None, list[Move]] = {}
            for m in self.moves:
                all_out.setdefault(m.source, []).append(m)
                if not m.dead:
                    live_out.setdefault(m.source, []).append(m)
                    if m.target is not None:
                        live_in.setdefault(m.target, []).append(m)
            self._by = (live_out, live_in, all_out)
        return self._by

    def name(self, index: int) -> str:
        """``email 'intro'`` for messages."""
        return f"{self.kinds[index]} '{self.ids[index]}'"


def build(data: Mapping[str, Any]) -> StepGraph:
    """The moves of a validated cadence's data."""
    steps: list[dict[str, Any]] = data["steps"]
    ids = tuple(s["id"] for s in steps)
    graph = StepGraph(ids, tuple(_kind(s) for s in steps))
    index = {step_id: i for i, step_id in enumerate(ids)}
    add = graph.moves.append

    def action(value: Any, path: PathT, source: int | None, *, after: int | None, **kw: Any) -> Move:
        """The move an action makes; ``continue`` goes to ``after`` (the next step)."""
        if value == "continue":
            return _onwards(source, path, after, len(ids), **kw)
        ((key, target),) = value.items()
        where = path + (key,)
        if key in ("goto", "reassess"):
            return Move(source, where, target=index[target], **kw)
        return Move(source, where, end=End(key, target if isinstance(target, str) else ""), **kw)

    for i, step in enumerate(steps):
        kind = graph.kinds[i]
        here: PathT = ("steps", i)
        nxt = i + 1
        wait = _durations(step.get("wait"))
        body = step.get(kind)
        if kind in ("email", "letter") or (kind == "voicemail" and body.get("mode") == "drop"):
            add(_onwards(i, here + (kind,), nxt, len(ids), touch=kind, delay=wait))
            if kind == "email" and body.get("on_failure", "continue") != "continue":
                add(action(body["on_failure"], here + (kind, "on_failure"), i, after=None, via="on_failure"))
        elif kind in vocab.TASK_KINDS:
            defaults = vocab.CALL_OUTCOMES if kind == "call" else vocab.VOICEMAIL_OUTCOMES
            on_outcome = body.get("on_outcome") or {}
            outcomes = body.get("outcomes") or defaults
            for outcome, value in on_outcome.items():
                if value != "continue":
                    add(action(value, here + (kind, "on_outcome", outcome), i, after=None, touch=kind,
                               evidence=outcome not in SILENT_OUTCOMES, via=f"outcome {outcome}"))
            if any(on_outcome.get(o, "continue") == "continue" for o in outcomes):
                add(_onwards(i, here + (kind,), nxt, len(ids), touch=kind, delay=wait))
            due = _durations(body.get("due")) or (ir.Duration(*(vocab.CALL_DUE if kind == "call" else vocab.VOICEMAIL_DUE)),)
            missed = body.get("on_missed", "continue")
            if missed == "continue":
                add(_onwards(i, here + (kind,), nxt, len(ids), touch=kind, missed=True, delay=due + wait, via="missed"))
            else:
                add(action(missed, here + (kind, "on_missed"), i, after=None, touch=kind, missed=True, delay=due,
                           via="missed"))
        elif kind == "gate":
            graph.conditions.update({here + ("gate", r): rule["if"] for r, rule in enumerate(body) if "if" in rule})
            graph.moves.extend(_gate(body, here + ("gate",), i, action))
        elif kind == "loop":
            back = index[body["back_to"]]
            add(Move(i, here + ("loop", "back_to"), target=back, delay=_durations(body["every"]), back_to=back,
                     via="loop"))
            add(action(body.get("then", "continue"), here + ("loop", "then"), i, after=nxt, rounds=int(body["times"]),
                       back_to=back, via="loop then"))
        elif kind == "wait":
            add(_onwards(i, here + ("wait",), nxt, len(ids), delay=wait))
        else:
            add(action({kind: body}, here, i, after=None))
    for event, value in (data.get("on") or {}).items():
        if value != "continue" and event in ir.EVENT_KINDS:
            add(action(value, ("on", event), None, after=None, evidence=event in ENGAGED_EVENTS, via=f"event {event}"))
    acceptance = data.get("acceptance")
    if isinstance(acceptance, dict) and isinstance(acceptance.get("recycle"), str):
        add(Move(None, ("acceptance", "recycle"), end=End("track", acceptance["recycle"]), via="acceptance"))
    return graph


def _gate(rules: list[dict[str, Any]], where: PathT, i: int, action: Any) -> Iterator[Move]:
    """A gate's moves: each rule's action, with its evidence, guard and whether it can ever apply."""
    conds: list[str] = []
    moves: list[Move] = []
    for r, rule in enumerate(rules):
        cond = rule.get("if")
        dead = _dead(cond, conds)
        if cond is None:
            move = action(rule["else"], where + (r, "else"), i, after=i + 1, dead=dead, via="else")
            # An else rests on evidence when an earlier rule that reads it sent the other leads elsewhere.
            evidence = any(conditions.reads_evidence(c) and _destination(m) != _destination(move)
                           for c, m in zip(conds, moves))
            moves.append(dataclasses.replace(move, evidence=evidence))
        else:
            key = next(k for k in vocab.ACTION_KINDS if k in rule)
            moves.append(action({key: rule[key]}, where + (r,), i, after=i + 1, dead=dead, via=f"rule {r + 1}",
                                evidence=conditions.reads_evidence(cond), guard=conditions.fewest_touches(cond)))
            conds.append(cond)
    yield from moves


def _dead(cond: str | None, earlier: list[str]) -> str:
    """Why a rule with condition ``cond`` (``None``: the else) never applies after rules with ``earlier`` conditions."""
    for j, prior in enumerate(earlier):
        if conditions.constant(prior) is True:
            return f"rule {j + 1} ('{prior}') always holds"
        if cond is not None and conditions.implies(cond, prior):
            return f"rule {j + 1} ('{prior}') holds whenever it does"
        for k, other in enumerate(earlier[:j]):
            if conditions.complementary(other, prior):
                return f"rules {k + 1} ('{other}') and {j + 1} ('{prior}') together always hold"
    if cond is not None and conditions.never(cond):
        return f"its condition '{cond}' never holds"
    return ""


def _destination(move: Move) -> tuple[Any, ...]:
    return (move.target, move.end)


def _onwards(source: int | None, path: PathT, nxt: int | None, size: int, **kw: Any) -> Move:
    """A move to the next step; past the last one the engine gives up (the validator forbids it)."""
    if nxt is None or nxt >= size:
        return Move(source, path, end=End("disqualify", NO_RESPONSE), **kw)
    return Move(source, path, target=nxt, **kw)


def _durations(text: Any) -> tuple[ir.Duration, ...]:
    return _parsed(text) if isinstance(text, str) else ()


@lru_cache(maxsize=512)
def _parsed(text: str) -> tuple[ir.Duration, ...]:
    duration = parse_duration(text)
    return (duration,) if duration.amount else ()


def _kind(step: Mapping[str, Any]) -> str:
    return next((k for k in vocab.STEP_KINDS if k in step), "wait")


__all__ = ["ENGAGED_EVENTS", "ENGAGED_OUTCOMES", "SILENT_OUTCOMES", "End", "Move", "StepGraph", "build"]
