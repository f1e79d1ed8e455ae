"""Groups of leads that can be simulated apart: no two groups share a rep.

Leads meet in one place only, the reps' desk (:class:`~cadence.simulate.reps.RepDesk`):
a rep's daily capacity goes to whichever of their leads' tasks come first. Every
other draw and decision belongs to one lead (its own random streams, its own engine).
So leads whose tasks can never go to the same assignee are independent, and a
group of leads run on its own makes exactly the decisions it makes among all the
others. The runner checks that promise afterwards (no assignee worked in two
groups), so a grouping that missed an assignee costs time, never a difference.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cadence import ir
from cadence.engine import assignee_for
from cadence.lead import Lead


def assignees(plan: ir.Plan, lead: Lead) -> frozenset[str]:
    """Every assignee whose capacity ``lead``'s tasks may take, on ``plan`` and any track it may move to."""
    return frozenset(assignee_for(step.assignee, lead.fields) for step in _task_steps(plan))


def _task_steps(plan: ir.Plan) -> Iterator[ir.CallStep | ir.VoicemailStep]:
    seen: set[str] = set()
    pending = [plan]
    while pending:
        current = pending.pop()
        if current.sha256 in seen:
            continue
        seen.add(current.sha256)
        pending.extend(current.tracks)
        for step in current.steps:
            if isinstance(step, ir.CallStep) or (isinstance(step, ir.VoicemailStep) and step.mode == "person"):
                yield step


def groups(plan: ir.Plan, leads: Sequence[Lead], count: int) -> list[list[int]]:
    """Indexes of ``leads`` in at most ``count`` groups that share no assignee, as even in size as they can be.

    Leads sharing an assignee (directly, or through other leads) form one component; the
    components, largest first, each go to the smallest group so far (ties: the lower group,
    the earlier lead). The same leads always give the same groups, each in the leads' order.
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    firsts: list[str] = []
    for index, lead in enumerate(leads):
        keys = sorted(assignees(plan, lead)) or [f"\0lead {index}"]  # a lead without tasks shares nothing
        for key in keys:
            parent.setdefault(key, key)
        first = root(keys[0])
        for key in keys[1:]:
            other = root(key)
            if other != first:
                parent[other] = first
        firsts.append(keys[0])
    components: dict[str, list[int]] = {}
    for index, key in enumerate(firsts):
        components.setdefault(root(key), []).append(index)
    ordered = sorted(components.values(), key=lambda members: (-len(members), members[0]))
    bins: list[list[int]] = [[] for _ in range(max(1, min(count, len(ordered))))]
    for members in ordered:
        smallest = min(range(len(bins)), key=lambda b: (len(bins[b]), b))
        bins[smallest].extend(members)
    return [sorted(members) for members in bins if members]


__all__ = ["assignees", "groups"]
