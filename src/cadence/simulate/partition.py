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
    return _bins(_components(plan, leads), count)


def groups_for_cores(plan: ir.Plan, leads: Sequence[Lead], cores: int) -> list[list[int]]:
    """:func:`groups` for ``cores`` cores: one group per core, or more when that leaves one core much longer at work.

    Five reps' leads on two cores make groups of three and two reps: the run lasts as long as
    the three. Three groups (two, two and one rep) on the same two cores, shared by the
    operating system, end when about half the work is done on each. So the count grows from
    ``cores`` (to at most :data:`MOST_GROUPS_PER_CORE` per core) until the largest group is no
    more than :data:`IMBALANCE` over an even share, or no larger count makes it smaller.
    """
    components = _components(plan, leads)
    share = len(leads) / max(1, cores)
    best = _bins(components, cores)
    for count in range(cores + 1, min(len(components), cores * MOST_GROUPS_PER_CORE) + 1):
        if max(map(len, best)) <= share * IMBALANCE:
            break
        more = _bins(components, count)
        if max(map(len, more)) < max(map(len, best)):
            best = more
    return best


MOST_GROUPS_PER_CORE = 4
"""Most groups :func:`groups_for_cores` makes per core (each group is a process)."""
IMBALANCE = 1.05
"""How much larger than an even share of the leads the largest group may be before more groups are made."""


def _components(plan: ir.Plan, leads: Sequence[Lead]) -> list[list[int]]:
    """Leads that share an assignee, directly or through other leads: largest first (ties: the earlier lead)."""
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
    return sorted(components.values(), key=lambda members: (-len(members), members[0]))


def _bins(components: list[list[int]], count: int) -> list[list[int]]:
    bins: list[list[int]] = [[] for _ in range(max(1, min(count, len(components))))]
    for members in components:
        smallest = min(range(len(bins)), key=lambda b: (len(bins[b]), b))
        bins[smallest].extend(members)
    return [sorted(members) for members in bins if members]


__all__ = ["IMBALANCE", "MOST_GROUPS_PER_CORE", "assignees", "groups", "groups_for_cores"]
