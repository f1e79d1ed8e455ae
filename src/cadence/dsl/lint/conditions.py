"""What a gate condition checks, read from its Jinja2 syntax tree.

Enough logic to answer the lint rules' questions, never a theorem prover:
which variables a condition reads, the fewest touches it requires
(``touches >= 7``), whether it is a constant, and whether one condition
holds whenever another does (same conjuncts, or narrower bounds on the same
number). Every answer errs towards "don't know", which silences a warning
rather than inventing one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import jinja2
from jinja2 import nodes
from jinja2.parser import Parser

from cadence import templating
from cadence.dsl import expressions

EVIDENCE_NAMES: frozenset[str] = frozenset({
    "qualified", "qualified_count", "qualification", "missing",  # the qualification attributes
    "score",  # computed from them
    "engaged", "engagement", "replies", "meetings", "connected_calls",  # what the lead did
    "last_outcome",  # what the last call or event said
})
"""Condition variables that say something about the lead's readiness."""
OTHER_NAMES: frozenset[str] = frozenset({"lead", "lists", "touches", "touches_by_channel", "days", "stage"})
"""Condition variables that say what the cadence did, or who the lead is on paper: no evidence of readiness.

Together with :data:`EVIDENCE_NAMES` they are :data:`cadence.context.CONDITION_NAMES` (a test holds them to it)."""

_FLIPPED = {"gt": "lt", "gteq": "lteq", "lt": "gt", "lteq": "gteq", "eq": "eq"}


@dataclass(frozen=True)
class Bound:
    """``name`` lies in ``[low, high]`` (inclusive; integers where the constants are)."""

    name: str
    low: float
    high: float


@lru_cache(maxsize=1024)
def _parse(source: str) -> nodes.Expr | None:
    try:
        return Parser(templating.environment(), source, state="variable").parse_expression()
    except jinja2.TemplateSyntaxError:
        return None


@lru_cache(maxsize=4096)
def reads_evidence(source: str) -> bool:
    """Whether the condition reads any of :data:`EVIDENCE_NAMES`."""
    return any(name in EVIDENCE_NAMES for name, _line in expressions.expression_facts(source).names)


@lru_cache(maxsize=4096)
def constant(source: str) -> bool | None:
    """``True``/``False`` when the condition is a constant (``true``, ``1 > 2``), else ``None``."""
    expr = _parse(source)
    if expr is None:
        return None
    try:
        return bool(expr.as_const(nodes.EvalContext(templating.environment())))
    except Exception:  # noqa: BLE001 - nodes.Impossible and whatever folding a constant raises: not a constant
        return None


@lru_cache(maxsize=4096)
def never(source: str) -> bool:
    """Whether the condition can never hold: a false constant, or bounds on one number that exclude each other."""
    if constant(source) is False:
        return True
    expr = _parse(source)
    if expr is None:
        return False
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    for bound in (b for c in _conjuncts(expr) if (b := _bound(c)) is not None):
        low[bound.name] = max(low.get(bound.name, -math.inf), bound.low)
        high[bound.name] = min(high.get(bound.name, math.inf), bound.high)
    return any(low[name] > high[name] for name in low)


@lru_cache(maxsize=4096)
def fewest_touches(source: str) -> int:
    """The fewest touches a lead has when the condition holds (from ``touches >= N`` conjuncts), else 0."""
    expr = _parse(source)
    if expr is None:
        return 0
    lows = [b.low for c in _conjuncts(expr) if (b := _bound(c)) is not None and b.name == "touches"]
    return max((math.ceil(low) for low in lows if low != -math.inf), default=0)


@lru_cache(maxsize=4096)
def implies(narrow: str, wide: str) -> bool:
    """Whether ``wide`` holds whenever ``narrow`` does (each conjunct of ``wide`` follows from one of ``narrow``)."""
    a, b = _parse(narrow), _parse(wide)
    if a is None or b is None:
        return False
    have = _conjuncts(a)
    return all(any(_follows(h, need) for h in have) for need in _conjuncts(b))


@lru_cache(maxsize=4096)
def complementary(first: str, second: str) -> bool:
    """Whether one condition is ``not`` the other (together they always hold)."""
    a, b = _parse(first), _parse(second)
    if a is None or b is None:
        return False
    return (isinstance(a, nodes.Not) and repr(a.node) == repr(b)) or (isinstance(b, nodes.Not) and repr(b.node) == repr(a))


def _conjuncts(expr: nodes.Expr) -> list[nodes.Expr]:
    if isinstance(expr, nodes.And):
        return _conjuncts(expr.left) + _conjuncts(expr.right)
    return [expr]


def _follows(have: nodes.Expr, need: nodes.Expr) -> bool:
    # Node reprs list fields, not line numbers: equal reprs are the same condition wherever it is written.
    if repr(have) == repr(need):
        return True
    a, b = _bound(have), _bound(need)
    return a is not None and b is not None and a.name == b.name and b.low <= a.low and a.high <= b.high


def _bound(expr: nodes.Expr) -> Bound | None:
    """``touches >= 7``, ``3 < score``, ``touches_by_channel.email == 2`` as a :class:`Bound`."""
    if not isinstance(expr, nodes.Compare) or len(expr.ops) != 1:
        return None
    left, op, right = expr.expr, expr.ops[0].op, expr.ops[0].expr
    if isinstance(left, nodes.Const) and not isinstance(right, nodes.Const):
        left, right, op = right, left, _FLIPPED.get(op, "")
    name = _dotted(left)
    if name is None or not isinstance(right, nodes.Const) or isinstance(right.value, bool):
        return None
    value = right.value
    if not isinstance(value, (int, float)):
        return None
    step = 1 if isinstance(value, int) else 0  # the condition variables that count are whole numbers
    low, high = -math.inf, math.inf
    if op == "gt":
        low = value + step if step else math.nextafter(value, math.inf)
    elif op == "gteq":
        low = value
    elif op == "lt":
        high = value - step if step else math.nextafter(value, -math.inf)
    elif op == "lteq":
        high = value
    elif op == "eq":
        low = high = value
    else:
        return None
    return Bound(name, low, high)


def _dotted(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        inner = _dotted(node.node)
        return f"{inner}.{node.attr}" if inner else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        inner = _dotted(node.node)
        return f"{inner}.{node.arg.value}" if inner else None
    return None


__all__ = ["EVIDENCE_NAMES", "OTHER_NAMES", "Bound", "complementary", "constant", "fewest_touches", "implies", "never",
           "reads_evidence"]
