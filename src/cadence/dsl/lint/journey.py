"""``few-touches`` and ``few-media``: how soon a cadence gives up on a lead that never answers.

The journey of such a lead runs from the first step through the step graph
(no events: a lead that replied is not "no response"). Touches are the touch
steps it passes, done or planned (a task nobody did still counts: the cadence
planned it). A loop's ``then`` comes after all its rounds, each one at least
the fewest touches from ``back_to`` round to the loop; a gate rule's
``touches >= N`` raises the count to N. The counts are lower bounds, so a
warning means some lead can really be given up that soon.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cadence import vocabulary as vocab
from cadence.dsl.lint.model import Finding, LintContext
from cadence.dsl.lint.moves import Move, StepGraph
from cadence.dsl.lint.rules import MIN_MEDIA, MIN_TOUCHES, NO_RESPONSE
from cadence.dsl.schema import label

Allowed = Callable[[Move], bool]


@dataclass(frozen=True)
class Walk:
    """The fewest touches on the way to a move's end, and the moves taken."""

    touches: int
    moves: tuple[Move, ...]


def fewest_touches(graph: StepGraph, allowed: Allowed, start: int = 0, goal: int | None = None,
                   depth: int = 0) -> tuple[dict[int, Walk], dict[Move, Walk]]:
    """Dijkstra over the touches: the best walk to each step, and to each move that ends the nurture.

    ``goal`` stops at that step (used for a loop's round); nested loops inside
    a round count their ``then`` as free, which keeps the bound a lower bound.
    """
    best: dict[int, Walk] = {start: Walk(0, ())}
    ends: dict[Move, Walk] = {}
    queue: list[tuple[int, int]] = [(0, start)]
    leaving = graph.leaving
    while queue:
        touches, node = heapq.heappop(queue)
        here = best[node]
        if touches > here.touches or node == goal:
            continue
        for move in leaving(node):
            if not allowed(move):
                continue
            count = touches + (1 if move.touch else 0)
            if move.rounds and move.back_to is not None:
                if depth:
                    round_touches = 0
                else:
                    inner, _ = fewest_touches(graph, allowed, move.back_to, node, depth + 1)
                    if node not in inner:
                        continue  # the rounds cannot be done on these channels
                    round_touches = inner[node].touches
                count += move.rounds * round_touches
            count = max(count, move.guard)
            # A walk is built only when it is kept: most moves examined improve nothing.
            target = move.target
            if target is None:
                known = ends.get(move)
                if known is None or count < known.touches:
                    ends[move] = Walk(count, here.moves + (move,))
            else:
                known = best.get(target)
                if known is None or count < known.touches:
                    best[target] = Walk(count, here.moves + (move,))
                    heapq.heappush(queue, (count, target))
    return best, ends


def _gives_up(move: Move) -> bool:
    return move.end is not None and move.end.kind == "disqualify" and move.end.value == NO_RESPONSE


def _touched(graph: StepGraph, walk: Walk) -> str:
    """``email 'intro', call 'follow-up' and 2 rounds of loop 'again'``."""
    parts = []
    for move in walk.moves:
        if move.touch and move.source is not None:
            parts.append(graph.name(move.source))
        if move.rounds and move.source is not None:
            parts.append(f"{move.rounds} rounds of loop '{graph.ids[move.source]}'")
    return ", ".join(parts) if parts else "none"


def few_touches(ctx: LintContext) -> Iterator[Finding]:
    """Give-ups (``disqualify: no_response``) a silent lead can reach with fewer than seven touches."""
    graph = ctx.graph
    _best, ends = fewest_touches(graph, lambda move: move.source is not None)
    for move, walk in sorted(ends.items(), key=lambda item: str(item[0].path)):
        if _gives_up(move) and walk.touches < MIN_TOUCHES:
            noun = "touch" if walk.touches == 1 else "touches"
            yield Finding(
                "few-touches", move.path,
                f"{label(move.path)}: a lead that never answers can be disqualified {NO_RESPONSE} here after "
                f"{walk.touches} {noun} ({_touched(graph, walk)}); leads that reached sales were typically touched "
                f"at least {MIN_TOUCHES} times",
                "add touches before giving up, or move silent leads to a slower long-term track "
                "(track: NAME) instead of disqualifying them")


def few_media(ctx: LintContext) -> Iterator[Finding]:
    """Give-ups a silent lead can reach after touches on a single channel."""
    graph = ctx.graph
    reported: set[Move] = set()
    for channel in vocab.TOUCH_KINDS:
        _best, ends = fewest_touches(graph, lambda move, c=channel: move.source is not None and move.touch in (None, c))
        for move, walk in sorted(ends.items(), key=lambda item: str(item[0].path)):
            if _gives_up(move) and walk.touches and move not in reported:
                reported.add(move)
                yield Finding(
                    "few-media", move.path,
                    f"{label(move.path)}: a lead that never answers can be disqualified {NO_RESPONSE} here after "
                    f"touches by {channel} only ({_touched(graph, walk)}); leads that reached sales were contacted "
                    f"on at least {MIN_MEDIA} media (phone, voicemail, email, letter)",
                    f"add a touch on another channel than {channel} on the way to this step")


__all__ = ["Walk", "few_media", "few_touches", "fewest_touches"]
