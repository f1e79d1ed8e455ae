"""The values of the variables that conditions and templates read.

:mod:`cadence.context` declares the names (the validator's contract); this
module builds their values from a plan and one lead's state, for the engine:
gate conditions (:func:`condition_values`), templates (:func:`template_values`,
:func:`template_values_for`) and pre-qualification rules (:func:`prequal_values`).
``tests/unit/test_context_values.py`` holds the two to each other. Pure and
deterministic: the time is an argument.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cadence import ir, scoring, templating, utc

if TYPE_CHECKING:
    from cadence.engine import LeadState

HISTORY_KINDS = ("touch", "event", "task")
"""History entries a template's ``history`` shows."""


def prequal_values(plan: ir.Plan, lead: dict[str, Any]) -> dict[str, Any]:
    """Values of :data:`cadence.context.PREQUAL_NAMES` (data only: nothing has happened yet)."""
    email = str(lead.get("email", ""))
    return {
        "lead": dict(lead),
        "lists": _lists(plan),
        "email_domain": email.rpartition("@")[2].lower() if "@" in email else "",
    }


def condition_values(plan: ir.Plan, state: LeadState, now: datetime,
                     names: Collection[str] | None = None) -> dict[str, Any]:
    """Values of :data:`cadence.context.CONDITION_NAMES` at ``now``.

    Args:
        plan: the lead's plan.
        state: the lead's state.
        now: cadence time.
        names: only these variables (what the conditions read, :func:`cadence.templating.condition_names`);
            ``None``: all of them. A condition gets the same values either way.
    """
    builders = _CONDITION_VALUES.items() if names is None else _builders(frozenset(names))
    return {name: value(plan, state, now) for name, value in builders}


@lru_cache(maxsize=256)
def _builders(names: frozenset[str]) -> tuple[tuple[str, _Builder], ...]:
    return tuple((name, value) for name, value in _CONDITION_VALUES.items() if name in names)


def _engaged(eng: dict[str, int]) -> bool:
    return bool(eng["replies"] or eng["connected_calls"] or eng["callbacks"] or eng["meetings"])


_Builder = Callable[[ir.Plan, "LeadState", datetime], Any]
_CONDITION_VALUES: dict[str, _Builder] = {
    "lead": lambda plan, st, now: dict(st.lead),
    "lists": lambda plan, st, now: _lists(plan),
    "qualified": lambda plan, st, now: scoring.qualified(plan.qualification, st.qualification),
    "qualified_count": lambda plan, st, now: len(scoring.qualified(plan.qualification, st.qualification)),
    "qualification": lambda plan, st, now: {k: v["value"] for k, v in st.qualification.items()},
    "missing": lambda plan, st, now: scoring.missing(plan.qualification, st.qualification),
    "score": lambda plan, st, now: scoring.score(plan.qualification, st.qualification),
    "engaged": lambda plan, st, now: _engaged(st.engagement),
    "engagement": lambda plan, st, now: dict(st.engagement),
    "replies": lambda plan, st, now: st.engagement["replies"],
    "meetings": lambda plan, st, now: st.engagement["meetings"],
    "connected_calls": lambda plan, st, now: st.engagement["connected_calls"],
    "touches": lambda plan, st, now: sum(st.touches_by_channel.values()),
    "touches_by_channel": lambda plan, st, now: dict(st.touches_by_channel),
    "days": lambda plan, st, now: max(0, (now - utc.parse(st.started_at)).days),
    "last_outcome": lambda plan, st, now: st.last_outcome,
    "stage": lambda plan, st, now: st.stage,
}
"""How each condition variable is computed, in the order the context lists them."""


def template_values(plan: ir.Plan, state: LeadState, now: datetime, step_id: str, iteration: int,
                    names: Collection[str] | None = None) -> dict[str, Any]:
    """Values of :data:`cadence.context.TEMPLATE_NAMES` (the activity adds ``unsubscribe_url`` and ``sender``).

    Args:
        plan: the lead's plan.
        state: the lead's state.
        now: cadence time.
        step_id: the step being rendered.
        iteration: how many times that step ran before.
        names: only these variables (what the template reads); ``lead`` is then left
            out too, since every request carries the lead. ``None``: all of them.
    """
    ctx = condition_values(plan, state, now)
    if names is None or "qualification" in names:
        ctx["qualification"] = {k: dict(v) for k, v in state.qualification.items()}
    if names is None or "history" in names:
        # The history grows with every touch: copied only for templates that show it.
        ctx["history"] = [dict(h) for h in state.history if h["kind"] in HISTORY_KINDS]
    ctx["cadence"] = {"name": plan.name, "description": plan.description, "version": plan.short_version}
    ctx["step"] = step_id
    ctx["iteration"] = iteration
    if names is not None:
        ctx = {k: v for k, v in ctx.items() if k in names and k != "lead"}
    return ctx


def template_values_for(plan: ir.Plan, state: LeadState, now: datetime, step_id: str, iteration: int,
                        *sources: str) -> dict[str, Any]:
    """:func:`template_values` with only the variables the template texts ``sources`` read.

    A template that does not parse gets everything; rendering it reports the error.
    """
    names: set[str] = set()
    for source in sources:
        found = templating.template_names(source)
        if found is None:
            return template_values(plan, state, now, step_id, iteration)
        names |= found
    return template_values(plan, state, now, step_id, iteration, names)


def _lists(plan: ir.Plan) -> dict[str, list[Any]]:
    return {nl.name: list(nl.values) for nl in plan.lists}


__all__ = ["HISTORY_KINDS", "condition_values", "prequal_values", "template_values", "template_values_for"]
