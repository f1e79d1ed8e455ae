"""Plan and run a migration of running leads over the client API (``cadence migrate``).

Planning reads each selected lead's state (a query) and the plan it runs (its
latest run's input) and computes, with the same pure functions the workflow's
migrate update uses, where it will stand and what changes for it. Running asks
each lead's workflow to move (an update with a validator: a refusal changes
nothing) and writes every answer to the migration record before going on, so
a crashed run resumes where it stopped and a re-run moves nobody twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError

from cadence import client as api
from cadence import ir, utc, visibility
from cadence.engine import LeadState
from cadence.messages import WORKFLOW_NAME, workflow_id_for
from cadence.migration import forecast, records
from cadence.migration.positions import MoveRefused, check_mapping, plan_move, position_of
from cadence.migration.targets import ALREADY_MOVED, root_of, same_version, target_for

CONCURRENCY = 8
"""Leads read or moved at once, by default."""
BUSY_RETRIES = 5
"""Times a lead caught between steps (a touch being sent) is asked again, a second apart."""
Progress = Callable[[int, int], None]


class MigrationError(ValueError):
    """The migration cannot be planned or run as asked; one line for people."""


@dataclass(frozen=True)
class Request:
    """What the operator asked for."""

    cadence: str
    """The root cadence whose leads move (leads on its tracks move with it)."""
    root: ir.Plan
    """The version they move to."""
    from_version: str = "all"
    """``all``, or a version (a sha256 or the first digits of one) whose leads move."""
    mapping: dict[str, str] = field(default_factory=dict)
    """Old step id -> new step id."""
    where: str = ""
    """A visibility query that narrows the selection further."""
    lead_ids: tuple[str, ...] = ()
    """Only these leads (instead of listing the cadence's running leads through visibility)."""
    to_file: str = ""
    by: str = ""

    @property
    def key(self) -> str:
        """Identity of this migration: running it again resumes it instead of starting another."""
        text = json.dumps([self.cadence, self.from_version, self.root.sha256, sorted(self.mapping.items()), self.where,
                           sorted(self.lead_ids)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LeadPlan:
    """One lead's line of the plan."""

    lead_id: str
    verdict: str
    """``move``, ``already`` (on the target version) or ``refuse``."""
    runs: str
    """The cadence or track it runs, with its version."""
    from_version: str
    """The root cadence's version it belongs to now."""
    position: str
    """Where it stands now, in words."""
    to_step: str = ""
    wait_until: str | None = None
    deadline_change: str = ""
    next_before: forecast.NextTouch | None = None
    next_after: forecast.NextTouch | None = None
    gains: tuple[str, ...] = ()
    losses: tuple[str, ...] = ()
    reason: str = ""
    moved_by: str = ""
    """For a lead already on the target version: the id of the migration that moved it there."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return asdict(self)


@dataclass
class _Known:
    """Plans met while reading leads, by (cadence, version) of the plan a lead runs and by root sha256."""

    running: dict[tuple[str, str, str], ir.Plan] = field(default_factory=dict)
    roots: dict[str, ir.Plan] = field(default_factory=dict)


def selection_query(cadence: str, names: list[str], where: str = "") -> str:
    """Running leads of ``cadence`` and of the tracks ``names``, latest runs only."""
    quoted = ", ".join(f"'{visibility.quote(n)}'" for n in [cadence, *names])
    query = (f"WorkflowType = '{WORKFLOW_NAME}' AND {visibility.LATEST_RUN} AND {visibility.RUNNING} "
             f"AND {visibility.NAME} IN ({quoted})")
    return query + (f" AND ({where})" if where.strip() else "")


async def _lead_ids(client: Client, query: str) -> list[str]:
    try:
        return sorted([row.lead_id async for row in api.list_leads(client, query)])
    except RPCError as exc:  # a bad --where query: the server's words
        refused = api.refusal(exc)
        if isinstance(refused, api.Unreachable):
            raise refused from None
        raise MigrationError(f"cannot list leads: {exc.message or exc}") from None


async def _read(client: Client, lead_id: str, known: _Known) -> tuple[LeadState, ir.Plan, str] | None:
    """The lead's state, the plan it runs and its cadence time; ``None`` when it ended meanwhile."""
    snapshot = await api.state(client, lead_id)
    st = LeadState.from_dict(snapshot)
    if st.status == "ended":
        return None
    key = (st.cadence, st.version, root_of(st)[1])
    plan = known.running.get(key)
    if plan is None:
        started = await api.started_input(client, lead_id)
        if started is None:
            return None
        plan = ir.plan_from_dict(started["plan"])
        known.running[key] = plan
        if not st.tracks and not st.migrations:
            known.roots[plan.sha256] = plan
    if plan.name == root_of(st)[0]:
        known.roots.setdefault(plan.sha256, plan)
    elif not any(same_version(root_of(st)[1], sha) for sha in known.roots):
        first = await api.started_input(client, lead_id, first_run=True)
        if first is not None:
            root = ir.plan_from_dict(first["plan"])
            if same_version(root_of(st)[1], root.sha256):
                known.roots[root.sha256] = root
    return st, plan, str(snapshot.get("now") or utc.now())


def plan_lead(lead_id: str, st: LeadState, current: ir.Plan, request: Request, now: str) -> LeadPlan | None:
    """The plan line of one lead, or ``None`` when the request does not select it."""
    name, version = root_of(st)
    if name != request.cadence:
        return None
    runs = f"{current.name}@{current.short_version}"
    common = dict(lead_id=lead_id, runs=runs, from_version=version[:12], position=position_of(st, current).describe())
    if same_version(version, request.root.sha256):  # listed whatever --from says: a re-run finds them here
        if st.migrations:  # where it came from, for the record (and an undo)
            common.update(from_version=str(st.migrations[-1]["from"])[:12])
        return LeadPlan(verdict="already", moved_by=str(st.migrations[-1]["id"]) if st.migrations else "", **common)
    if request.from_version != "all" and not _version_matches(request.from_version, version):
        return None
    at = utc.parse(now)
    try:
        target = target_for(current, request.root)
        move = plan_move(st, current, target, request.mapping, at)
    except MoveRefused as exc:
        return LeadPlan(verdict="refuse", reason=str(exc), **common)
    change = forecast.change_for(st, current, target, move, request.mapping, workflow_id_for(lead_id), at)
    return LeadPlan(verdict="move", to_step=move.step, wait_until=move.wait_until, deadline_change=move.why_deadline,
                    next_before=change.next_before, next_after=change.next_after, gains=change.gains,
                    losses=change.losses, **common)


def _version_matches(given: str, version: str) -> bool:
    return version.startswith(given) or given.startswith(version)


def check_request(request: Request) -> None:
    """Refuse, before anything connects, a request that cannot be right.

    Raises:
        MigrationError: the new file is another cadence, or the mapping names a step the new version lacks.
    """
    if request.cadence != request.root.name:
        raise MigrationError(f"the new file is cadence {request.root.name!r}, not {request.cadence!r}")
    try:
        check_mapping(request.mapping, request.root)
    except MoveRefused as exc:
        raise MigrationError(str(exc)) from None


async def plan(client: Client, request: Request, progress: Progress | None = None,
               known: _Known | None = None, concurrency: int = CONCURRENCY) -> list[LeadPlan]:
    """Plan the move of every selected lead (changes nothing).

    Raises:
        MigrationError: when the mapping names steps the new version lacks, or the selection cannot be listed.
        cadence.client.ActionRefused: when the server or a worker does not answer.
    """
    check_request(request)
    known = known if known is not None else _Known()
    if request.lead_ids:
        lines = await _plan_ids(client, sorted(set(request.lead_ids)), request, known, progress, concurrency)
        return sorted(lines, key=lambda line: line.lead_id)
    names = [t.name for t in request.root.tracks]
    ids = await _lead_ids(client, selection_query(request.cadence, names, request.where))
    lines = await _plan_ids(client, ids, request, known, progress, concurrency)
    # Tracks an older version had and the new one dropped: their leads are listed (and refused), never left behind.
    dropped = sorted({t.name for root in known.roots.values() for t in root.tracks} - set(names) - {request.cadence})
    if dropped:
        more = [i for i in await _lead_ids(client, selection_query(dropped[0], dropped[1:], request.where))
                if i not in set(ids)]
        lines += await _plan_ids(client, more, request, known, progress, concurrency)
    return sorted(lines, key=lambda line: line.lead_id)


async def _plan_ids(client: Client, ids: list[str], request: Request, known: _Known,
                    progress: Progress | None, concurrency: int) -> list[LeadPlan]:
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def one(lead_id: str) -> LeadPlan | None:
        nonlocal done
        async with gate:
            read = await _read(client, lead_id, known)
        done += 1
        if progress:
            progress(done, len(ids))
        if read is None:
            return None
        st, current, now = read
        return plan_lead(lead_id, st, current, request, now)

    return [line for line in await asyncio.gather(*(one(i) for i in ids)) if line is not None]


async def run(client: Client, request: Request, state_dir: Path, progress: Progress | None = None,
              *, kind: str = "migrate", undoes: str = "", concurrency: int = CONCURRENCY) -> records.Record:
    """Move every selected lead, writing each answer to the migration record; returns the record.

    Re-running a migration that did not finish resumes its record (same id): leads already moved are
    found on the target version and recorded as ``already``.
    """
    known = _Known()
    lines = await plan(client, request, known=known, concurrency=concurrency)
    record = records.unfinished(state_dir, request.key)
    if record is None:
        stamp = utc.now().replace("-", "").replace(":", "")[:15]
        record = records.create(state_dir, {
            "id": f"{stamp}-{request.cadence}-{request.root.short_version[:8]}",
            "key": request.key, "kind": kind, "undoes": undoes, "by": request.by, "started_at": utc.now(),
            "cadence": request.cadence, "from": request.from_version, "to": request.root.sha256,
            "to_label": request.root.version_label, "to_file": request.to_file, "mapping": request.mapping,
            "where": request.where, "leads": sorted(request.lead_ids),
            "plans": {sha: ir.plan_to_wire(p) for sha, p in {**known.roots, request.root.sha256: request.root}.items()},
        })
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def one(line: LeadPlan) -> None:
        nonlocal done
        earlier = record.outcome_of(line.lead_id)
        if line.verdict == "already" and line.moved_by == record.id:
            if earlier is None or earlier["outcome"] != "moved":  # moved as the last run stopped, before its line
                record.append({**_entry(line), "outcome": "moved", "to_step": line.to_step,
                               "detail": "moved by this migration before its last run stopped"})
        else:
            async with gate:
                entry = await _move(client, line, request, record.id)
            record.append(entry)
        done += 1
        if progress:
            progress(done, len(lines))

    await asyncio.gather(*(one(line) for line in lines))
    record.close()
    return record


def _entry(line: LeadPlan) -> dict[str, Any]:
    return {"lead": line.lead_id, "from_version": line.from_version, "runs": line.runs, "position": line.position,
            "at": utc.now()}


async def _move(client: Client, line: LeadPlan, request: Request, migration_id: str) -> dict[str, Any]:
    entry = _entry(line)
    if line.verdict != "move":
        return {**entry, "outcome": "already" if line.verdict == "already" else "refused", "reason": line.reason}
    for attempt in range(BUSY_RETRIES + 1):
        try:
            result = await api.migrate(client, line.lead_id, request.root, migration_id, mapping=request.mapping,
                                       by=request.by)
        except api.Unreachable:
            raise
        except api.ActionRefused as exc:
            if "between steps" in str(exc) and attempt < BUSY_RETRIES:
                await asyncio.sleep(1)
                continue
            return {**entry, "outcome": "refused", "reason": str(exc)}
        already = ALREADY_MOVED in result.message
        return {**entry, "outcome": "already" if already else "moved", "to_step": line.to_step,
                "detail": result.message}
    raise AssertionError("unreachable")


def undo_requests(record: records.Record, by: str) -> list[Request]:
    """The migrations that move the leads ``record`` moved back to the versions they came from.

    Raises:
        MigrationError: when it moved nobody, or the record lacks the plan of a version to go back to.
    """
    path = record.path
    moved = [line for line in {x["lead"]: x for x in record.leads}.values() if line["outcome"] == "moved"]
    if not moved:
        raise MigrationError(f"{path}: migration {record.id} moved no lead; nothing to undo")
    plans = {sha: ir.plan_from_dict(data) for sha, data in record.header.get("plans", {}).items()}
    requests = []
    for version in sorted({line["from_version"] for line in moved}):
        back = next((p for sha, p in plans.items() if sha.startswith(version)), None)
        if back is None:
            raise MigrationError(f"{path}: the record holds no plan of version {version}; "
                                 f"migrate those leads with --to FILE instead")
        request = Request(cadence=str(record.header["cadence"]), root=back, from_version=str(record.header["to"]),
                          mapping=_inverse(record.header.get("mapping", {}), back),
                          lead_ids=tuple(line["lead"] for line in moved if line["from_version"] == version),
                          to_file=f"undo of {record.id}", by=by)
        requests.append(request)
    return requests


async def undo(client: Client, record: records.Record, state_dir: Path, by: str, progress: Progress | None = None,
               concurrency: int = CONCURRENCY) -> records.Record:
    """Move the leads a migration moved back to the versions they came from, where that is still possible;
    returns the (last) record of the way back.

    Raises:
        MigrationError: see :func:`undo_requests`.
    """
    last = record
    for request in undo_requests(record, by):
        last = await run(client, request, state_dir, progress, kind="undo", undoes=record.id, concurrency=concurrency)
    return last


def _inverse(mapping: Mapping[str, str], plan: ir.Plan) -> dict[str, str]:
    """The way back of ``mapping`` onto ``plan``; a step two old steps were mapped to has no way back."""
    have = {s.id for s in plan.steps}
    targets = list(mapping.values())
    return {new: old for old, new in mapping.items() if old in have and targets.count(new) == 1}


__all__ = ["LeadPlan", "MigrationError", "Request", "check_request", "plan", "plan_lead", "run", "selection_query", "undo", "undo_requests"]
