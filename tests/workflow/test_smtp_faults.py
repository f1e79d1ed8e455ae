"""SMTP faults: transient ones are retried and the lead waits; a long outage is recorded, never silent."""

from __future__ import annotations

import uuid
from typing import Any

from cadence import ir
from cadence.lead import parse_lead
from tests.engine.plans import email, end, make_plan

PLAN = make_plan([email("hello", wait=2), email("again"), end("bye")])


class Flaky:
    """Answers 451 to the first ``failures`` RCPT commands, then accepts."""

    def __init__(self, mailbox: Any, failures: int) -> None:
        self.accept, self.failures = mailbox.handle_RCPT, failures
        self.attempts = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.attempts += 1
        if self.attempts <= self.failures:
            return "451 4.3.0 try again later"
        return await self.accept(server, session, envelope, address, options)


async def test_a_transient_failure_is_retried_with_backoff_and_sent_once(rig):
    flaky = Flaky(rig.mailbox, failures=3)
    rig.mailbox.handle_RCPT = flaky.handle_RCPT  # type: ignore[method-assign]
    lead = parse_lead({"id": f"L-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example"})
    started = await rig.enroll(PLAN, lead)
    result = await started.handle.result()
    assert flaky.attempts == 5  # three refusals, then the two emails
    sent = [h for h in result["history"] if h["kind"] == "touch"]
    assert [(h["step"], h["outcome"]) for h in sent] == [("hello", "sent"), ("again", "sent")]
    ids = [m["Message-ID"] for m in rig.mailbox.to("pat@buyer.example")]
    assert len(ids) == len(set(ids)) == 2
    history = await started.handle.fetch_history()
    retried = [e for e in history.events if e.HasField("activity_task_started_event_attributes")]
    assert retried[0].activity_task_started_event_attributes.attempt == 4  # the UI shows the retries


async def test_an_smtp_outage_longer_than_the_window_is_recorded_and_the_cadence_goes_on(rig):
    rig.mailbox.refuse["pat@buyer.example"] = "421 4.3.2 service shutting down"
    plan = make_plan([email("hello", wait=3), ir.CallStep("ring", brief="calls/ring.md.j2", assignee="owner",
                                                          due=ir.Duration(1, "days")), end("bye")])
    lead = parse_lead({"id": f"L-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example", "owner": "dana"})
    started = await rig.enroll(plan, lead)
    result = await started.handle.result()
    hello = next(h for h in result["history"] if h["step"] == "hello" and h["kind"] == "touch")
    assert hello["outcome"] == "failed"
    assert "try again" in hello["detail"] or "421" in hello["detail"] or "deferred" in hello["detail"]
    assert any(h["step"] == "ring" and h["kind"] == "task" for h in result["history"])  # the next step still ran
    assert result["history"][-1]["outcome"] == "disqualified"


async def test_the_cadence_declares_what_a_long_outage_does(rig):
    rig.mailbox.refuse["pat@buyer.example"] = "421 4.3.2 service shutting down"
    plan = make_plan([
        ir.EmailStep("hello", "emails/hello.html.j2", "Hello", retry_for=ir.Duration(6, "hours"),
                     on_failure=ir.GotoAction("ring")),
        email("never-sent"),
        ir.CallStep("ring", brief="calls/ring.md.j2", assignee="owner", due=ir.Duration(1, "days")),
        end("bye"),
    ])
    lead = parse_lead({"id": f"L-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example", "owner": "dana"})
    started = await rig.enroll(plan, lead)
    result = await started.handle.result()
    steps = [(h["step"], h["outcome"]) for h in result["history"] if h["kind"] in ("touch", "task")]
    assert steps[0] == ("hello", "failed")
    assert ("never-sent", "sent") not in steps and steps[1] == ("ring", "opened")  # switched channel, as declared
    failed_at = next(h["at"] for h in result["history"] if h["step"] == "hello")
    started_at = result["history"][0]["at"]
    from datetime import datetime

    hours = (datetime.fromisoformat(failed_at.replace("Z", "+00:00"))
             - datetime.fromisoformat(started_at.replace("Z", "+00:00"))).total_seconds() / 3600
    assert 5.5 <= hours <= 6.5  # retried for the declared six hours, not the default two days
