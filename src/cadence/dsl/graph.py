"""Flow analysis of a cadence's steps: reachability, falling off the end, unbounded cycles."""

from __future__ import annotations

from dataclasses import dataclass, field

END = -1
"""Pseudo-node: running past the last step."""


@dataclass(frozen=True)
class Edge:
    """A possible move from one step to another (``target`` ``END`` = past the last step)."""

    source: int
    target: int
    path: tuple[str | int, ...]
    """Where the move is written (for messages)."""
    loop: bool = False
    """A loop step's bounded ``back_to``."""


@dataclass
class Flow:
    """The moves of a cadence, built by the validator."""

    size: int
    edges: list[Edge] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)
    """Steps entered from outside the sequence (event handlers)."""

    def add(self, source: int, target: int, path: tuple[str | int, ...], *, loop: bool = False) -> None:
        """Record a move; ``target == size`` means past the end."""
        self.edges.append(Edge(source, END if target >= self.size else target, path, loop))

    def reachable(self) -> set[int]:
        """Steps (and ``END``) reachable from the first step or an event handler."""
        succ = self._successors()
        seen: set[int] = set()
        todo = [0, *self.entries] if self.size else []
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            todo.extend(e.target for e in succ.get(node, ()))
        return seen

    def unbounded_cycles(self, among: set[int]) -> list[tuple[list[int], Edge]]:
        """Cycles among ``among`` that avoid every loop's ``back_to``: (members in order, closing edge).

        Only ``back_to`` is bounded. A loop step's ``then`` stays in the graph: a finished loop's
        count is never reset, so a cycle through its ``then`` finds it finished every time round.
        """
        nodes = [n for n in sorted(among) if n != END]
        allowed = set(nodes)
        succ: dict[int, list[Edge]] = {}
        backward = False
        for e in self.edges:
            if not e.loop and e.source in allowed and e.target in allowed:
                succ.setdefault(e.source, []).append(e)
                backward = backward or e.target <= e.source
        if not backward:
            return []  # every cycle among numbered steps has an edge going back (or to itself)
        out = []
        for component in _components(nodes, succ):
            members = set(component)
            inner = [e for e in self.edges if not e.loop and e.source in members and e.target in members]
            if len(component) == 1 and not inner:
                continue
            back = [e for e in inner if e.target <= e.source] or inner
            closing = max(back, key=lambda e: (e.source, e.target))
            out.append((sorted(component), closing))
        return sorted(out, key=lambda item: item[0])

    def _successors(self) -> dict[int, list[Edge]]:
        succ: dict[int, list[Edge]] = {}
        for e in self.edges:
            succ.setdefault(e.source, []).append(e)
        return succ


def _components(nodes: list[int], succ: dict[int, list[Edge]]) -> list[list[int]]:
    """Strongly connected components (iterative Tarjan, safe for thousands of steps)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: list[list[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = succ.get(node, [])
            if i < len(edges):
                work.append((node, i + 1))
                target = edges[i].target
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


__all__ = ["END", "Edge", "Flow"]
