"""The pure interpreter of a compiled Plan.

Functional core, imperative shell: :class:`Engine` holds one lead's state
and, given the time, answers the next :data:`Command` (touch, open a task,
wait until T, finish, switch track). The Temporal workflow executes the
commands and reports back; events and human input arrive as method calls.
Nothing here does I/O, reads a clock or draws a random number, so the same
inputs always give the same decisions (replay-safe) and every construct is
unit-testable without a server.

This module is the one entry point; the Engine composes smaller units and
re-exports what callers need: the commands and refusals (:mod:`cadence.commands`),
sales acceptance (:mod:`cadence.acceptance`), the values of condition, template
and pre-qualification variables (:mod:`cadence.context_values`) and the lead
score (:mod:`cadence.scoring`).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo
from typing import Any, Literal

from cadence import context_values, ir, schedule, scoring, templating, utc
from cadence import vocabulary as vocab
from cadence.acceptance import SalesAcceptance, recycle_answer
from cadence.commands import Command, EngineError, Finish, OpenTask, RejectedInput, SwitchTrack, Touch, Wait
from cadence.errors import SUGGESTION_QUOTED, did_you_mean
from cadence.lead import LeadError, parse_lead
from cadence.migration import positions as migration_positions
from cadence.migration import targets as migration_targets
from cadence.migration.positions import Move

MAX_TRANSITIONS = 500
"""Instant transitions allowed between two waits; the validator forbids unbounded cycles."""

ENGAGEMENT_OUTCOMES: dict[str, str] = {
    "connected": "connected_calls",
    "meeting_booked": "meetings",
    "call_back_later": "callbacks",
}
UNDONE_OUTCOMES = frozenset({"failed", "skipped", "bounced", "suppressed"})
"""Touch outcomes that did not reach the lead and so do not count as touches."""
CHANGE_COUNT_CANCELLED_TASK = "count-cancelled-task-v1"
"""Interpreter change: a task cancelled by a goto counts as a visit of its step (see :meth:`Engine._goto`)."""
CHANGE_SPREAD_WINDOW = "spread-window-opening-v1"
"""Interpreter change: a lead that waits for a send window opening wakes at its own second of the
window's first hour, not with every other lead at the opening (see :func:`cadence.schedule.spread_opening`)."""
MAX_EVENT_IDS = 200
"""Event ids a lead remembers for exactly-once delivery (redeliveries come within days, not months)."""

_CLOCK_UNITS: dict[str, timedelta] = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1),
                                      "days": timedelta(days=1), "weeks": timedelta(weeks=1)}

EVENT_COUNTERS: dict[str, str] = {
    "reply": "replies",
    "meeting_booked": "meetings",
    "callback_requested": "callbacks",
}


# ---------------------------------------------------------------- state


@dataclass
class LeadState:
    """Everything the engine knows about one lead; JSON-ready via :meth:`to_dict`."""

    lead: dict[str, Any]
    cadence: str
    version: str
    started_at: str
    status: Literal["active", "paused", "ended"] = "active"
    stage: str = vocab.PREQUALIFY
    phase: str = "prequalify"
    """prequalify | enter | window | waiting | loop_wait | task_open | ended."""
    pc: int = 0
    wait_until: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    qualification: dict[str, dict[str, Any]] = field(default_factory=dict)
    engagement: dict[str, int] = field(
        default_factory=lambda: {"replies": 0, "connected_calls": 0, "callbacks": 0, "meetings": 0}
    )
    touches_by_channel: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(vocab.TOUCH_KINDS, 0)
    )
    visits: dict[str, int] = field(default_factory=dict)
    loops: dict[str, int] = field(default_factory=dict)
    open_task: dict[str, Any] | None = None
    pending: list[dict[str, Any]] = field(default_factory=list)
    """Actions queued by events and human input, applied at the next decision."""
    stages: list[dict[str, Any]] = field(default_factory=list)
    """One entry per stay: ``stage``, ``entered_at``, ``left_at``, ``why`` (words for people), and ``answer``
    (:data:`~cadence.vocabulary.ACCEPTANCE_ANSWERS`) on the stay that follows a handoff sales answered or let lapse."""
    outcome: dict[str, Any] | None = None
    last_outcome: str | None = None
    email_blocked: str | None = None
    """Why email may no longer be sent (``unsubscribed``, ``bounced``), or ``None``."""
    tracks: list[str] = field(default_factory=list)
    """Cadences this lead went through before the current one."""
    next_action: dict[str, Any] | None = None
    acceptance: dict[str, Any] | None = None
    """While sales decides: to, deadline, escalated, reason, sections, answer; ``lapsed`` once nobody answered in time."""
    event_ids: list[str] = field(default_factory=list)
    """Ids of the last :data:`MAX_EVENT_IDS` events taken (a Message-ID, a provider's event id): a
    redelivered event adds nothing to the history, also across continue-as-new."""
    away_until: str | None = None
    """After an out-of-office reply: no touch before this instant (ISO UTC)."""
    soft_bounces: int = 0
    """Soft bounces taken (:attr:`cadence.ir.InboundRules.soft_bounces` of them are a bounce)."""
    migrations: list[dict[str, Any]] = field(default_factory=list)
    """Versions this lead was moved between by ``cadence migrate``: ``id``, ``cadence``, ``from``, ``to``
    (the root cadence's sha256), ``at``, ``by``, ``from_step``, ``to_step``."""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready copy (used for queries, continue-as-new and the dossier).

        The same as ``dataclasses.asdict``, which copies every value through ``copy.deepcopy``
        and took ten times as long (1.6 ms for a lead with 40 history entries): every state
        query, dossier and continue-as-new makes one.
        """
        data = {name: _copied(getattr(self, name)) for name in _STATE_FIELDS}
        for name in ("migrations", "soft_bounces"):
            if not data[name]:
                # Leads without them carry exactly what they carried before these fields existed.
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeadState:
        """Rebuild from :meth:`to_dict` output; unknown keys are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(LeadState))
