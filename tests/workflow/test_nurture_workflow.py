"""The nurture workflow on the time-skipping server: months of cadence in seconds."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle

from cadence import client as api
from cadence import ir
from cadence.lead import parse_lead
from cadence.messages import QUERY_STATE
from cadence.visibility import SEARCH_ATTRIBUTES
from tests.engine.plans import call, days, email, end, make_plan

LEAD = {
    "first_name": "Pat", "last_name": "Buyer", "email": "pat@buyer.example", "phone": "+1 312 555 0100", "company": "Buyer Inc",
    "owner": "dana", "timezone": "America/Chicago", "address_line1": "1 Main St", "city": "Chicago",
    "region": "IL", "postal_code": "60601", "country": "US",
}


def lead(**overrides: Any) -> Any:
    return parse_lead({"id": f"L-{uuid.uuid4().hex[:8]}", **LEAD, **overrides})


async def start(rig: Any, plan: ir.Plan, the_lead: Any, **kw: Any) -> WorkflowHandle[Any, Any]:
    result = await rig.enroll(plan, the_lead, **kw)
    assert result.status == "enrolled"
    return result.handle  # from start_workflow: awaiting its result lets the test server skip time


async def search_attributes(client: Any, workflow_id: str) -> dict[str, Any]:
    """Search attributes as stored (the test server keeps unset values as null, which describe() cannot decode)."""
    from temporalio.api.common.v1 import WorkflowExecution
    from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

    raw = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace="default", execution=WorkflowExecution(workflow_id=workflow_id)))
    fields = raw.workflow_execution_info.search_attributes.indexed_fields
    return {k: json.loads(v.data) for k, v in fields.items() if v.data and v.data != b"null"}


async def wait_for(predicate, handle, timeout: float = 10.0) -> dict[str, Any]:
    """Poll the state query (in real seconds) until ``predicate(state)`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        state = await handle.query(QUERY_STATE, result_type=dict)
        if predicate(state):
            return state
        if loop.time() > deadline:
            raise AssertionError(f"timed out; state: stage={state['stage']} next={state['next_action']}")
        await asyncio.sleep(0.05)


SEVEN = make_plan([
    call("intro-call", wait=1, due=2),
    ir.VoicemailStep("vm", script="voicemails/vm.txt.j2", mode="drop", wait=ir.Duration(2, "days")),
    email("case-study", wait=5),
    email("roi", wait=7),
    call("follow-up", wait=3),
    ir.LetterStep("letter", template="letters/letter.html.j2", wait=ir.Duration(10, "days")),
    email("breakup", wait=14),
    end("give-up"),
], events=(ir.EventHandler("reply", ir.HandoffAction("{{ lead.owner }}@seller.example")),))


async def test_a_lead_that_never_answers_gets_every_touch_then_is_disqualified(rig):
    the_lead = lead()
    handle = await start(rig, SEVEN, the_lead)
    result = await handle.result()
    assert result["outcome"] == "disqualified" and result["reason"] == "no_response"
    touches = [h for h in result["history"] if h["kind"] == "touch"]
    assert [(h["channel"], h["step"], h["outcome"]) for h in touches] == [
        ("voicemail", "vm", "dropped"), ("email", "case-study", "sent"), ("email", "roi", "sent"),
        ("letter", "letter", "written"), ("email", "breakup", "sent"),
    ]
    missed = [h["step"] for h in result["history"] if h["outcome"] == "missed"]
    assert missed == ["intro-call", "follow-up"]
    messages = rig.mailbox.to("pat@buyer.example")
    assert len(messages) == 3
    assert len({m["Message-ID"] for m in messages}) == 3
    assert all(m["List-Unsubscribe"] for m in messages)
    assert (rig.outbox / "letters" / "manifest.jsonl").read_text().count("\n") == 1
    sa = await search_attributes(rig.client, handle.id)
    assert sa["CadenceOutcome"] == "disqualified"
    assert sa["CadenceReason"] == "no_response"
    assert sa["CadenceStage"] == "disqualified"
    assert sa["CadenceTouches"] == 5
    assert sa["CadenceName"] == "test-cadence"
    assert sa.get("CadenceNextActionAt") is None
    assert set(sa) <= set(SEARCH_ATTRIBUTES) | {"TemporalChangeVersion"}  # the latter: workflow.patched markers
    for value in sa.values():  # no personal data in what the UI indexes
        assert "pat" not in str(value).lower() and "buyer" not in str(value).lower()


async def test_a_reply_in_week_three_hands_off_at_once(rig):
    the_lead = lead()
    handle = await start(rig, SEVEN, the_lead)
    await rig.sleep(timedelta(days=18))
    before = await handle.query(QUERY_STATE, result_type=dict)
    assert before["status"] == "active"
    await api.send_event(rig.client, the_lead.id, "reply", {"detail": "let's talk"}, source="test")
    result = await handle.result()
    assert result["outcome"] == "handoff" and result["to"] == "dana@seller.example"
    assert result["dossier"]["lead"]["id"] == the_lead.id if "lead" in result["dossier"] else True
    reply_at = next(h["at"] for h in result["history"] if h["outcome"] == "reply")
    handoff_at = next(h["at"] for h in result["history"] if h["kind"] == "stage" and h["outcome"] == "handoff")
    assert handoff_at[:16] == reply_at[:16]  # same minute: the wait was cut short
    assert any("dana@seller.example" in str(m["To"]) for m in rig.mailbox.messages())  # the dossier email


async def test_unsubscribe_stops_every_further_touch(rig):
    the_lead = lead()
    handle = await start(rig, SEVEN, the_lead)
    await rig.sleep(timedelta(days=4))
    sent_before = len(rig.mailbox.to("pat@buyer.example"))
    await api.send_event(rig.client, the_lead.id, "unsubscribe", source="link")
    result = await handle.result()
    assert result["outcome"] == "disqualified" and result["reason"] == "opted_out"
    assert len(rig.mailbox.to("pat@buyer.example")) == sent_before


async def test_a_permanent_bounce_becomes_the_bounce_event(rig):
    plan = make_plan([email("hello", wait=3), email("again"), end("bye")],
                     events=(ir.EventHandler("bounce", ir.DisqualifyAction("bad_data")),))
    rig.mailbox.refuse["gone@buyer.example"] = "550 5.1.1 user unknown"
    handle = await start(rig, plan, lead(email="gone@buyer.example"))
    result = await handle.result()
    assert result["reason"] == "bad_data"
    assert [h["outcome"] for h in result["history"] if h["kind"] in ("touch", "event")] == ["bounced", "bounce"]


async def test_a_call_outcome_with_learned_facts_leads_to_handoff(rig):
    gate = ir.GateStep("assess", (
        ir.GateRule("qualified_count >= 2 and engaged", ir.HandoffAction("{{ lead.owner }}@seller.example")),
        ir.GateRule(None, ir.DisqualifyAction("not_a_fit")),
    ))
    plan = make_plan([call("discovery", due=3), gate])
    the_lead = lead()
    handle = await start(rig, plan, the_lead)
    state = await wait_for(lambda s: s["open_task"] is not None, handle)
    task_id = state["open_task"]["task_id"]
    assert task_id == f"lead-{the_lead.id}~discovery~1"
    assert "template calls/discovery.md.j2" in state["open_task"]["brief"]
    with pytest.raises(api.ActionRefused) as refused:
        await api.log_outcome(rig.client, task_id, "conected")
    assert str(refused.value).startswith("unknown outcome 'conected' (did you mean 'connected'?)")
    await api.log_outcome(rig.client, task_id, "connected", notes="great call",
                          learned={"budget": "80k approved", "pain_validated": "losing leads"}, by="dana")
    result = await handle.result()
    assert result["outcome"] == "handoff"
    assert result["dossier"] is not None
    history = await handle.fetch_history()
    updates = [e for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")]
    assert len(updates) == 1  # the rejected update left no trace in history


async def test_a_loop_for_a_year_continues_as_new_without_losing_anything(rig):
    loop = ir.LoopStep("monthly", back_to="news", every=days(30), times=12, then=ir.DisqualifyAction("no_response"))
    plan = make_plan([email("news"), loop])
    the_lead = lead()
    # A small history limit forces several continue-as-new hops inside the year.
    handle = await start(rig, plan, the_lead, history_limit=40)
    first_run = handle.result_run_id
    result = await handle.result()
    assert result["outcome"] == "disqualified"
    assert len([x for x in result["history"] if x["kind"] == "touch"]) == 13
    assert len(rig.mailbox.to("pat@buyer.example")) == 13
    from temporalio.api.common.v1 import WorkflowExecution
    from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

    raw = await rig.client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace="default", execution=WorkflowExecution(workflow_id=handle.id)))
    assert raw.workflow_execution_info.execution.run_id != first_run  # it did continue as new


async def test_an_address_put_on_the_do_not_contact_list_gets_no_further_email(rig):
    from cadence import suppression

    plan = make_plan([email("one", wait=2), call("ring", wait=1, due=1), email("two", wait=2), email("three"),
                      end("bye")])
    the_lead = lead()
    handle = await start(rig, plan, the_lead)
    await rig.sleep(timedelta(days=1))
    await suppression.add(rig.client, "PAT@buyer.example", "manual", by="ops", task_queue=rig.task_queue)
    result = await handle.result()
    touches = [(h["step"], h["outcome"]) for h in result["history"] if h["kind"] == "touch"]
    assert touches[0] == ("one", "sent") and ("two", "suppressed") in touches and ("three", "skipped") in touches
    [suppressed] = [h for h in result["history"] if h["outcome"] == "suppressed"]
    assert suppressed["detail"].startswith("on the do-not-contact list (manual ")
    assert len(rig.mailbox.to("pat@buyer.example")) == 1
    state = await handle.query(QUERY_STATE, result_type=dict)
    assert state["touches_by_channel"].get("email") == 1  # a suppressed email is not a touch


async def test_a_hard_bounce_puts_the_address_on_the_do_not_contact_list(rig):
    from cadence import suppression

    rig.mailbox.refuse["gone@buyer.example"] = "550 5.1.1 mailbox unavailable"
    the_lead = lead(email="gone@buyer.example")
    handle = await start(rig, make_plan([email("one", wait=1), end("bye")]), the_lead)
    await handle.result()
    found = await suppression.check(rig.client, "gone@buyer.example")
    assert found is not None and found.reason == "bounced" and found.by == f"lead {the_lead.id}"
    again = await rig.enroll(make_plan([email("one"), end("bye")]), lead(email="gone@buyer.example"))
    assert again.status == "rejected"
    assert again.message.startswith("gone@buyer.example is on the do-not-contact list (bounced ")
