"""The nurture workflow: one per lead, a thin shell over :mod:`cadence.engine`.

The engine decides; this class executes its commands with activities,
timers and ``wait_condition`` (so any event cuts a wait short), exposes
updates, signals and a query, and keeps the Temporal UI readable: search
attributes for filtering, current details as markdown, a summary on every
activity and timer.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from typing import Any, NoReturn

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from cadence import engine as eng
    from cadence import ir, lead_view, metrics, schedule, utc, visibility
    from cadence.channels import requests as rq
    from cadence.messages import (
        INTERPRETER_GENERATION,
        QUERY_STATE,
        SIGNAL_EVENT,
        UPDATE_ACCEPT,
        UPDATE_CONTACT_KEYS,
        UPDATE_DISQUALIFY,
        UPDATE_HANDOFF,
        UPDATE_LEAD,
        UPDATE_LOG_OUTCOME,
        UPDATE_MIGRATE,
        UPDATE_PAUSE,
        UPDATE_REJECT,
        UPDATE_RESUME,
        WORKFLOW_NAME,
        ContactKeysInput,
        EventInput,
        LeadUpdateInput,
        MigrateInput,
        NurtureInput,
        OperatorInput,
        OutcomeInput,
        UpdateResult,
    )

KEYS = visibility.keys()

EMAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), backoff_coefficient=2.0,
                          maximum_interval=timedelta(minutes=10))
FILE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
PATCH_STAGE_MEMO = "stage-memo-v1"
PATCH_PUBLISH_ON_WAIT = "publish-on-wait-v1"
PATCH_KEEP_WITH_SALES = "keep-with-sales-v1"
PATCH_CONTACT_KEYS = "contact-keys-on-change-v1"
PATCH_KEEP_TIMER = "keep-timer-v1"
PATCHES: dict[str, int] = {PATCH_STAGE_MEMO: 1, PATCH_PUBLISH_ON_WAIT: 1, PATCH_KEEP_WITH_SALES: 2,
                           eng.CHANGE_COUNT_CANCELLED_TASK: 2, PATCH_CONTACT_KEYS: 2,
                           eng.CHANGE_SPREAD_WINDOW: 2, PATCH_KEEP_TIMER: 2}
"""Interpreter changes made while leads were in flight (docs/versioning.md): patch id -> the
first interpreter generation with it built in. Older leads decide by ``workflow.patched``."""


@workflow.defn(name=WORKFLOW_NAME)
class NurtureWorkflow:
    """Runs one lead through its pinned Plan until handoff or disqualification."""

    @workflow.init
    def __init__(self, inp: NurtureInput) -> None:
        if inp.interpreter_generation > INTERPRETER_GENERATION:
            # Fails the workflow task (retried, visible in the UI) so that a newer worker runs this lead.
            raise RuntimeError(f"lead started on interpreter generation {inp.interpreter_generation}; this worker "
                               f"knows up to {INTERPRETER_GENERATION}: upgrade the worker")
        self.inp = inp
        self.plan = ir.plan_from_dict_cached(inp.plan)
        self.scale = inp.time_scale if inp.time_scale and inp.time_scale > 0 else 1.0
        self.origin_real = workflow.now()
        stated = utc.parse(inp.virtual_now) if inp.virtual_now else None
        self.origin_virtual = stated or self.origin_real
        # At real speed cadence time is workflow time plus a fixed offset: stated at enrollment (a test or
        # simulation names its start instant), then carried as an offset, never re-derived from a carried
        # instant, so a run that starts later than its predecessor ended loses no time.
        if inp.state is None and stated is not None:
            self.offset = stated - self.origin_real
        else:
            self.offset = timedelta(seconds=inp.clock_offset)
        wf_id = workflow.info().workflow_id
        if inp.state is None:
            self.engine = eng.Engine.start(self.plan, inp.lead, self.now(), wf_id)
        else:
            self.engine = eng.Engine(self.plan, eng.LeadState.from_dict(inp.state), wf_id)
        # The engine asks where a change decides; a lead from before the change answers no on replay.
        self.engine.runs = self._patched
        # The SDK holds the run's input as long as the lead stays cached. The parsed plan is shared by
        # every lead on its version and the lead and its state now live in the engine: empty the input's
        # copies (the parts the engine took stay), or each cached lead keeps a second plan and history.
        inp.plan.clear()
        inp.lead.clear()
        if inp.state is not None:
            inp.state.clear()
        self.woken = False
        self.resting = False
        """Whether the main loop waits (between decisions): a migration moves the lead only then."""
        self.resting_until: datetime | None = None
        """The cadence instant the current wait's timer fires at (None: a wait with no timer)."""
        self.migrated = False
        self.published: dict[str, Any] = {}
        self.delivery: dict[str, Any] = {}
        self.counted = len(self.engine.state.history)
        """History entries already counted in the metrics (a carried history was counted by its run)."""

    # -- clock ----------------------------------------------------------------
    def now(self) -> datetime:
        """Cadence time: workflow time, sped up by ``time_scale`` for demos."""
        real = workflow.now()
        if self.scale == 1.0:
            return real + self.offset
        return self.origin_virtual + (real - self.origin_real) * self.scale

    def _real_delay(self, until: datetime) -> timedelta:
        return max(timedelta(0), (until - self.now()) / self.scale)

    # -- main loop ---------------------------------------------------------------
    @workflow.run
    async def run(self, inp: NurtureInput) -> dict[str, Any]:
        """Interpret the plan; returns the outcome with the dossier or the reason."""
        while True:
            self._count_new_history()
            if self.migrated:
                # The new version's plan replaces the old in this lead's input from here on.
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._continue_as_new()
            command = self.engine.next_command(self.now())
            if self._publishes_before(command) or not self._patched(PATCH_PUBLISH_ON_WAIT):
                # Search attributes describe where the lead waits; publishing before every activity too
                # cost a billable upsert per touch that the next wait overwrote (benchmarks/README.md).
                self._publish()
            if isinstance(command, eng.Wait):
                if self._should_continue_as_new():
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    self._continue_as_new()
                await self._wait(command)
            elif isinstance(command, eng.Touch):
                await self._touch(command)
            elif isinstance(command, eng.OpenTask):
                await self._open_task(command)
            elif isinstance(command, eng.SwitchTrack):
                parent = self.plan
                track = parent.track(command.track)
                # Flattened tracks carry none of their own; keep the parent's so a track can move on again.
                self.plan = dataclasses.replace(track, tracks=parent.tracks)
                self.engine.plan = self.plan
                self.engine.switch_to(self.plan, self.now(), command.reason)
                self._publish()
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._continue_as_new()
            elif isinstance(command, eng.Finish):
                if command.outcome == "handoff" and command.deliver:
                    await self._deliver(command)
                    if self.plan.acceptance is not None:
                        self.engine.handed_off(command, self.now())
                        continue
                return await self._finish(command)

    def _count_new_history(self) -> None:
        """Count what the lead's history gained since the last look (replay-safe: the meter is silent then)."""
        history = self.engine.state.history
        if len(history) <= self.counted:
            return
        meter = workflow.metric_meter()
        for entry in history[self.counted:]:
            kind, outcome = entry.get("kind"), str(entry.get("outcome") or "")
            if kind == "touch":
                meter.create_counter(metrics.TOUCHES).add(1, {"channel": str(entry.get("channel") or ""),
                                                              "outcome": outcome})
            elif kind == "task":
                meter.create_counter(metrics.TASKS).add(1, {"channel": str(entry.get("channel") or ""),
                                                            "outcome": outcome})
            elif kind == "event":
                meter.create_counter(metrics.EVENTS).add(1, {"kind": outcome,
                                                             "source": metrics.source_label(str(entry.get("by") or ""))})
        self.counted = len(history)

    def _patched(self, patch_id: str) -> bool:
        """Whether this lead runs the change ``patch_id``.

        Leads of a generation with the change built in skip ``workflow.patched`` and so the
        marker event (and ``TemporalChangeVersion`` upsert) it writes into every new history.
        """
        if self.inp.interpreter_generation >= PATCHES[patch_id]:
            return True
        return workflow.patched(patch_id)

    def _publishes_before(self, command: eng.Command) -> bool:
        """Whether ``command`` is a resting point worth showing (a wait, a track switch, a handoff sales must accept)."""
        if isinstance(command, eng.Finish):
            return command.outcome == "handoff" and command.deliver and self.plan.acceptance is not None
        return isinstance(command, (eng.Wait, eng.SwitchTrack))

    async def _wait(self, command: eng.Wait) -> None:
        self.woken = False
        timeout = None if command.until is None else self._real_delay(command.until)
        if timeout is not None and timeout <= timedelta(0):
            return
        self.resting, self.resting_until = True, command.until
        try:
            await workflow.wait_condition(lambda: self.woken, timeout=timeout, timeout_summary=command.summary)
        except asyncio.TimeoutError:
            pass
        finally:
            self.resting = False

    def _wake(self) -> None:
        """After a message: let the main loop decide again, unless the lead rests until the same instant.

        Waking would cancel the wait's timer and start one for the instant it had: two history events
        and a billable timer per reply or update that moves nothing. Such a lead keeps its timer and
        only shows what the message changed. Asked only then, so other histories carry no marker.
        """
        until = self.resting_until
        if (self.resting and not self.woken and until is not None and self.engine.keeps_waiting(until, self.now())
                and not self._should_continue_as_new() and self._patched(PATCH_KEEP_TIMER)):
            self._count_new_history()
            self._publish()
            return
        self.woken = True

    async def _touch(self, command: eng.Touch) -> None:
        now = self.now()
        e, plan, lead = self.engine, self.plan, self.engine.state.lead
        wf_id = workflow.info().workflow_id
        source = plan.template(command.template)
        sources = (source, command.subject) if command.channel == "email" else (source,)
        ctx = e.context_for(now, command.step_id, command.iteration, *sources)  # only what the template reads
        common = {"workflow_id": wf_id, "lead": lead, "step_id": command.step_id, "iteration": command.iteration,
                  "plan_name": plan.name, "plan_version": plan.sha256}
        template = rq.Rendered(command.template, source)
        try:
            if command.channel == "email":
                step = plan.step(command.step_id)
                assert isinstance(step, ir.EmailStep)
                result = await workflow.execute_activity(
                    rq.SEND_EMAIL,
                    rq.to_wire(rq.EmailRequest(
                        body=template, subject=command.subject, context=ctx,
                        # The worker derives it from (workflow, step, iteration) with its Message-ID domain.
                        message_id="",
                        sender=step.sender, reply_to=step.reply_to, variant=command.variant, **common)),
                    result_type=rq.EmailResult, start_to_close_timeout=timedelta(minutes=2),
                    schedule_to_close_timeout=self._retry_window(step.retry_for), retry_policy=EMAIL_RETRY,
                    summary=command.summary)
                if result.suppressed:  # on the do-not-contact list: nothing was sent, no more email
                    e.touch_done(command, self.now(), outcome="suppressed", detail=result.suppressed)
                else:
                    e.touch_done(command, self.now(), outcome="bounced" if result.bounced else "sent",
                                 detail=result.subject if not result.bounced else result.detail, bounced=result.bounced)
            elif command.channel == "letter":
                step = plan.step(command.step_id)
                assert isinstance(step, ir.LetterStep)
                letter = await workflow.execute_activity(
                    rq.SEND_LETTER,
                    rq.to_wire(rq.LetterRequest(template=template, context=ctx, paper=step.paper,
                                                return_address=step.return_address, **common)),
                    result_type=rq.LetterResult, start_to_close_timeout=timedelta(minutes=2),
                    retry_policy=FILE_RETRY, summary=command.summary)
                e.touch_done(command, self.now(), outcome="written", detail=f"letter {letter.letter_id}")
            else:
                drop = await workflow.execute_activity(
                    rq.DROP_VOICEMAIL, rq.to_wire(rq.VoicemailDropRequest(script=template, context=ctx, **common)),
                    result_type=rq.VoicemailDropResult, start_to_close_timeout=timedelta(minutes=2),
                    retry_policy=FILE_RETRY, summary=command.summary)
                e.touch_done(command, self.now(), outcome="dropped" if drop.delivered else "skipped",
                             detail=drop.reference if drop.delivered else drop.detail)
        except ActivityError as err:
            # A touch that cannot be done (bad template, a provider down for days) is recorded, never silently lost.
            e.touch_done(command, self.now(), outcome="failed", detail=_cause(err))

    def _retry_window(self, retry_for: ir.Duration | None) -> timedelta:
        """How long a send may be retried: the step's ``retry_for`` (cadence time), else 2 days."""
        if retry_for is None:
            return timedelta(days=2)
        now = self.now()
        until = schedule.add_duration(self.plan.schedule, self.engine.tz, now, retry_for)
        return max(timedelta(minutes=1), (until - now) / self.scale)

    async def _open_task(self, command: eng.OpenTask) -> None:
        e, plan = self.engine, self.plan
        wf_id = workflow.info().workflow_id
        source = plan.template(command.template)
        ctx = e.context_for(self.now(), command.step_id, command.iteration, source)
        try:
            task = await workflow.execute_activity(
                rq.OPEN_TASK,
                rq.to_wire(rq.TaskRequest(
                    task_id=command.task_id, workflow_id=wf_id, lead=e.state.lead, kind=command.channel,
                    step_id=command.step_id, assignee=command.assignee, due_at=utc.iso(command.due_at),
                    brief=rq.Rendered(command.template, source), context=ctx,
                    outcomes=command.outcomes, plan_name=plan.name, plan_version=plan.sha256)),
                result_type=rq.TaskResult, start_to_close_timeout=timedelta(minutes=2), retry_policy=FILE_RETRY,
                summary=command.summary)
            brief = task.brief_text
        except ActivityError as err:
            brief = f"(the brief could not be rendered: {_cause(err)})"
        e.task_opened(command, brief, self.now())

    async def _finish(self, command: eng.Finish) -> dict[str, Any]:
        e, plan = self.engine, self.plan
        wf_id = workflow.info().workflow_id
        result: dict[str, Any] = {
            "lead_id": e.state.lead.get("id"),
            "cadence": plan.name,
            "version": plan.sha256,
            "outcome": command.outcome,
            "reason": command.reason,
            "cause": command.summary,
        }
        if command.outcome == "handoff":
            result.update(to=command.to, **self.delivery)
        e.finished(command, self.now())
        self._count_new_history()
        workflow.metric_meter().create_counter(metrics.LEADS_ENDED).add(
            1, {"outcome": command.outcome, "reason": command.reason if command.outcome != "handoff" else ""})
        self._publish()
        snapshot = e.snapshot(self.now())
        result["history"] = snapshot["history"]
        await workflow.execute_activity(
            rq.RECORD_EXIT,
            rq.to_wire(rq.ExitRecord(
                workflow_id=wf_id, lead_id=str(e.state.lead.get("id")), outcome=command.outcome,
                reason=command.reason, plan_name=plan.name, plan_version=plan.sha256, ended_at=utc.iso(self.now()),
                summary={"touches": snapshot["touches"], "score": snapshot["score"],
                         "source": e.state.lead.get("source", ""), "stages": snapshot["stages"]})),
            start_to_close_timeout=timedelta(minutes=1), retry_policy=FILE_RETRY, summary=f"record exit: {command.outcome}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return result

    async def _deliver(self, command: eng.Finish) -> None:
        """Build the dossier and deliver it to the assignee; a failure is recorded in the result."""
        e, plan = self.engine, self.plan
        answer_by = e.answer_by(self.now())
        try:
            handoff = await workflow.execute_activity(
                rq.DELIVER_HANDOFF,
                rq.to_wire(rq.HandoffRequest(
                    workflow_id=workflow.info().workflow_id, lead=e.state.lead, assignee=command.to,
                    sections=command.sections, state=e.snapshot(self.now()), reason=command.reason,
                    plan_name=plan.name, plan_version=plan.sha256, delivery=2 if command.escalated_from else 1,
                    answer_by=utc.iso(answer_by) if answer_by else "", escalated_from=command.escalated_from,
                    missed_deadline=command.missed_deadline)),
                result_type=rq.HandoffResult, start_to_close_timeout=timedelta(minutes=2),
                schedule_to_close_timeout=timedelta(days=1), retry_policy=EMAIL_RETRY,
                summary=command.summary)
            self.delivery = {"dossier": handoff.dossier, "delivered_to": list(handoff.delivered_to)}
            workflow.metric_meter().create_counter(metrics.HANDOFFS_DELIVERED).add(
                1, {"delivery": "escalation" if command.escalated_from else "handoff"})
        except ActivityError as err:
            self.delivery = {"dossier": None, "delivery_error": _cause(err)}

    # -- continue-as-new -------------------------------------------------------------
    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        # A versioned worker's lead also moves on when a newer build became current (upgrade on continue-as-new).
        return (info.is_continue_as_new_suggested() or info.get_current_history_length() >= self.inp.history_limit
                or info.is_target_worker_deployment_version_changed())

    def _continue_as_new(self) -> NoReturn:
        """Continue on the current plan; a lead of a versioned worker starts its next run on the current build."""
        if workflow.info().get_current_deployment_version() is None:
            workflow.continue_as_new(self._carry(self.plan))
        workflow.continue_as_new(self._carry(self.plan),
                                 initial_versioning_behavior=workflow.ContinueAsNewVersioningBehavior.AUTO_UPGRADE)

    def _carry(self, plan: ir.Plan) -> dict[str, Any]:
        return rq.to_wire(NurtureInput(
            lead=self.engine.state.lead, plan=ir.plan_for_input(plan), time_scale=self.scale,
            state=self.engine.state.to_dict(), enrolled_by=self.inp.enrolled_by, virtual_now=utc.iso(self.now()),
            clock_offset=self.offset.total_seconds(),
            history_limit=self.inp.history_limit, interpreter_generation=INTERPRETER_GENERATION))

    # -- visibility --------------------------------------------------------------------
    def _publish_contact_keys(self, keys: list[str] | None) -> None:
        """Replace the lead's contact keys after its address changed (they come computed: the secret stays out)."""
        # Asked only when a change carries keys, so other histories carry no marker.
        if keys is None or not self._patched(PATCH_CONTACT_KEYS):
            return
        key = KEYS[visibility.CONTACT_KEYS]
        workflow.upsert_search_attributes([key.value_set(list(keys)) if keys else key.value_unset()])

    def _publish(self) -> None:
        st = self.engine.state
        nxt = st.next_action
        values = lead_view.attribute_values(self.engine, _real_time(self, nxt["at"]) if nxt and nxt.get("at") else None)
        stages = lead_view.stage_log(self.engine)
        if stages != self.published.get("_stages") and self._patched(PATCH_STAGE_MEMO):
            # A compact stage log readable for thousands of leads through list-workflows (reports),
            # written only when the stage changes, so it costs an event per stage, not per touch.
            workflow.upsert_memo({"stages": stages, "touches": dict(st.touches_by_channel),
                                  "outcome": st.outcome})
            self.published["_stages"] = stages
        changed = [k for k, v in values.items() if self.published.get(k, ...) != v]
        if changed:
            updates = [KEYS[k].value_set(values[k]) if values[k] not in (None, "") else KEYS[k].value_unset() for k in changed]
            workflow.upsert_search_attributes(updates)
            self.published.update({k: values[k] for k in changed})
        workflow.set_current_details(lead_view.details_markdown(self.engine, self.now()))

    # -- messages ------------------------------------------------------------------------
    @workflow.query(name=QUERY_STATE)
    def state(self) -> dict[str, Any]:
        """The lead's full state (contact history, qualification, next action ...)."""
        return self.engine.snapshot(self.now())

    @workflow.signal(name=SIGNAL_EVENT)
    def event(self, inp: EventInput) -> None:
        """A system event (reply, bounce, unsubscribe ...); unknown kinds are logged and dropped."""
        # Asked only when it matters (an event while sales decides), so other histories carry no marker.
        keep = self.engine.state.phase != "acceptance" or self._patched(PATCH_KEEP_WITH_SALES)
        try:
            taken = self.engine.on_event(inp.kind, dict(inp.data), self.now(), source=inp.source or "signal",
                                         keep_with_sales=keep)
        except (eng.RejectedInput, TypeError, ValueError) as exc:
            # A signal cannot be refused to its sender; a bad one must not wedge the lead either.
            workflow.logger.warning("event refused: %s", exc)
        else:
            if taken:  # a redelivery adds nothing to the lead's history, an upsert neither
                self._publish_contact_keys(inp.contact_keys)
        self._wake()

    @workflow.update(name=UPDATE_LOG_OUTCOME)
    def log_outcome(self, inp: OutcomeInput) -> UpdateResult:
        """A rep records the outcome of the open call or voicemail task."""
        _reject_on(lambda: self.engine.log_outcome(inp.task_id, inp.outcome, inp.notes, dict(inp.learned), inp.by, self.now()))
        self._wake()
        return UpdateResult(True, f"recorded {inp.outcome} for task {inp.task_id}")

    @log_outcome.validator
    def _check_outcome(self, inp: OutcomeInput) -> None:
        _reject_on(lambda: self.engine.check_outcome(inp.task_id, inp.outcome, dict(inp.learned)))

    @workflow.update(name=UPDATE_LEAD)
    def update_lead(self, inp: LeadUpdateInput) -> UpdateResult:
        """An operator corrects or completes lead data."""
        keep = self.engine.state.phase != "acceptance" or self._patched(PATCH_KEEP_WITH_SALES)
        _reject_on(lambda: self.engine.update_lead(dict(inp.fields), inp.by, self.now(), keep_with_sales=keep))
        self._publish_contact_keys(inp.contact_keys)
        self._wake()
        return UpdateResult(True, f"updated {', '.join(sorted(inp.fields))}")

    @update_lead.validator
    def _check_lead(self, inp: LeadUpdateInput) -> None:
        _reject_on(lambda: self.engine.check_update_lead(dict(inp.fields)))

    @workflow.update(name=UPDATE_CONTACT_KEYS)
    def publish_contact_keys(self, inp: ContactKeysInput) -> UpdateResult:
        """Publish the key of the lead's address where sender matching was turned on after it enrolled
        (``cadence contacts backfill``); the lead's own history is untouched."""
        self._publish_contact_keys(list(inp.keys))
        return UpdateResult(True, "contact key published")

    @publish_contact_keys.validator
    def _check_contact_keys(self, inp: ContactKeysInput) -> None:
        _reject_on(lambda: self.engine.check_contact_keys(inp.email, list(inp.keys)))

    @workflow.update(name=UPDATE_HANDOFF)
    def force_handoff(self, inp: OperatorInput) -> UpdateResult:
        """An operator hands the lead to sales now."""
        _reject_on(lambda: self.engine.force_handoff(inp.to, inp.note, inp.by, self.now()))
        self._wake()
        return UpdateResult(True, "handoff queued")

    @force_handoff.validator
    def _check_handoff(self, inp: OperatorInput) -> None:
        _reject_on(self.engine.check_active)

    @workflow.update(name=UPDATE_DISQUALIFY)
    def disqualify(self, inp: OperatorInput) -> UpdateResult:
        """An operator disqualifies the lead with a declared reason."""
        _reject_on(lambda: self.engine.disqualify(inp.reason, inp.note, inp.by, self.now()))
        self._wake()
        return UpdateResult(True, f"disqualification queued: {inp.reason}")

    @disqualify.validator
    def _check_disqualify(self, inp: OperatorInput) -> None:
        _reject_on(lambda: self.engine.check_reason(inp.reason))

    @workflow.update(name=UPDATE_PAUSE)
    def pause(self, inp: OperatorInput) -> UpdateResult:
        """Stop all touches until resumed."""
        _reject_on(lambda: self.engine.pause(inp.by, self.now()))
        self._wake()
        return UpdateResult(True, "paused")

    @pause.validator
    def _check_pause(self, inp: OperatorInput) -> None:
        _reject_on(self.engine.check_pause)

    @workflow.update(name=UPDATE_RESUME)
    def resume(self, inp: OperatorInput) -> UpdateResult:
        """Resume a paused lead."""
        _reject_on(lambda: self.engine.resume(inp.by, self.now()))
        self._wake()
        return UpdateResult(True, "resumed")

    @resume.validator
    def _check_resume(self, inp: OperatorInput) -> None:
        _reject_on(self.engine.check_resume)

    @workflow.update(name=UPDATE_ACCEPT)
    def accept(self, inp: OperatorInput) -> UpdateResult:
        """Sales accepts the handed-off lead."""
        _reject_on(lambda: self.engine.accept(inp.by, inp.note, self.now()))
        self._wake()
        return UpdateResult(True, "accepted")

    @accept.validator
    def _check_accept(self, inp: OperatorInput) -> None:
        _reject_on(self.engine.check_acceptance_answer)

    @workflow.update(name=UPDATE_REJECT)
    def reject(self, inp: OperatorInput) -> UpdateResult:
        """Sales rejects the handed-off lead; it is recycled into the cadence's nurture track."""
        _reject_on(lambda: self.engine.reject(inp.reason, inp.by, self.now()))
        self._wake()
        return UpdateResult(True, f"rejected: back to {self.plan.acceptance.recycle if self.plan.acceptance else 'nurture'}")

    @reject.validator
    def _check_reject(self, inp: OperatorInput) -> None:
        _reject_on(lambda: self.engine.check_reject(inp.reason))

    @workflow.update(name=UPDATE_MIGRATE)
    async def migrate(self, inp: MigrateInput) -> UpdateResult:
        """Move the lead onto another version of its cadence at the mapped position (``cadence migrate``)."""
        root = ir.plan_from_dict_cached(inp.plan)
        # Never in the middle of a touch: the move happens while the lead waits, so nothing is done twice.
        await workflow.wait_condition(lambda: self.resting or self.engine.state.status == "ended")
        done: list[str] = []
        _reject_on(lambda: done.append(self.engine.migrate(root, dict(inp.mapping), inp.migration_id, inp.by,
                                                           self.now())))
        if self.engine.plan is not self.plan:
            self.plan = self.engine.plan
            self.migrated = True
            self.woken = True
        return UpdateResult(True, done[0])

    @migrate.validator
    def _check_migrate(self, inp: MigrateInput) -> None:
        _reject_on(lambda: self.engine.check_migration(ir.plan_from_dict_cached(inp.plan), dict(inp.mapping),
                                                       inp.migration_id, self.now()))


def _reject_on(check: Any) -> None:
    """Run a validator check; a refusal becomes an update rejection (nothing written to history)."""
    try:
        check()
    except eng.RejectedInput as exc:
        raise ApplicationError(str(exc), type="RejectedInput", non_retryable=True) from None


def _real_time(wf: NurtureWorkflow, virtual_iso: str) -> datetime:
    virtual = utc.parse(virtual_iso)
    return workflow.now() + (virtual - wf.now()) / wf.scale


def _cause(err: BaseException) -> str:
    while err.__cause__ is not None:
        err = err.__cause__
    return str(err)[:300]


__all__ = ["NurtureWorkflow"]