_ATOMS = frozenset({str, int, float, bool, type(None)})


def _copied(value: Any) -> Any:
    """A deep copy of JSON-like ``value``, as ``dataclasses.asdict`` copies a field."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    if kind is tuple:
        return tuple(_copied(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return copy.deepcopy(value)


# ---------------------------------------------------------------- engine


class Engine:
    """Interprets ``plan`` for one lead.

    Args:
        plan: the compiled Plan the lead is pinned to.
        state: the lead's state (new from :meth:`start`, or carried over).
        workflow_id: used for deterministic task ids.
    """

    def __init__(self, plan: ir.Plan, state: LeadState, workflow_id: str = "") -> None:
        self.plan = plan
        self.state = state
        self.workflow_id = workflow_id
        self.runs: Callable[[str], bool] = lambda change: True
        """Whether this lead runs the interpreter change ``change`` (an id of ``workflows.nurture.PATCHES``).
        Asked only where the change decides; the workflow answers for leads that ran before it."""
        # Derived values asked for at every decision, each kept with what it was derived from.
        self._tz_of: tuple[ir.Schedule, Any, str] | None = None
        self._texts: tuple[datetime | None, str, datetime | None, str] = (None, "", None, "")
        self._parsed: tuple[str, datetime] | None = None

    @property
    def _sales(self) -> SalesAcceptance:
        # Made when asked (it keeps nothing but the engine): an engine that held it would be a reference
        # cycle, freed only by the cycle collector, not as soon as it is dropped.
        return SalesAcceptance(self)

    # -- construction ------------------------------------------------------
    @classmethod
    def start(cls, plan: ir.Plan, lead: dict[str, Any], now: datetime, workflow_id: str = "") -> Engine:
        """A fresh lead entering ``plan`` at ``now``."""
        state = LeadState(lead=dict(lead), cadence=plan.name, version=plan.sha256, started_at=utc.iso(now))
        engine = cls(plan, state, workflow_id)
        engine._enter_stage(vocab.PREQUALIFY, now, "enrolled")
        return engine

    def switch_to(self, plan: ir.Plan, now: datetime, reason: str) -> None:
        """Continue this lead on ``plan`` (a track), keeping history and qualification.

        Leaving a handoff sales rejected or nobody accepted, the track's stage entry records
        that as its ``answer`` (:data:`~cadence.vocabulary.REJECTED`, :data:`~cadence.vocabulary.RECYCLED`).
        """
        st = self.state
        answer = recycle_answer(st.acceptance)
        st.tracks.append(f"{st.cadence}@{st.version[:12]}")
        st.cadence, st.version = plan.name, plan.sha256
        st.pc, st.phase, st.wait_until, st.open_task = 0, "enter", None, None
        st.visits, st.loops, st.pending, st.acceptance = {}, {}, [], None
        self.plan = plan
        self._history(now, "stage", detail=f"moved to track {plan.name}: {reason}")
        self._enter_stage(vocab.track_stage(plan.name), now, reason, answer)

    # -- the decision -------------------------------------------------------
    def next_command(self, now: datetime) -> Command:
        """Decide what happens next at ``now``; never blocks, never does I/O."""
        st = self.state
        for _ in range(MAX_TRANSITIONS):
            if st.status == "ended":
                raise EngineError("the nurture has ended")
            if st.pending:
                action = st.pending.pop(0)
                command = self._apply(ir.action_from_dict(action["action"]), now, action.get("why", ""), action.get("by", ""))
                if command is not None:
                    return self._remember(command, now)
                continue
            if st.status == "paused":
                return self._remember(Wait(None, "paused by an operator"), now)
            command = self._step(now)
            if command is not None:
                return self._remember(command, now)
        raise EngineError(f"more than {MAX_TRANSITIONS} steps without a wait at step {self._step_id()!r}")

    def keeps_waiting(self, until: datetime, now: datetime) -> bool:
        """Whether the lead, resting until ``until``, rests until that same instant after what just happened.

        The answer :meth:`next_command` would give at ``now`` (a :class:`Wait` for ``until``), read
        without deciding anything: an event that moved nothing (a reply the cadence records, a lead
        update) leaves the lead's timer as it is.
        """
        st = self.state
        return (st.status == "active" and not st.pending and now < until
                and st.phase in migration_positions.RESTING_PHASES
                and st.wait_until is not None and self._instant(st.wait_until) == until)

    def _step(self, now: datetime) -> Command | None:
        st = self.state
        if st.phase == "prequalify":
            return self._prequalify(now)
        if st.phase == "acceptance":
            return self._sales.decide(now)
        if st.phase in migration_positions.RESTING_PHASES:
            until = self._instant(st.wait_until) if st.wait_until else now
            if now < until:
                return Wait(until, self._wait_summary(until), business_days=self._task_in_business_days())
            if st.phase == "waiting":
                self._advance(now)
            elif st.phase == "loop_wait":
                step = self._current()
                assert isinstance(step, ir.LoopStep)
                self._goto(step.back_to, now, f"loop {step.id} round {st.loops.get(step.id, 0)}")
            elif st.phase == "window":
                st.phase = "touch"
            else:
                return self._task_missed(now)
            return None
        if st.phase in ("enter", "touch"):
            return self._run_step(now)
        raise EngineError(f"unknown phase {st.phase!r}")

    def _run_step(self, now: datetime) -> Command | None:
        st = self.state
        step = self._current()
        if step.kind in ir.TOUCH_KINDS:
            away = utc.parse(st.away_until) if st.away_until else None
            if away is not None and now < away:
                back = schedule.next_window_start(self.plan.schedule, self.tz, away)
                if back > away:
                    back = self._spread(back)
                self._rest("window", back)
                return Wait(back, f"out of office: {step.kind} {step.id} at {schedule.describe(back, self.tz)}",
                            window=True)
            if st.phase == "enter":
                start = schedule.next_window_start(self.plan.schedule, self.tz, now)
                if start > now:
                    start = self._spread(start)
                    self._rest("window", start)
                    return Wait(start, f"waiting for the send window: {step.kind} {step.id} at {schedule.describe(start, self.tz)}",
                                window=True)
                st.phase = "touch"
            return self._touch(step, now)
        if isinstance(step, ir.GateStep):
            self._count_visit(step.id)
            return self._gate(step, now)
        if isinstance(step, ir.LoopStep):
            done = st.loops.get(step.id, 0)
            if done >= step.times:
                self._history(now, "gate", step=step.id, outcome="loop_done", detail=f"{done}/{step.times} rounds done")
                return self._apply(step.then, now, f"loop {step.id} finished after {step.times} rounds")
            st.loops[step.id] = done + 1
            until = schedule.add_duration(self.plan.schedule, self.tz, now, step.every)
            self._rest("loop_wait", until)
            return Wait(until, f"round {done + 1}/{step.times} of {step.id}: {self._wait_summary(until, step.every)}",
                        business_days=step.every.unit == "business_days")
        if isinstance(step, ir.WaitStep):
            until = schedule.add_duration(self.plan.schedule, self.tz, now, step.duration)
            self._rest("waiting", until)
            return Wait(until, self._wait_summary(until, step.duration), business_days=step.duration.unit == "business_days")
        if isinstance(step, ir.ActionStep):
            return self._apply(step.action, now, f"step {step.id}")
        raise EngineError(f"unknown step kind {step.kind!r}")

    def _spread(self, opening: datetime) -> datetime:
        """When this lead, waiting for the window opening at ``opening``, is touched."""
        if not self.runs(CHANGE_SPREAD_WINDOW):
            return opening
        return schedule.spread_opening(self.plan.schedule, self.tz, opening,
                                       self.workflow_id or str(self.state.lead.get("id", "")))

    # -- touches --------------------------------------------------------------
    def _touch(self, step: ir.Step, now: datetime) -> Command | None:
        st = self.state
        iteration = st.visits.get(step.id, 0)
        number = self._touch_number(step.id)
        if isinstance(step, ir.EmailStep):
            if st.email_blocked:
                self._count_visit(step.id)
                self._history(now, "touch", channel="email", step=step.id, outcome="skipped",
                              detail=f"email not sent: lead {st.email_blocked}")
                return self._after_step(step, now)
            if not st.lead.get("email"):
                self._count_visit(step.id)
                self._history(now, "touch", channel="email", step=step.id, outcome="skipped", detail="lead has no email address")
                return self._after_step(step, now)
            template, subject, variant = self._variant(step)
            return Touch(step.id, "email", iteration, f"touch {number}: email {step.id}" + (f" ({variant})" if variant else ""),
                         template, subject, variant)
        if isinstance(step, ir.LetterStep):
            return Touch(step.id, "letter", iteration, f"touch {number}: letter {step.id}", step.template_path)
        if isinstance(step, ir.VoicemailStep) and step.mode == "drop":
            return Touch(step.id, "voicemail", iteration, f"touch {number}: voicemail drop {step.id}", step.template_path)
        if isinstance(step, (ir.CallStep, ir.VoicemailStep)):
            task_id = vocab.task_id_for(self.workflow_id or st.lead.get("id", "lead"), step.id, iteration + 1)
            due = schedule.add_duration(self.plan.schedule, self.tz, now, step.due)
            channel: Literal["call", "voicemail"] = "call" if isinstance(step, ir.CallStep) else "voicemail"
            return OpenTask(task_id, step.id, channel, self._assignee(step.assignee), due, iteration, step.template_path,
                            step.outcomes, f"touch {number}: {channel} task {step.id} for {self._assignee(step.assignee)}")
        raise EngineError(f"step {step.id!r} is not a touch")

    def touch_done(self, command: Touch, now: datetime, *, outcome: str = "sent", detail: str = "",
                   bounced: bool = False) -> None:
        """Record a finished automatic touch (``bounced``: the email came back permanently)."""
        st = self.state
        self._count_visit(command.step_id)
        if bounced:
            self._history(now, "touch", channel=command.channel, step=command.step_id, outcome="bounced", detail=detail)
            self.on_event("bounce", {"detail": detail, "step": command.step_id}, now, source="smtp")
        else:
            if outcome not in UNDONE_OUTCOMES:
                st.touches_by_channel[command.channel] = st.touches_by_channel.get(command.channel, 0) + 1
            if outcome == "suppressed":
                st.email_blocked = "suppressed"  # on the do-not-contact list: no later email step sends either
            self._history(now, "touch", channel=command.channel, step=command.step_id, outcome=outcome, detail=detail)
        if st.phase == "touch" and self._step_id() == command.step_id:
            step = self._current()
            on_failure = getattr(step, "on_failure", ir.ContinueAction())
            if outcome == "failed" and not isinstance(on_failure, ir.ContinueAction):
                self._queue(on_failure, f"{command.channel} {command.step_id} could not be sent: {detail}"[:300], "")
            else:
                self._after_step(step, now)

    def task_opened(self, command: OpenTask, brief: str, now: datetime) -> None:
        """Record that the task of ``command`` is open with its rendered ``brief``."""
        st = self.state
        st.open_task = {
            "task_id": command.task_id,
            "kind": command.channel,
            "step": command.step_id,
            "assignee": command.assignee,
            "due_at": self._iso(command.due_at),
            "opened_at": self._iso(now),
            "brief": brief,
            "outcomes": list(command.outcomes),
        }
        self._rest("task_open", command.due_at)
        self._history(now, "task", channel=command.channel, step=command.step_id, outcome="opened",
                      by=command.assignee, detail=f"task {command.task_id} due {self._iso(command.due_at)}")

    def _task_missed(self, now: datetime) -> Command | None:
        st = self.state
        task = st.open_task or {}
        step = self._current()
        st.open_task = None
        st.last_outcome = "missed"
        self._history(now, "task", channel=task.get("kind"), step=step.id, outcome="missed",
                      by=task.get("assignee", ""), detail=f"task {task.get('task_id')} was not completed by its due time")
        self._count_visit(step.id)
        action = getattr(step, "on_missed", ir.ContinueAction())
        if isinstance(action, ir.ContinueAction):
            return self._after_step(step, now)
        return self._apply(action, now, f"task {task.get('task_id')} missed")

    # -- human input (validators raise RejectedInput; appliers change state) ------
    def check_outcome(self, task_id: str, outcome: str, learned: dict[str, str]) -> None:
        """Refuse an outcome that cannot be recorded; says why in one line.

        Raises:
            RejectedInput: no open task, another task, unknown outcome or attribute.
        """
        st = self.state
        if st.status == "ended":
            raise RejectedInput(f"lead {st.lead.get('id')} has ended ({(st.outcome or {}).get('kind')}); no task is open")
        task = st.open_task
        if task is None:
            raise RejectedInput(f"task {_shown(task_id)} is not open: lead {st.lead.get('id')} has no open task")
        if task["task_id"] != task_id:
            raise RejectedInput(f"task {_shown(task_id)} is not open: the open task is {task['task_id']}")
        if outcome not in task["outcomes"]:
            raise RejectedInput(f"unknown outcome {outcome!r}{did_you_mean(outcome, task['outcomes'], SUGGESTION_QUOTED)}; "
                                f"expected one of: {', '.join(task['outcomes'])}")
        self.check_learned(learned)

    def check_learned(self, learned: dict[str, str]) -> None:
        """Refuse qualification facts naming attributes the cadence does not track."""
        for name, value in learned.items():
            if name not in self.plan.qualification:
                raise RejectedInput(f"unknown qualification attribute {name!r}{did_you_mean(name, self.plan.qualification, SUGGESTION_QUOTED)}; "
                                    f"expected one of: {', '.join(self.plan.qualification)}")
            if not isinstance(value, str) or not value.strip() or len(value) > 2000:
                raise RejectedInput(f"qualification attribute {name!r} needs a text value of 1-2000 characters")

    def log_outcome(self, task_id: str, outcome: str, notes: str, learned: dict[str, str], by: str, now: datetime) -> None:
        """Record a rep's outcome of the open task and what they learned."""
        self.check_outcome(task_id, outcome, learned)
        st = self.state
        task = st.open_task
        assert task is not None
        step = self.plan.step(task["step"])
        st.open_task = None
        st.last_outcome = outcome
        st.touches_by_channel[task["kind"]] = st.touches_by_channel.get(task["kind"], 0) + 1
        counter = ENGAGEMENT_OUTCOMES.get(outcome)
        if counter:
            st.engagement[counter] += 1
        self._learn(learned, by or task["assignee"], now)
        self._history(now, "touch", channel=task["kind"], step=step.id, outcome=outcome, notes=notes,
                      by=by or task["assignee"], detail=f"task {task_id}")
        self._count_visit(step.id)
        rule = next((r for r in getattr(step, "on_outcome", ()) if r.outcome == outcome), None)
        if rule is None or isinstance(rule.action, ir.ContinueAction):
            if self._step_id() == step.id:
                self._after_step(step, now)
        else:
            self._queue(rule.action, f"{task['kind']} outcome {outcome}", by)

    def on_event(self, kind: str, data: dict[str, Any], now: datetime, source: str = "", *,
                 keep_with_sales: bool = True) -> bool:
        """Apply a system event (reply, meeting_booked, callback_requested, unsubscribe, bounce, lead_updated).

        Args:
            keep_with_sales: while sales decides on a handed-off lead, record the event (history,
                engagement, email blocked) but run none of the cadence's handlers: a reply must not pull
                the lead back into nurture, a meeting must not hand it off twice. ``False`` keeps the
                behaviour of leads that ran before this rule (their histories replay unchanged).

        Returns:
            Whether the lead took it: ``False`` for a redelivery (an event id it has) and after the end.

        Raises:
            RejectedInput: for an unknown kind or bad lead data.
        """
        st = self.state
        if kind not in ir.SYSTEM_EVENT_KINDS:
            raise RejectedInput(f"unknown event {kind!r}{did_you_mean(kind, ir.SYSTEM_EVENT_KINDS, SUGGESTION_QUOTED)}; "
                                f"expected one of: {', '.join(ir.SYSTEM_EVENT_KINDS)}")
        event_id = str(data.get("event_id") or "")[:300]
        if event_id:
            if event_id in st.event_ids:
                return False  # a redelivery (SMTP retry, webhook retry, a second gateway): taken already
            st.event_ids = [*st.event_ids, event_id][-MAX_EVENT_IDS:]
        if st.status == "ended":
            self._history(now, "event", outcome=kind, detail="after the end: ignored", by=source)
            return False
        if kind == "out_of_office":
            self._away(data, now, source)
            return True
        if kind == "soft_bounce":
            self._soft_bounce(data, now, source)
            return True
        if kind == "lead_updated":
            fields = data.get("fields", data)
            if not isinstance(fields, dict):
                raise RejectedInput("lead_updated needs the changed fields as an object (field: value)")
            self._update_fields(dict(fields), now, source)
        counter = EVENT_COUNTERS.get(kind)
        if counter:
            st.engagement[counter] += 1
        if kind == "unsubscribe":
            st.email_blocked = "unsubscribed"
        elif kind == "bounce":
            st.email_blocked = "bounced"
        st.last_outcome = kind
        detail = str(data.get("detail", ""))[:500]
        self._history(now, "event", outcome=kind, detail=detail, by=source)
        if keep_with_sales and st.phase == "acceptance":
            return True  # sales has the lead; the dossier and the lead page show the event
        action = self.plan.handler(kind)
        if action is None and kind == "unsubscribe":
            action = ir.DisqualifyAction(vocab.OPTED_OUT)
        if action is not None and not isinstance(action, ir.ContinueAction):
            self._queue(action, f"event {kind}", source)
        return True

    def check_lead_update(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Validate changed lead fields like enrollment data; returns the merged lead.

        Raises:
            RejectedInput: naming every problem.
        """
        if "id" in fields and str(fields["id"]) != str(self.state.lead.get("id")):
            raise RejectedInput("the lead id cannot be changed")
        merged = {**self.state.lead, **fields}
        try:
            return parse_lead(merged).fields
        except LeadError as exc:
            raise RejectedInput(f"invalid lead data: {exc}") from None

    def _update_fields(self, fields: dict[str, Any], now: datetime, by: str) -> None:
        self.state.lead = self.check_lead_update(fields)
        self._history(now, "operator", outcome="lead_updated", by=by, detail=", ".join(sorted(fields)))

    def _away(self, data: dict[str, Any], now: datetime, source: str) -> None:
        """An out-of-office reply: touches wait until the return date it named (the first send window
        from that day on, in the lead's zone), else the cadence's ``inbound.out_of_office_pause``."""
        back = str(data.get("until") or "")
        try:
            day = date.fromisoformat(back[:10]) if back else None
        except ValueError:
            raise RejectedInput(f"out_of_office: until {back[:40]!r} is not a date (YYYY-MM-DD)") from None
        if day is not None and day > now.astimezone(ZoneInfo(self.tz)).date():
            midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(self.tz))
            until = self._spread(schedule.next_window_start(self.plan.schedule, self.tz, midnight))
            why = f"back on {day.isoformat()}"
        else:
            pause = self.plan.inbound.out_of_office_pause
            # Clock time for clock units (7 days is 168 hours, as before pauses were configurable).
            until = (schedule.add_duration(self.plan.schedule, self.tz, now, pause) if pause.unit == "business_days"
                     else now + _CLOCK_UNITS[pause.unit] * pause.amount)
            why = f"no return date found: {pause}"
        current = utc.parse(self.state.away_until) if self.state.away_until else None
        self.state.away_until = utc.iso(max(until, current) if current else until)
        detail = f"{str(data.get('detail', ''))[:300]} (touches wait until {self.state.away_until}: {why})".strip()
        self._history(now, "event", outcome="out_of_office", detail=detail, by=source)

    def _soft_bounce(self, data: dict[str, Any], now: datetime, source: str) -> None:
        """A soft bounce (4.x.x): counted; the cadence's ``inbound.soft_bounces``-th is a bounce."""
        st = self.state
        st.soft_bounces += 1
        limit = self.plan.inbound.soft_bounces
        detail = str(data.get("detail", ""))[:300]
        self._history(now, "event", outcome="soft_bounce", by=source,
                      detail=f"{detail} (soft bounce {st.soft_bounces} of {limit})".strip())
        if st.soft_bounces >= limit and st.email_blocked is None:
            self.on_event("bounce", {"detail": f"{st.soft_bounces} soft bounces, the last: {detail}"[:500]},
                          now, source)

    def check_update_lead(self, fields: dict[str, Any]) -> None:
        """Refuse a lead-data change: the lead has ended, or the merged data is invalid."""
        self.check_active()
        self.check_lead_update(fields)

    def update_lead(self, fields: dict[str, Any], by: str, now: datetime, *, keep_with_sales: bool = True) -> None:
        """An operator changed lead data; the cadence's ``lead_updated`` handler applies (see :meth:`on_event`)."""
        self.check_update_lead(fields)
        self.on_event("lead_updated", {"fields": fields}, now, source=by, keep_with_sales=keep_with_sales)

    def check_contact_keys(self, email: str, keys: list[str]) -> None:
        """Refuse contact keys computed for an address this lead does not have now, none at all, or an ended lead."""
        self.check_active()
        if not keys:
            raise RejectedInput("no contact key given")
        lead_id = self.state.lead.get("id")
        have = str(self.state.lead.get("email") or "").strip().lower()
        if not have:
            raise RejectedInput(f"lead {lead_id} has no email address; it has no contact key")
        if have != str(email).strip().lower():
            raise RejectedInput(f"lead {lead_id}'s address changed after its key was computed; nothing was published")

    def check_active(self) -> None:
        """Refuse operator input to a lead that has ended."""
        if self.state.status == "ended":
            raise RejectedInput(f"lead {self.state.lead.get('id')} has already ended")

    def check_reason(self, reason: str) -> None:
        """Refuse a disqualification: the lead has ended, or the cadence did not declare ``reason``."""
        self.check_active()
        if reason not in self.plan.disqualify_reasons:
            raise RejectedInput(f"reason {reason!r} is not declared by cadence {self.plan.name}"
                                f"{did_you_mean(reason, self.plan.disqualify_reasons, SUGGESTION_QUOTED)}; expected one of: "
                                f"{', '.join(self.plan.disqualify_reasons)}")

    def disqualify(self, reason: str, note: str, by: str, now: datetime) -> None:
        """An operator disqualifies the lead."""
        self.check_reason(reason)
        self._history(now, "operator", outcome="disqualify", by=by, detail=f"{reason}: {note}".rstrip(": "))
        self._queue(ir.DisqualifyAction(reason), f"operator {by}: {note}".strip(), by)

    def force_handoff(self, to: str, note: str, by: str, now: datetime) -> None:
        """An operator hands the lead to sales now (``to`` empty: the lead owner)."""
        self.check_active()
        self._history(now, "operator", outcome="handoff", by=by, detail=note)
        self._queue(ir.HandoffAction(to or "{{ lead.owner | default('queue:sales') }}"), f"operator {by}: {note}".strip(), by)

    def check_pause(self) -> None:
        """Refuse to pause a lead that is not active."""
        st = self.state
        if st.status != "active":
            raise RejectedInput(f"lead {st.lead.get('id')} is {st.status}, not active")

    def pause(self, by: str, now: datetime) -> None:
        """Stop all touches until :meth:`resume`; waits keep their deadlines."""
        self.check_pause()
        self.state.status = "paused"
        self._history(now, "operator", outcome="paused", by=by)

    def check_resume(self) -> None:
        """Refuse to resume a lead that is not paused."""
        st = self.state
        if st.status != "paused":
            raise RejectedInput(f"lead {st.lead.get('id')} is {st.status}, not paused")

    def resume(self, by: str, now: datetime) -> None:
        """Undo :meth:`pause`."""
        self.check_resume()
        self.state.status = "active"
        self._history(now, "operator", outcome="resumed", by=by)

    # -- sales acceptance (cadence.acceptance) -------------------------------------
    def handed_off(self, command: Finish, now: datetime) -> None:
        """The dossier went to ``command.to``; wait for sales to accept (the plan has acceptance)."""
        self._sales.handed_off(command, now)

    def check_migration(self, root: ir.Plan, mapping: dict[str, str], migration_id: str,
                        now: datetime) -> tuple[ir.Plan, Move] | None:
        """Where this lead will stand on ``root`` (or the track of it it runs); ``None`` when already moved.

        Raises:
            RejectedInput: when the lead cannot be moved, with the reason.
        """
        st = self.state
        if any(m.get("id") == migration_id for m in st.migrations) or \
                migration_targets.same_version(migration_targets.root_version(st), root.sha256):
            return None
        try:
            target = migration_targets.target_for(self.plan, root)
            return target, migration_positions.plan_move(st, self.plan, target, mapping, now)
        except migration_positions.MoveRefused as exc:
            raise RejectedInput(str(exc)) from None

    def migrate(self, root: ir.Plan, mapping: dict[str, str], migration_id: str, by: str, now: datetime) -> str:
        """Move this lead onto ``root`` at the mapped position; returns what happened in words.

        Raises:
            RejectedInput: when the lead cannot be moved (nothing changes).
        """
        checked = self.check_migration(root, mapping, migration_id, now)
        st = self.state
        if checked is None:
            return f"lead {st.lead.get('id')} {migration_targets.ALREADY_MOVED} {root.short_version}"
        target, move = checked
        name, before = migration_targets.root_of(st)
        migration_positions.apply_move(st, target, move)
        self.plan = target
        at = f"{move.source.step}" if move.source.step == move.step else f"{move.source.step} -> {move.step}"
        text = (f"migrated from {name} {before[:12]} to {root.short_version}"
                f"{f' ({root.version_label})' if root.version_label else ''} by {by or 'an operator'}, at {at}")
        st.migrations.append({"id": migration_id, "cadence": name, "from": before, "to": root.sha256,
                              "at": utc.iso(now), "by": by, "from_step": move.source.step, "to_step": move.step})
        self._history(now, "stage", step=move.step, outcome="migrated", by=by,
                      detail=text + (f"; {move.why_deadline}" if move.why_deadline else ""))
        if st.stages:
            st.stages[-1].setdefault("migrations", []).append(text)
        return text

    def answer_by(self, now: datetime) -> datetime | None:
        """By when sales must accept or reject a lead handed off at ``now``; ``None`` without acceptance."""
        return self._sales.answer_by(now)

    def check_acceptance_answer(self) -> dict[str, Any]:
        """The pending acceptance; refuses when the lead is not waiting for sales."""
        return self._sales.check_answer()

    def accept(self, by: str, note: str, now: datetime) -> None:
        """Sales accepted the lead: the nurture ends in an accepted handoff (``by`` empty: the assignee)."""
        self._sales.accept(by, note, now)

    def check_reject(self, reason: str) -> dict[str, Any]:
        """The pending acceptance; refuses when the lead is not waiting for sales or ``reason`` is blank."""
        return self._sales.check_reject(reason)

    def reject(self, reason: str, by: str, now: datetime) -> None:
        """Sales rejected the lead: it goes back to nurture on the recycle track (``by`` empty: the assignee)."""
        self._sales.reject(reason, by, now)

    def finished(self, command: Finish, now: datetime, detail: str = "") -> None:
        """Record that ``command`` (handoff or disqualification) was carried out."""
        st = self.state
        if command.outcome != vocab.HANDOFF:
            ended = vocab.DISQUALIFIED
        else:
            ended = vocab.HANDED_OFF if command.deliver else vocab.ACCEPTED
        self._enter_stage(ended, now, command.reason, vocab.ACCEPTED if ended == vocab.ACCEPTED else "")
        st.status, st.phase, st.open_task, st.next_action = "ended", "ended", None, None
        st.outcome = {"kind": command.outcome, "reason": command.reason, "to": command.to, "at": self._iso(now), "by": command.by}
        self._history(now, "stage", outcome=command.outcome, detail=f"{command.reason} {detail}".strip(), by=command.by)

    # -- views ------------------------------------------------------------------
    @property
    def tz(self) -> str:
        """The lead's time zone for this plan's schedule."""
        plan_schedule, field_value = self.plan.schedule, self.state.lead.get("timezone")
        known = self._tz_of
        if known is None or known[0] is not plan_schedule or known[1] != field_value:
            known = self._tz_of = (plan_schedule, field_value, schedule.resolve_timezone(plan_schedule, field_value))
        return known[2]

    def qualified(self) -> list[str]:
        """Captured attributes, in the cadence's order."""
        return scoring.qualified(self.plan.qualification, self.state.qualification)

    def score(self) -> int:
        """BANT-style score 0-100 (25 per letter known; a custom list: share captured); see :mod:`cadence.scoring`."""
        return scoring.score(self.plan.qualification, self.state.qualification)

    def condition_context(self, now: datetime) -> dict[str, Any]:
        """Values of :data:`cadence.context.CONDITION_NAMES` at ``now`` (built by :mod:`cadence.context_values`)."""
        return context_values.condition_values(self.plan, self.state, now)

    def template_context(self, now: datetime, step_id: str, iteration: int,
                         names: Collection[str] | None = None) -> dict[str, Any]:
        """Values of :data:`cadence.context.TEMPLATE_NAMES` (the activity adds ``unsubscribe_url`` and ``sender``).

        Args:
            now: cadence time.
            step_id: the step being rendered.
            iteration: how many times that step ran before.
            names: only these variables (what the template reads); ``lead`` is then left
                out too, since every request carries the lead. ``None``: all of them.
        """
        return context_values.template_values(self.plan, self.state, now, step_id, iteration, names)

    def context_for(self, now: datetime, step_id: str, iteration: int, *sources: str) -> dict[str, Any]:
        """:meth:`template_context` with only the variables the template texts ``sources`` read.

        A template that does not parse gets everything; rendering it reports the error.
        """
        return context_values.template_values_for(self.plan, self.state, now, step_id, iteration, *sources)

    def snapshot(self, now: datetime) -> dict[str, Any]:
        """The full state as people and the dossier read it."""
        data = self.state.to_dict()
        data.update(
            lead_id=self.state.lead.get("id"),
            position=self._step_id() if self.state.phase != "ended" else None,
            now=utc.iso(now),
            missing=scoring.missing(self.plan.qualification, self.state.qualification),
            score=self.score(),
            touches=sum(self.state.touches_by_channel.values()),
            plan_touches=self.plan.touch_count,
        )
        return data

    # -- internals ----------------------------------------------------------------
    def _remember(self, command: Command, now: datetime) -> Command:
        st = self.state
        if isinstance(command, Wait):
            st.next_action = None if command.until is None else {"what": command.summary, "at": self._iso(command.until)}
        elif isinstance(command, (Touch, OpenTask)):
            st.next_action = {"what": command.summary, "at": self._iso(now)}
        return command

    def _current(self) -> ir.Step:
        if not 0 <= self.state.pc < len(self.plan.steps):
            raise EngineError(f"position {self.state.pc} is outside the cadence")
        return self.plan.steps[self.state.pc]

    def _step_id(self) -> str:
        return self._current().id if 0 <= self.state.pc < len(self.plan.steps) else ""

    def _count_visit(self, step_id: str) -> None:
        self.state.visits[step_id] = self.state.visits.get(step_id, 0) + 1

    def _touch_number(self, step_id: str) -> str:
        return self.plan.touch_numbers[step_id]

    def _iso(self, when: datetime) -> str:
        """:func:`cadence.utc.iso` of ``when``; one decision writes the same two instants (now, the wait's end) often."""
        memo = self._texts
        if memo[0] is when:
            return memo[1]
        if memo[2] is when:
            return memo[3]
        text = utc.iso(when)
        self._texts = (when, text, memo[0], memo[1])
        return text

    def _rest(self, phase: str, until: datetime) -> None:
        """Enter ``phase``, which lasts until ``until`` (kept as text in the state, and read back at every decision)."""
        text = self._iso(until)
        self.state.phase, self.state.wait_until = phase, text
        if until.tzinfo is UTC and not until.fold:
            self._parsed = (text, until)  # what parsing the text gives back

    def _instant(self, text: str) -> datetime:
        """:func:`cadence.utc.parse` of ``text``; a lead reads its wait's end at every decision while it waits."""
        known = self._parsed
        if known is None or known[0] != text:
            known = self._parsed = (text, utc.parse(text))
        return known[1]

    def _after_step(self, step: ir.Step, now: datetime) -> None:
        wait = getattr(step, "wait", None)
        if wait is not None and wait.amount > 0:
            until = schedule.add_duration(self.plan.schedule, self.tz, now, wait)
            self._rest("waiting", until)
        else:
            self._advance(now)
        return None

    def _advance(self, now: datetime) -> None:
        st = self.state
        st.pc += 1
        st.phase, st.wait_until = "enter", None
        if st.pc >= len(self.plan.steps):
            # The validator forbids falling off the end; a defensive, explicit end.
            st.pc -= 1
            self._queue(ir.DisqualifyAction("no_response"), "end of cadence", "")

    def _goto(self, step_id: str, now: datetime, why: str) -> None:
        st = self.state
        if st.open_task is not None:
            task = st.open_task
            st.open_task = None
            self._history(now, "task", channel=task["kind"], step=task["step"], outcome="cancelled",
                          detail=f"task {task['task_id']} closed: {why}")
            if self.runs(CHANGE_COUNT_CANCELLED_TASK):
                # The cancelled task was a visit: the step's next task gets a new id, so a late outcome
                # for the cancelled one is refused instead of landing on the new one.
                self._count_visit(task["step"])
        st.pc = self.plan.index(step_id)
        st.phase, st.wait_until = "enter", None

    def _queue(self, action: ir.Action, why: str, by: str) -> None:
        self.state.pending.append({"action": ir.action_to_dict(action), "why": why, "by": by})

    def _apply(self, action: ir.Action, now: datetime, why: str, by: str = "") -> Command | None:
        st = self.state
        if isinstance(action, ir.ContinueAction):
            return None
        if isinstance(action, ir.GotoAction):
            self._history(now, "gate", step=action.step, outcome="goto", detail=why, by=by)
            self._goto(action.step, now, why)
            return None
        if isinstance(action, ir.DisqualifyAction):
            st.open_task = None
            return Finish(vocab.DISQUALIFIED, action.reason, by=by, summary=f"disqualified: {action.reason} ({why})")
        if isinstance(action, ir.HandoffAction):
            st.open_task = None
            to = self._render_assignee(action.to, now)
            self._enter_stage(vocab.SALES_READY, now, why)
            return Finish(vocab.HANDOFF, why, to=to, sections=action.dossier, by=by, summary=f"hand off to {to} ({why})")
        if isinstance(action, ir.TrackAction):
            st.open_task = None
            return SwitchTrack(action.track, why, f"move to long-term track {action.track} ({why})")
        raise EngineError(f"unknown action {action!r}")

    def _gate(self, step: ir.GateStep, now: datetime) -> Command | None:
        names = templating.condition_names(*[rule.condition for rule in step.rules if rule.condition is not None])
        ctx = context_values.condition_values(self.plan, self.state, now, names)
        for index, rule in enumerate(step.rules):
            if rule.condition is None or self._holds(rule.condition, ctx, now, step.id):
                label = "else" if rule.condition is None else f"rule {index + 1}: {rule.condition}"
                self._history(now, "gate", step=step.id, outcome=rule.action.kind, detail=label)
                return self._apply(rule.action, now, f"gate {step.id} {label}")
        raise EngineError(f"gate {step.id!r} has no else")

    def _prequalify(self, now: datetime) -> Command | None:
        st = self.state
        ctx = context_values.prequal_values(self.plan, st.lead)
        for rule in self.plan.prequalify:
            if self._holds(rule.condition, ctx, now, "prequalify"):
                note = rule.note or rule.condition
                self._history(now, "gate", step="prequalify", outcome="rejected", detail=f"{rule.reason}: {note}")
                return Finish(vocab.DISQUALIFIED, rule.reason, summary=f"pre-qualification: {note}", by="prequalify")
        self._history(now, "gate", step="prequalify", outcome="passed")
        st.phase, st.pc = "enter", 0
        self._enter_stage(vocab.NURTURE if not st.tracks else vocab.track_stage(self.plan.name), now, "pre-qualified")
        return None

    def _variant(self, step: ir.EmailStep) -> tuple[str, str, str]:
        if not step.variants:
            return step.template, step.subject, ""
        total = sum(v.weight for v in step.variants)
        digest = hashlib.sha256(f"{self.state.lead.get('id')}|{self.plan.name}|{step.id}".encode()).digest()
        point = int.from_bytes(digest[:8], "big") % total
        for v in step.variants:
            if point < v.weight:
                return v.template, v.subject, v.name
            point -= v.weight
        last = step.variants[-1]
        return last.template, last.subject, last.name

    def _assignee(self, assignee: str) -> str:
        return assignee_for(assignee, self.state.lead)

    def _render_assignee(self, to: str, now: datetime) -> str:
        if "{" not in to:
            return to
        try:
            rendered = templating.render(to, self.condition_context(now), name="handoff.to").strip()
        except templating.TemplateError as exc:
            self._history(now, "gate", step="handoff", outcome="error", detail=f"assignee: {exc}; sent to queue:sales")
            return "queue:sales"
        return rendered or "queue:sales"

    def _holds(self, condition: str, ctx: dict[str, Any], now: datetime, where: str) -> bool:
        """Evaluate a condition; one that fails on this lead's data counts as false and is recorded."""
        try:
            return templating.evaluate(condition, ctx)
        except templating.TemplateError as exc:
            # A lead lacking a field must not wedge its workflow in a retry loop.
            self._history(now, "gate", step=where, outcome="error", detail=f"{exc} (counted as false)")
            return False

    def _learn(self, learned: dict[str, str], by: str, now: datetime) -> None:
        for name, value in learned.items():
            self.state.qualification[name] = {"value": value.strip(), "by": by, "at": self._iso(now)}

    def _history(self, now: datetime, kind: str, *, channel: str | None = None, step: str = "", outcome: str = "",
                 notes: str = "", by: str = "", detail: str = "") -> None:
        self.state.history.append({"at": self._iso(now), "kind": kind, "channel": channel, "step": step,
                                   "outcome": outcome, "notes": notes, "by": by, "detail": detail})

    def _enter_stage(self, stage: str, now: datetime, why: str, answer: str = "") -> None:
        """Enter ``stage`` because of ``why`` (words for people); ``answer``: what sales did with the handoff
        this stage follows (:data:`~cadence.vocabulary.ACCEPTANCE_ANSWERS`), recorded as a fact to read back."""
        st = self.state
        if st.stages and st.stages[-1]["stage"] == stage:
            return
        self._close_stage(now)
        st.stage = stage
        entry: dict[str, Any] = {"stage": stage, "entered_at": self._iso(now), "left_at": None, "why": why}
        if answer:
            entry["answer"] = answer
        st.stages.append(entry)

    def _close_stage(self, now: datetime) -> None:
        if self.state.stages and self.state.stages[-1]["left_at"] is None and self.state.status != "ended":
            self.state.stages[-1]["left_at"] = self._iso(now)

    def _task_in_business_days(self) -> bool:
        """Whether the open task's due time counts business days (``False`` when no task is open)."""
        task = self.state.open_task
        if self.state.phase != "task_open" or task is None:
            return False
        due = getattr(self.plan.step(task["step"]), "due", None)
        return due is not None and due.unit == "business_days"

    def _wait_summary(self, until: datetime, duration: ir.Duration | None = None) -> str:
        st = self.state
        if st.phase == "task_open" and st.open_task:
            return f"waiting for the outcome of {st.open_task['kind']} task {st.open_task['step']} until {schedule.describe(until, self.tz)}"
        what = f"{duration} " if duration is not None else ""
        return f"waiting {what}until {schedule.describe(until, self.tz)}"


def assignee_for(assignee: str, lead: Mapping[str, Any]) -> str:
    """Who works a task of a step whose ``assignee`` is ``assignee`` (``owner``, ``rep:NAME``, ``queue:NAME``) for ``lead``."""
    if assignee == "owner":
        return str(lead.get("owner") or "queue:unassigned")
    if assignee.startswith("rep:"):
        return assignee[4:]
    return assignee


def _shown(text: str) -> str:
    """``text`` as is when printable, else quoted: input echoed to terminals and logs stays one line."""
    return text if isinstance(text, str) and text.isprintable() and len(text) <= 200 else repr(text)[:200]


__all__ = [
    "CHANGE_COUNT_CANCELLED_TASK",
    "CHANGE_SPREAD_WINDOW",
    "Command",
    "Engine",
    "EngineError",
    "Finish",
    "LeadState",
    "OpenTask",
    "RejectedInput",
    "SwitchTrack",
    "Touch",
    "Wait",
    "assignee_for",
]
