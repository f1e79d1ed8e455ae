"""The lead score: how much of the cadence's qualification is known.

Pure functions of the attributes a cadence tracks (``Plan.qualification``, in
its order) and the ones captured so far (the keys of ``LeadState.qualification``).
Standard library only; the engine, its condition context and the lead view read
the score through :meth:`cadence.engine.Engine.score`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from cadence import ir

BANT_LETTERS: tuple[frozenset[str], ...] = (
    frozenset({"budget"}),
    frozenset({"decision_makers", "decision_maker_engaged"}),
    frozenset({"pain_validated"}),
    frozenset({"decision_process", "urgency"}),
)
"""The four BANT letters of :data:`cadence.ir.DEFAULT_QUALIFICATION`; any attribute of a letter makes it known."""


def qualified(tracked: Sequence[str], captured: Collection[str]) -> list[str]:
    """Captured attributes, in the cadence's order (``tracked``)."""
    return [q for q in tracked if q in captured]


def missing(tracked: Sequence[str], captured: Collection[str]) -> list[str]:
    """Attributes not yet captured, in the cadence's order."""
    return [q for q in tracked if q not in captured]


def score(tracked: Sequence[str], captured: Collection[str]) -> int:
    """BANT-style score 0-100: 25 per letter known for the default attributes; a custom list: the share captured."""
    if tracked == ir.DEFAULT_QUALIFICATION:
        have = set(captured)
        return 25 * sum(1 for letter in BANT_LETTERS if letter & have)
    total = len(tracked) or 1
    return round(100 * len(qualified(tracked, captured)) / total)


__all__ = ["BANT_LETTERS", "missing", "qualified", "score"]
