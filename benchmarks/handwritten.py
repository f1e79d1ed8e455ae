"""The baseline: the seven-touch cadence written by hand in plain temporalio (no cadence code in the workflow).

Same observable work as ``cadences/benchmark-seven-touch.yaml`` run by cadence:

* the same activities, called by name with plain JSON payloads (the worker registers
  cadence's ``ChannelActivities`` for both, so rendering and SMTP cost the same);
* the same waits: ``wait_condition`` with a timeout after every touch, call tasks that
  stay open until their due time, an early exit (handoff) on a ``reply`` event signal;
* the same search attributes, set whenever the lead comes to rest (on each wait) and at
  the end; ``set_current_details`` and ``summary=`` on activities and timers, as cadence does;
* the same memo: lead facts at start, a compact stage log upserted when the stage changes;
* ``record_exit`` at the end, ``deliver_handoff`` on a reply.

It is what a careful engineer writes by hand: straight-line code, one upsert per step.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

from temporalio import workflow
from temporalio.common import (
    RetryPolicy,
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

with workflow.unsafe.imports_passed_through():
    from benchmarks import templates_text

NAME = "HandWrittenSevenTouch"
CADENCE = "benchmark-seven-touch"
EMAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=10))
FILE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))

K = SearchAttributeKey.for_keyword
I = SearchAttributeKey.for_int
STAGE, OUTCOME, REASON, OPEN_TASK = K("CadenceStage"), K("CadenceOutcome"), K("CadenceReason"), K("CadenceOpenTask")
TOUCHES, SCORE = I("CadenceTouches"), I("CadenceScore")
NEXT_AT = SearchAttributeKey.for_datetime("CadenceNextActionAt")

CALL = "calls/benchmark.md.j2"
VOICEMAIL = "voicemails/benchmark.txt.j2"
EMAIL = "emails/benchmark.html.j2"
LETTER = "letters/benchmark.html.j2"
RETURN_ADDRESS = "Example Corp, 500 W Madison St, Chicago, IL 60661"
QUALIFICATION = ["industry_code", "firmographics", "decision_makers", "environment", "decision_maker_engaged",
                 "pain_validated", "decision_process", "budget", "competition", "urgency"]


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class Replied(Exception):
    """The lead replied: leave the cadence."""


@workflow.defn(name=NAME)
class HandWrittenNurture:
    def __init__(self) -> None:
        self.replied = False
        self.outcome_logged = False
        self.touches = 0
        self.history: list[dict[str, Any]] = []
        self.lead: dict[str, Any] = {}
        self.day = timedelta(days=1)
        self.stages: list[list[Any]] = []
        self.outcome: dict[str, Any] | None = None

    @workflow.signal(name="event")
    def event(self, inp: dict[str, Any]) -> None:
        if inp.get("kind") == "reply":
            self.replied = True
            self.history.append({"at": _iso(workflow.now()), "kind": "event", "outcome": "reply", "channel": None,
                                 "step": "", "detail": str((inp.get("data") or {}).get("detail", ""))})

    @workflow.update(name="log_outcome")
    def log_outcome(self, inp: dict[str, Any]) -> dict[str, Any]:
        self.outcome_logged = True
        return {"ok": True, "message": f"recorded {inp.get('outcome')}"}

    @workflow.query(name="state")
    def state(self) -> dict[str, Any]:
        return {"touches": self.touches, "history": self.history, "replied": self.replied}

    @workflow.run
    async def run(self, inp: dict[str, Any]) -> dict[str, Any]:
        self.lead = inp["lead"]
        self.day = timedelta(seconds=float(inp.get("day_seconds", 86400.0)))
        self.wf_id = workflow.info().workflow_id
        self.first_rest = True
        try:
            await self.call("call-1", due_days=1, wait_days=1, number=1)
            await self.automatic("voicemail", "voicemail-1", wait_days=2, number=2)
            await self.automatic("email", "email-1", wait_days=3, number=3, subject="Touch 3 for {{ lead.company }}")
            await self.automatic("email", "email-2", wait_days=4, number=4, subject="Touch 4 for {{ lead.company }}")
            await self.call("call-2", due_days=1, wait_days=2, number=5)
            await self.automatic("letter", "letter-1", wait_days=5, number=6)
            await self.automatic("email", "email-3", wait_days=7, number=7, subject="Touch 7 for {{ lead.company }}")
        except Replied:
            return await self.handoff()
        return await self.finish("disqualified", "no_response")

    # -- steps -----------------------------------------------------------------------
    def context(self, step: str) -> dict[str, Any]:
        return {"lead": self.lead, "step": step, "iteration": 0, "touches": self.touches, "missing": QUALIFICATION,
                "history": self.history}

    def common(self, step: str) -> dict[str, Any]:
        return {"workflow_id": self.wf_id, "lead": self.lead, "step_id": step, "iteration": 0,
                "plan_name": CADENCE, "plan_version": "hand-written"}

    def note(self, kind: str, channel: str, step: str, outcome: str, detail: str = "") -> None:
        self.history.append({"at": _iso(workflow.now()), "kind": kind, "channel": channel, "step": step,
                             "outcome": outcome, "detail": detail})

    async def automatic(self, channel: str, step: str, *, wait_days: int, number: int, subject: str = "") -> None:
        summary = f"touch {number}/7: {channel} {step}"
        if channel == "email":
            result = await workflow.execute_activity(
                "cadence.send_email",
                {**self.common(step), "body": {"path": EMAIL, "source": templates_text.TEMPLATES[EMAIL]},
                 "subject": subject, "context": self.context(step), "message_id": ""},
                start_to_close_timeout=timedelta(minutes=2), schedule_to_close_timeout=timedelta(days=2),
                retry_policy=EMAIL_RETRY, summary=summary)
            outcome = "bounced" if result.get("bounced") else "sent"
        elif channel == "letter":
            await workflow.execute_activity(
                "cadence.send_letter",
                {**self.common(step), "template": {"path": LETTER, "source": templates_text.TEMPLATES[LETTER]},
                 "context": self.context(step), "paper": "letter", "return_address": RETURN_ADDRESS},
                start_to_close_timeout=timedelta(minutes=2), retry_policy=FILE_RETRY, summary=summary)
            outcome = "written"
        else:
            result = await workflow.execute_activity(
                "cadence.drop_voicemail",
                {**self.common(step), "script": {"path": VOICEMAIL, "source": templates_text.TEMPLATES[VOICEMAIL]},
                 "context": self.context(step)},
                start_to_close_timeout=timedelta(minutes=2), retry_policy=FILE_RETRY, summary=summary)
            outcome = "dropped" if result.get("delivered") else "skipped"
        if outcome in ("sent", "written", "dropped"):
            self.touches += 1
        self.note("touch", channel, step, outcome)
        await self.rest(wait_days, f"wait {wait_days} days after {step}", [TOUCHES.value_set(self.touches)])

    async def call(self, step: str, *, due_days: int, wait_days: int, number: int) -> None:
        due = workflow.now() + due_days * self.day
        task_id = f"{self.wf_id}~{step}~1"
        await workflow.execute_activity(
            "cadence.open_task",
            {"task_id": task_id, "workflow_id": self.wf_id, "lead": self.lead, "kind": "call", "step_id": step,
             "assignee": str(self.lead.get("owner", "")), "due_at": _iso(due),
             "brief": {"path": CALL, "source": templates_text.TEMPLATES[CALL]}, "context": self.context(step),
             "outcomes": ["connected", "voicemail_left", "no_answer", "wrong_number", "call_back_later",
                          "meeting_booked", "not_interested"], "plan_name": CADENCE, "plan_version": "hand-written"},
            start_to_close_timeout=timedelta(minutes=2), retry_policy=FILE_RETRY,
            summary=f"touch {number}/7: call task {step}")
        self.note("task", "call", step, "opened")
        self.outcome_logged = False
        await self.rest_until(due, f"call task {step} due", [OPEN_TASK.value_set("call")],
                              lambda: self.replied or self.outcome_logged)
        self.note("task", "call", step, "logged" if self.outcome_logged else "missed")
        await self.rest(wait_days, f"wait {wait_days} days after {step}", [OPEN_TASK.value_unset()])

    async def rest(self, days: int, summary: str, updates: list[Any]) -> None:
        await self.rest_until(workflow.now() + days * self.day, summary, updates, lambda: self.replied)

    async def rest_until(self, until: datetime, summary: str, updates: list[Any], done: Any) -> None:
        if self.replied:
            raise Replied()
        if self.first_rest:  # what cadence's enrollment does not set yet
            updates = [STAGE.value_set("nurture"), SCORE.value_set(0), TOUCHES.value_set(self.touches), *updates]
            self.first_rest = False
            self.stage("nurture", "enrolled")
        workflow.upsert_search_attributes([*updates, NEXT_AT.value_set(until)])
        workflow.set_current_details(f"**{CADENCE}** · lead `{self.lead.get('id')}` · touches {self.touches}/7\n\n"
                                     f"**Next:** {summary} at {_iso(until)}")
        try:
            await workflow.wait_condition(done, timeout=max(timedelta(0), until - workflow.now()), timeout_summary=summary)
        except asyncio.TimeoutError:
            pass
        if self.replied:
            raise Replied()

    def stage(self, name: str, why: str) -> None:
        """The compact stage log in the memo (for reports), written when the stage changes, as cadence does."""
        now = _iso(workflow.now())
        if self.stages:
            self.stages[-1][2] = now
        self.stages.append([name, now, None, why])
        workflow.upsert_memo({"stages": self.stages, "touches": {"all": self.touches}, "outcome": self.outcome})

    # -- ends -------------------------------------------------------------------------
    async def handoff(self) -> dict[str, Any]:
        state = {"lead_id": self.lead.get("id"), "cadence": CADENCE, "history": self.history, "touches": self.touches,
                 "now": _iso(workflow.now()), "stage": "nurture", "missing": QUALIFICATION, "score": 0}
        handoff = await workflow.execute_activity(
            "cadence.deliver_handoff",
            {"workflow_id": self.wf_id, "lead": self.lead, "assignee": "queue:sales", "sections": [], "state": state,
             "reason": "event reply", "plan_name": CADENCE, "plan_version": "hand-written"},
            start_to_close_timeout=timedelta(minutes=2), schedule_to_close_timeout=timedelta(days=1),
            retry_policy=EMAIL_RETRY, summary="handoff to queue:sales")
        result = await self.finish("handoff", "event reply", to="queue:sales")
        result["dossier"] = handoff.get("dossier")
        return result

    async def finish(self, outcome: str, reason: str, to: str = "") -> dict[str, Any]:
        updates = [STAGE.value_set("handed_off" if outcome == "handoff" else "disqualified"),
                   OUTCOME.value_set(outcome), NEXT_AT.value_unset(), OPEN_TASK.value_unset()]
        if outcome == "disqualified":
            updates.append(REASON.value_set(reason))
        workflow.upsert_search_attributes(updates)
        self.outcome = {"kind": outcome, "reason": reason, "to": to, "at": _iso(workflow.now())}
        self.stage("handed_off" if outcome == "handoff" else "disqualified", reason)
        workflow.set_current_details(f"**{CADENCE}** · lead `{self.lead.get('id')}` · {outcome}: {reason}")
        await workflow.execute_activity(
            "cadence.record_exit",
            {"workflow_id": self.wf_id, "lead_id": str(self.lead.get("id")), "outcome": outcome, "reason": reason,
             "plan_name": CADENCE, "plan_version": "hand-written", "ended_at": _iso(workflow.now()),
             "summary": {"touches": self.touches, "score": 0, "source": self.lead.get("source", "")}},
            start_to_close_timeout=timedelta(minutes=1), retry_policy=FILE_RETRY, summary=f"record exit: {outcome}")
        return {"lead_id": self.lead.get("id"), "outcome": outcome, "reason": reason, "to": to, "history": self.history}


def start_args(lead: dict[str, Any], task_queue: str, *, day_seconds: float = 86400.0) -> dict[str, Any]:
    """Keyword arguments of ``client.start_workflow`` for one lead: the same id scheme and start attributes as cadence."""
    pairs = [SearchAttributePair(K("CadenceName"), CADENCE), SearchAttributePair(K("CadenceVersion"), "hand-written"),
             SearchAttributePair(STAGE, "prequalify"), SearchAttributePair(OUTCOME, "active"),
             SearchAttributePair(K("CadenceSource"), str(lead.get("source", "marketing")))]
    if lead.get("owner"):
        pairs.append(SearchAttributePair(K("CadenceOwner"), str(lead["owner"])))
    return dict(workflow=NAME, arg={"lead": lead, "day_seconds": day_seconds}, id=f"lead-{lead['id']}",
                task_queue=task_queue, search_attributes=TypedSearchAttributes(pairs),
                memo={"source": lead.get("source", "marketing"), "campaign": lead.get("campaign", ""),
                      "deal_size": lead.get("deal_size"), "owner": lead.get("owner", ""), "cadence": CADENCE},
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE, id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                static_summary=f"{CADENCE} · lead {lead['id']}",
                static_details=f"**Cadence:** {CADENCE} (hand-written)\n**Touches (7):** call, voicemail, email, "
                               "email, call, letter, email")
