"""The simulator: the engine the workflow runs, driven by a loop and a clock.

Every lead gets the :class:`~cadence.engine.Engine` the nurture workflow builds,
and is driven exactly as ``workflows/nurture.py``'s ``run`` loop drives it:
``next_command(now)``; a touch is done and reported with ``touch_done``; a task
is opened with ``task_opened``; a wait ends at its instant or when something
happens (an event, a rep's outcome, sales' answer), after which the engine
decides again; a track switch replaces the plan as the workflow does; a handoff
is delivered and, when the cadence asks for acceptance, waits for sales.

What the workflow's activities and people would do is simulated instead: the
buyer's responses (:class:`~cadence.simulate.buyer.Buyer`), the reps and their
daily capacity (:class:`~cadence.simulate.reps.RepDesk`), sales' answers. One
clock, a priority queue of instants, serves every lead, so reps are shared as
they are in production. Nothing reads the machine's clock: the caller states
the start instant.

Leads that can never share a rep (:mod:`cadence.simulate.partition`) run in
separate processes, each with its own clock and desk; every record is the same
as in one process.
"""

from __future__ import annotations

import dataclasses
import gc
import heapq
import multiprocessing
import os
import pickle
import random
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cadence import ir, schedule, templating, utc
from cadence.errors import Refusal
from cadence.engine import UNDONE_OUTCOMES, Engine, EngineError, Finish, OpenTask, SwitchTrack, Touch, Wait
from cadence.lead import Lead
from cadence.vocabulary import HANDOFF
from cadence.messages import workflow_id_for
from cadence.simulate.behaviour import Behaviour
from cadence.simulate.buyer import BOUNCE_DETAIL, Buyer
from cadence.simulate.explain import explain_wait
from cadence.simulate import partition
from cadence.simulate.records import Input, LeadRun, SimulationRun, TouchRecord, TraceEntry
from cadence.simulate.reps import RepDesk, RepLoad

MAX_COMMANDS = 10_000
"""Commands one lead may take at one instant before the run stops (a cadence looping without a wait)."""
SOURCE = "simulated"
"""The ``source``/``by`` of what the simulated buyer does."""

MIN_LEADS_PER_PROCESS = 500
"""Leads below which another process costs more (starting it, sending records back) than it saves."""

Progress = Callable[[int, int], None]
"""Called with (days simulated, days in the run) as the clock moves on."""


class SimulationError(Refusal):
    """The run cannot go on (a cadence that never waits); the message names the lead."""


def simulate(plan: ir.Plan, leads: Sequence[Lead], *, start: datetime, days: int = 365,
             behaviour: Behaviour | None = None, seed: int = 0, zone: str | None = None,
             trace: Sequence[str] = (), spread_days: int = 0, on_progress: Progress | None = None,
             processes: int | None = None) -> SimulationRun:
    """Run ``leads`` through ``plan`` from ``start`` for ``days``.

    Args:
        plan: the compiled cadence (``cadence.dsl.compiler.compile_file``).
        leads: validated leads; ids must be unique.
        start: the instant the clock starts at (timezone-aware); every lead enters then
            (or within ``spread_days`` after it).
        days: the horizon: nothing at or after ``start + days`` happens.
        behaviour: how buyers, reps and sales respond (default: :class:`Behaviour`'s defaults).
        seed: what makes the random draws; the same seed gives the same run.
        zone: IANA zone in which days and weeks are counted (default: ``start``'s zone, else UTC).
        trace: ids of leads whose dated calendar, history and inputs are kept.
        spread_days: leads enter at random instants over this many days instead of all at ``start``.
        on_progress: told how far the clock has got (with several processes: this process's share of the leads).
        processes: processes to share the leads between (leads sharing a rep stay in one); the run is the
            same with any number. ``None``: one per core (:func:`default_processes`), or a few more when the
            leads' reps divide unevenly between the cores (:func:`cadence.simulate.partition.groups_for_cores`).

    Raises:
        ValueError: a naive ``start``, a negative horizon, duplicate lead ids, an unknown zone, fewer than
            one process.
        SimulationError: a lead's cadence took :data:`MAX_COMMANDS` decisions without waiting.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("the start instant must be timezone-aware")
    if days < 0 or spread_days < 0:
        raise ValueError("days and spread_days cannot be negative")
    if processes is not None and processes < 1:
        raise ValueError("a simulation needs at least one process")
    zone = zone or getattr(start.tzinfo, "key", None) or "UTC"
    if not schedule.is_valid_timezone(zone):
        raise ValueError(f"{zone!r} is not an IANA time zone")
    behaviour = behaviour or Behaviour()
    seen: set[str] = set()
    for lead in leads:
        if lead.id in seen:
            raise ValueError(f"lead {lead.id} appears twice")
        seen.add(lead.id)
    job = _Job(plan, behaviour, seed, start, start + timedelta(days=days), frozenset(trace), spread_days)
    groups = process_groups(plan, leads, processes)
    done = _in_processes(job, leads, groups, on_progress) if len(groups) > 1 else None
    records, reps = done if done is not None else _run(job, leads, on_progress)
    return SimulationRun(
        cadence=plan.name, version=plan.sha256, start=start.astimezone(ZoneInfo(zone)), end=job.end, zone=zone,
        seed=seed, behaviour=behaviour, leads=records, reps=reps, plan_touches=plan.touch_count,
    )


def process_groups(plan: ir.Plan, leads: Sequence[Lead], processes: int | None) -> list[list[int]]:
    """The groups of leads :func:`simulate` runs, one process each (empty: all in this process).

    Args:
        plan: the cadence.
        leads: the leads.
        processes: ``simulate``'s argument: a number of processes, or ``None`` for one per core
            (:func:`default_processes`) or a few more when the reps divide unevenly (``partition.groups_for_cores``).
    """
    if processes is None:
        cores = default_processes(len(leads))
        return partition.groups_for_cores(plan, leads, cores) if cores > 1 else []
    return partition.groups(plan, leads, processes) if processes > 1 else []


def default_processes(leads: int) -> int:
    """The cores this process may use, one per :data:`MIN_LEADS_PER_PROCESS` leads at most (at least one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, leads // MIN_LEADS_PER_PROCESS))


@dataclass(frozen=True)
class _Job:
    """What every process of one run needs besides its leads."""

    plan: ir.Plan
    """The cadence every lead enters."""
    behaviour: Behaviour
    """How buyers, reps and sales respond."""
    seed: int
    """What makes the random draws."""
    start: datetime
    """The clock's start."""
    end: datetime
    """The horizon: nothing at or after it happens."""
    traced: frozenset[str]
    """Ids of the leads whose calendar is kept."""
    spread_days: int
    """Days over which leads enter."""


_Result = tuple[tuple[LeadRun, ...], tuple[RepLoad, ...]]
"""The records of some leads (in their order) and the load of the reps they had."""


def _run(job: _Job, leads: Sequence[Lead], on_progress: Progress | None = None) -> _Result:
    """Simulate ``leads`` on one clock, in this process."""
    with _collector_paused():
        world = _World(job)
        sims = [_LeadSim(world, lead, index) for index, lead in enumerate(leads)]
        for sim in sims:
            world.push(_arrival(job.start, job.spread_days, job.seed, sim.lead.id), sim.index, "start", None)
        world.run(sims, on_progress)
        return tuple(sim.record() for sim in sims), world.desk.loads()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while records are built.

    A run builds hundreds of thousands of objects that live to its end (histories, records); each
    few hundred of them set off a collection that scans the ones already built, which cost 10-15% of
    a 10,000-lead run (and three to five times the time to read a child's records). The simulator and the
    engine make no reference cycles, so nothing waits for the collector meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _in_processes(job: _Job, leads: Sequence[Lead], groups: list[list[int]],
                  on_progress: Progress | None) -> _Result | None:
    """Simulate each group of leads in its own process (the first in this one) and put the records together.

    ``None`` when a group failed or two groups worked for one assignee: the caller then runs all the
    leads in one process, which raises the error a single process meets first, or gives the shared
    rep's true load.
    """
    parts = [[leads[i] for i in group] for group in groups]
    try:
        with ProcessPoolExecutor(max_workers=len(parts) - 1, mp_context=_start_method()) as pool:
            futures = [pool.submit(_run_pickled, job, part) for part in parts[1:]]
            results = [_run(job, parts[0], on_progress), *(_unpickled(future.result()) for future in futures)]
    except Exception:  # noqa: BLE001 - the single-process run answers with the real error, if there is one
        return None
    records: list[LeadRun | None] = [None] * len(leads)
    for group, (runs, _loads) in zip(groups, results, strict=True):
        for index, run in zip(group, runs, strict=True):
            records[index] = run
    loads = sorted((load for _runs, part_loads in results for load in part_loads), key=lambda load: load.assignee)
    if len({load.assignee for load in loads}) != len(loads):
        return None
    return tuple(r for r in records if r is not None), tuple(loads)


def _run_pickled(job: _Job, leads: Sequence[Lead]) -> bytes:
    """:func:`_run` in another process, its result as bytes (see :func:`_unpickled`)."""
    return pickle.dumps(_run(job, leads), protocol=pickle.HIGHEST_PROTOCOL)


def _unpickled(data: bytes) -> _Result:
    """The records another process sent (see :func:`_collector_paused`)."""
    with _collector_paused():
        result: _Result = pickle.loads(data)  # bytes from our own child process
    return result


def _start_method() -> multiprocessing.context.BaseContext:
    """Fork when nothing else runs in this process (no interpreter to start, nothing to import); else a clean start.

    A thread (a progress bar's) may hold a lock at the instant of a fork, which the child would then wait for forever.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _arrival(start: datetime, spread_days: int, seed: int, lead_id: str) -> datetime:
    if not spread_days:
        return start
    offset = random.Random(f"{seed}|{lead_id}|arrival").random() * spread_days * 86400
    return start + timedelta(minutes=int(offset // 60))


class _World:
    """The clock, the queue of instants, and what every lead shares (reps, the response model)."""

    def __init__(self, job: _Job) -> None:
        self.plan = job.plan
        self.behaviour = job.behaviour
        self.seed = job.seed
        self.start = job.start
        self.end = job.end
        self.traced = job.traced
        self.desk = RepDesk(job.behaviour.reps, job.plan.schedule.default_timezone)
        self.queue: list[tuple[datetime, int, int, str, Any]] = []
        self._seq = 0
        self._tracks: dict[tuple[str, str], ir.Plan] = {}

    def push(self, at: datetime, index: int, kind: str, payload: Any) -> None:
        """Something happens to lead ``index`` at ``at`` (ties: in the order they were scheduled)."""
        if at < self.end:
            self._seq += 1
            heapq.heappush(self.queue, (at, self._seq, index, kind, payload))

    def track(self, parent: ir.Plan, name: str) -> ir.Plan:
        """The plan a lead switching to track ``name`` runs, as the workflow builds it (one per parent and track)."""
        key = (parent.sha256, name)
        plan = self._tracks.get(key)
        if plan is None:
            # Flattened tracks carry none of their own; keep the parent's so a track can move on again.
            plan = dataclasses.replace(parent.track(name), tracks=parent.tracks)
            self._tracks[key] = plan
        return plan

    def run(self, sims: list[_LeadSim], on_progress: Progress | None) -> None:
        total = max(1, (self.end - self.start).days)
        reported = -1
        while self.queue:
            at, _seq, index, kind, payload = heapq.heappop(self.queue)
            if on_progress is not None:
                done = min(total, int((at - self.start).total_seconds() // 86400))
                if done > reported:
                    reported = done
                    on_progress(done, total)
            sims[index].handle(at, kind, payload)
        if on_progress is not None:
            on_progress(total, total)


class _LeadSim:
    """One lead: its engine, driven like the workflow drives it, and what it has done so far."""

    def __init__(self, world: _World, lead: Lead, index: int) -> None:
        self.world = world
        self.lead = lead
        self.index = index
        self.plan = world.plan
        self.buyer = Buyer(world.behaviour, world.seed, lead.id)
        self.traced = lead.id in world.traced
        self.engine: Engine | None = None
        self.generation = 0
        self.ended = False
        self.started_at: datetime | None = None
        self.touches: list[TouchRecord] = []
        self.handed_off_at: datetime | None = None
        self.touches_at_handoff: int | None = None
        self._seen = 0
        self.trace: list[TraceEntry] = []
        self.inputs: list[Input] = []
        self._final: LeadRun | None = None

    # -- what happens ------------------------------------------------------------
    def handle(self, now: datetime, kind: str, payload: Any) -> None:
        """Take what the queue says happens now.

        Raises:
            SimulationError: the engine cannot interpret the cadence any further for this lead.
        """
        try:
            self._handle(now, kind, payload)
        except EngineError as exc:
            raise SimulationError(f"lead {self.lead.id}: {exc}") from None

    def _handle(self, now: datetime, kind: str, payload: Any) -> None:
        if kind == "start":
            self.started_at = now
            self.engine = Engine.start(self.plan, self.lead.fields, now, workflow_id_for(self.lead.id))
            self._drive(now)
            return
        if self.ended or self.engine is None:
            return  # a closed workflow takes no signal or update
        if kind == "wake":
            if payload == self.generation:
                self._drive(now)
        elif kind == "event":
            self._event(now, *payload)
        elif kind == "rep":
            self._rep(now, *payload)
        elif kind == "sales":
            self._sales(now, *payload)

    def _drive(self, now: datetime) -> None:
        """The workflow's ``run`` loop from ``now`` until the lead waits or ends."""
        engine = self._engine()
        self._cut_short(now)
        for _ in range(MAX_COMMANDS):
            command = engine.next_command(now)
            if isinstance(command, Wait):
                self._collect(now)
                self.generation += 1
                if command.until is not None and command.until <= now:
                    continue  # the workflow's wait returns at once
                self._traced_wait(now, command)
                if command.until is not None:
                    self.world.push(command.until, self.index, "wake", self.generation)
                return
            if isinstance(command, Touch):
                self._touch(command, now)
            elif isinstance(command, OpenTask):
                self._open_task(command, now)
            elif isinstance(command, SwitchTrack):
                self._collect(now)  # the entries so far name steps of the plan being left
                self.plan = self.world.track(self.plan, command.track)
                engine.plan = self.plan
                engine.switch_to(self.plan, now, command.reason)
            elif isinstance(command, Finish):
                if command.outcome == HANDOFF and command.deliver:
                    self.handed_off_at = now
                    self.touches_at_handoff = sum(engine.state.touches_by_channel.values())
                    if self.plan.acceptance is not None:
                        engine.handed_off(command, now)
                        self._collect(now)
                        self._ask_sales(now)
                        continue
                engine.finished(command, now)
                self._collect(now)
                self.ended = True
                self._final = self._record()
                if not self.traced:
                    self.engine = None  # a thousand finished histories need not stay in memory
                return
        raise SimulationError(f"lead {self.lead.id}: more than {MAX_COMMANDS} decisions at {now.isoformat()} "
                              "without a wait")

    def _engine(self) -> Engine:
        assert self.engine is not None
        return self.engine

    # -- the activities, simulated ------------------------------------------------
    def _touch(self, command: Touch, now: datetime) -> None:
        engine, buyer, behaviour = self._engine(), self.buyer, self.world.behaviour
        lead = engine.state.lead
        if command.channel == "email":
            if buyer.address_bounces():
                engine.touch_done(command, now, outcome="bounced", detail=BOUNCE_DETAIL, bounced=True)
                return
            engine.touch_done(command, now, outcome="sent", detail=self._subject(command, now))
            for event in buyer.after_email():
                self._schedule_event(buyer.when("email", behaviour.email.delay, self.plan.schedule, engine.tz, now),
                                     event)
        elif command.channel == "letter":
            if not lead.get("address_line1") or not (lead.get("city") or lead.get("postal_code")):
                # What the letter activity refuses (MissingAddress), recorded as the workflow records it.
                engine.touch_done(command, now, outcome="failed",
                                  detail=f"lead {lead.get('id')} has no postal address (address_line1 and city or postal_code)")
                return
            engine.touch_done(command, now, outcome="written", detail="simulated")
            if buyer.answers_letter():
                self._schedule_event(buyer.when("letter", behaviour.letter.delay, self.plan.schedule, engine.tz, now),
                                     "reply")
        else:
            if not lead.get("phone"):
                engine.touch_done(command, now, outcome="skipped", detail="lead has no phone number")
                return
            engine.touch_done(command, now, outcome="dropped", detail="simulated")
            self._maybe_call_back(now)

    def _subject(self, command: Touch, now: datetime) -> str:
        """The subject line, rendered for traced leads only (as the email activity does); else the variant."""
        if not self.traced:
            return command.variant
        engine = self._engine()
        try:
            context = {**engine.context_for(now, command.step_id, command.iteration, command.subject),
                       "lead": dict(engine.state.lead)}
            return templating.render(command.subject, context, name="subject").strip()
        except templating.TemplateError:
            return command.subject

    def _open_task(self, command: OpenTask, now: datetime) -> None:
        engine = self._engine()
        engine.task_opened(command, "(simulated)", now)
        opened = engine.state.open_task["opened_at"] if engine.state.open_task else ""
        attempt = schedule.add_duration(self.plan.schedule, engine.tz, now, self.world.behaviour.reps.delay)
        first = schedule.next_window_start(self.plan.schedule, engine.tz, attempt)
        if first < command.due_at:
            self.world.push(first, self.index, "rep", (command.task_id, opened))

    def _maybe_call_back(self, now: datetime) -> None:
        engine = self._engine()
        if self.buyer.calls_back():
            self._schedule_event(self.buyer.when("voicemail", self.world.behaviour.voicemail.delay, self.plan.schedule,
                                                 engine.tz, now), "callback_requested")

    def _schedule_event(self, at: datetime, kind: str) -> None:
        self.world.push(at, self.index, "event", (kind,))

    # -- people and buyers acting --------------------------------------------------
    def _event(self, now: datetime, kind: str) -> None:
        engine = self._engine()
        engine.on_event(kind, {"detail": "simulated buyer"}, now, source=SOURCE)
        self._input(Input(now, "event", event=kind))
        self._drive(now)

    def _rep(self, now: datetime, task_id: str, opened_at: str) -> None:
        engine = self._engine()
        task = engine.state.open_task
        if task is None or task["task_id"] != task_id or task["opened_at"] != opened_at:
            return  # missed or cancelled meanwhile
        assignee = task["assignee"]
        if not self.world.desk.take(assignee, now):
            due = utc.parse(task["due_at"])
            later = schedule.next_window_start(self.plan.schedule, engine.tz, self.world.desk.next_day(now))
            if later < due:
                self.world.push(later, self.index, "rep", (task_id, opened_at))
            if self.traced:
                then = f"tries again at {schedule.describe(later, engine.tz)}" if later < due else \
                    f"cannot get to it before it is due at {schedule.describe(due, engine.tz)}"
                capacity = self.world.behaviour.reps.capacity_of(assignee)
                self.trace.append(TraceEntry(now, "rep", f"{assignee} has no capacity left today "
                                             f"({capacity} task{'s' if capacity != 1 else ''} a day)",
                                             f"{task['kind']} task {task['step']}: the rep {then}"))
            return
        missing = [q for q in self.plan.qualification if q not in engine.state.qualification]
        outcome, learned_names = self.buyer.task_outcome(task["kind"], task["outcomes"], missing)
        learned = {name: f"learned on {task['step']} (simulated)" for name in learned_names}
        notes = f"{outcome} (simulated)"
        engine.log_outcome(task_id, outcome, notes, learned, assignee, now)
        self._input(Input(now, "outcome", task_id=task_id, outcome=outcome, learned=learned, by=assignee, note=notes))
        if outcome == "voicemail_left":
            self._maybe_call_back(now)
        self._drive(now)

    def _ask_sales(self, now: datetime) -> None:
        engine = self._engine()
        pending = engine.state.acceptance or {}
        answer = self.buyer.sales_answer()
        at = self.buyer.when("sales", self.world.behaviour.sales.delay, self.plan.schedule, engine.tz, now)
        deadline = pending.get("deadline", "")
        if answer is not None and deadline and at < utc.parse(deadline):
            self.world.push(at, self.index, "sales", (answer, deadline))

    def _sales(self, now: datetime, answer: str, deadline: str) -> None:
        engine = self._engine()
        pending = engine.state.acceptance
        if engine.state.phase != "acceptance" or not pending or pending.get("deadline") != deadline or pending.get("answer"):
            return
        if answer == "accept":
            engine.accept("", "accepted (simulated)", now)
            self._input(Input(now, "accept", note="accepted (simulated)"))
        else:
            engine.reject("not ready to buy (simulated)", "", now)
            self._input(Input(now, "reject", note="not ready to buy (simulated)"))
        self._drive(now)

    # -- records --------------------------------------------------------------------
    def _collect(self, now: datetime) -> None:
        """Take in the history entries the engine wrote at ``now``: touches, missed tasks, the trace."""
        history = self._engine().state.history
        for entry in history[self._seen:]:
            kind, outcome = entry["kind"], entry["outcome"]
            if kind == "touch" and outcome not in UNDONE_OUTCOMES:
                sender = ""
                if entry["channel"] == "email":
                    try:
                        sender = getattr(self.plan.step(entry["step"]), "sender", None) or ""
                    except KeyError:
                        sender = ""
                self.touches.append(TouchRecord(now, entry["channel"], entry["step"], outcome, sender))
            elif kind == "task" and outcome == "missed":
                self.world.desk.missed(entry["by"], now)
            if self.traced:
                self.trace.append(TraceEntry(now, kind, describe(entry), entry.get("detail", "")))
        self._seen = len(history)

    def _input(self, item: Input) -> None:
        if self.traced:
            self.inputs.append(item)
        self._collect(item.at)

    def _traced_wait(self, now: datetime, command: Wait) -> None:
        if not self.traced:
            return
        why = explain_wait(self.plan.schedule, self._engine().tz, now, command.until, window=command.window,
                           business_days=command.business_days)
        self.trace.append(TraceEntry(now, "wait", command.summary, until=command.until, why=why))

    def _cut_short(self, now: datetime) -> None:
        if not self.traced:
            return
        for i in range(len(self.trace) - 1, -1, -1):
            entry = self.trace[i]
            if entry.kind == "wait":
                if entry.until is None or now < entry.until:
                    if entry.cut_short_at is None and now > entry.at:
                        self.trace[i] = dataclasses.replace(entry, cut_short_at=now)
                return

    def record(self) -> LeadRun:
        """This lead's record at the end of the run."""
        return self._final if self._final is not None else self._record()

    def _record(self) -> LeadRun:
        engine = self.engine
        if engine is None:  # entered after the horizon
            return LeadRun(self.lead.id, "", str(self.lead.fields.get("owner") or ""), self.started_at or self.world.end,
                           (), 0, "", "", None, "not_started", self.plan.name)
        st = engine.state
        outcome = st.outcome or {}
        kind = outcome.get("kind", "") if self.ended else ""
        return LeadRun(
            lead_id=self.lead.id,
            timezone=engine.tz,
            owner=str(st.lead.get("owner") or ""),
            started_at=self.started_at or self.world.start,
            touches=tuple(self.touches),
            touch_count=sum(st.touches_by_channel.values()),
            outcome=kind,
            reason=outcome.get("reason", "") if self.ended else "",
            ended_at=utc.parse(outcome["at"]) if self.ended and outcome.get("at") else None,
            stage=st.stage,
            cadence=st.cadence,
            handed_off_at=self.handed_off_at,
            touches_at_handoff=self.touches_at_handoff,
            history=tuple(dict(h) for h in st.history) if self.traced else (),
            trace=tuple(self.trace),
            inputs=tuple(self.inputs),
            waiting_for_sales=not self.ended and st.phase == "acceptance",
        )


def describe(entry: dict[str, Any]) -> str:
    """One engine history entry in a few words: ``email intro-email: sent``, ``call task research-call: missed``."""
    kind, channel, step, outcome, by = entry["kind"], entry.get("channel"), entry.get("step"), entry["outcome"], entry.get("by")
    if kind == "touch":
        return f"{channel} {step}: {outcome}" + (f" by {by}" if by and channel in ("call", "voicemail") else "")
    if kind == "task":
        what = f"{channel} task {step}: {outcome}"
        return what + (f" for {by}" if outcome == "opened" and by else "")
    if kind == "event":
        return f"event: {outcome}" + (f" ({by})" if by else "")
    if kind == "gate" and outcome == "goto" and not str(entry.get("detail", "")).startswith(("else", "rule ")):
        return f"go to {step}"
    if kind == "gate":
        return f"gate {step}: {outcome}" if step else f"gate: {outcome}"
    if kind == "operator":
        return f"{outcome}" + (f" by {by}" if by else "")
    if kind == "stage":
        return outcome.replace("_", " ") if outcome else str(entry.get("detail", "")).partition(":")[0] or "stage"
    return f"{kind}: {outcome}"


__all__ = ["MAX_COMMANDS", "MIN_LEADS_PER_PROCESS", "Progress", "SOURCE", "SimulationError", "default_processes", "process_groups", "describe",
           "simulate"]
