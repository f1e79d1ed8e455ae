"""Sales acceptance on the time-skipping server: accepted, rejected and recycled, never answered."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

from cadence import client as api
from cadence import ir, utc
from cadence.lead import parse_lead
from cadence.messages import QUERY_STATE
from cadence.report.records import record_from_memo
from tests.engine.test_engine import _acceptance_plan

PLAN = _acceptance_plan()


def at(text: str) -> datetime:
    return utc.parse(text)


async def handed_off(rig: Any, plan: ir.Plan = PLAN) -> tuple[str, Any]:
    lead = parse_lead({"id": f"A-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example", "owner": "dana"})
    started = await rig.enroll(plan, lead)
    for _ in range(50):
        state = await started.handle.query(QUERY_STATE, result_type=dict)
        if state["phase"] == "acceptance":
            return lead.id, started.handle
        await rig.sleep(timedelta(minutes=30))
    raise AssertionError("never handed off")


async def escalated(rig: Any, handle: Any) -> dict[str, Any]:
    """Skip past the first deadline; the state once the escalation is waiting for its answer."""
    for _ in range(100):
        state = await handle.query(QUERY_STATE, result_type=dict)
        if state["phase"] == "acceptance" and state["acceptance"]["escalated"]:
            return state
        await rig.sleep(timedelta(hours=6))
    raise AssertionError("never escalated")


async def test_an_accepted_lead_ends_as_an_accepted_handoff(rig):
    lead_id, handle = await handed_off(rig)
    with pytest.raises(api.ActionRefused, match="^a rejection needs a reason"):
        await api.reject(rig.client, lead_id, "")
    await api.accept(rig.client, lead_id, note="calling tomorrow", by="dana")
    result = await handle.result()
    assert (result["outcome"], result["reason"], result["to"]) == ("handoff", "accepted by dana", "dana@seller.example")
    assert result["dossier"] is not None
    assert [h["outcome"] for h in result["history"] if h["kind"] == "operator"] == ["accepted"]
    with pytest.raises(api.ActionRefused, match="has already ended"):
        await api.accept(rig.client, lead_id)


async def test_a_rejected_lead_is_recycled_into_the_nurture_track(rig):
    lead_id, handle = await handed_off(rig)
    await api.reject(rig.client, lead_id, "no budget this year", by="dana")
    result = await handle.result()
    assert (result["outcome"], result["reason"]) == ("disqualified", "no_response")  # after the long-term track
    stages = [h["detail"] for h in result["history"] if h["kind"] == "stage"]
    assert any(d.startswith("moved to track stale-monthly: rejected by sales: no budget this year") for d in stages)
    assert [h["step"] for h in result["history"] if h["kind"] == "touch"] == ["one", "monthly"]  # history kept
    # The report reads sales' answer from the structured stage log of the memo, never from its words.
    record = record_from_memo(handle.id, await _memo(rig, handle), status="completed")
    assert [(s.stage, s.answer) for s in record.stages if s.answer] == [("track:stale-monthly", "rejected")]


async def _memo(rig: Any, handle: Any) -> dict[str, Any]:
    """The latest run's memo, decoded (the test server's ``describe`` cannot decode datetime search attributes)."""
    raw = await rig.client.workflow_service.describe_workflow_execution(DescribeWorkflowExecutionRequest(
        namespace=rig.client.namespace, execution=WorkflowExecution(workflow_id=handle.id)))
    fields = raw.workflow_execution_info.memo.fields
    return {key: rig.client.data_converter.payload_converter.from_payload(fields[key]) for key in fields}


async def test_nobody_answering_escalates_then_recycles(rig):
    _lead_id, handle = await handed_off(rig)
    result = await handle.result()
    misses = [h["by"] for h in result["history"] if h["outcome"] == "not_accepted"]
    assert misses == ["dana@seller.example", "queue:managers"]
    assert any("not accepted in time" in h["detail"] or "nobody accepted" in h["detail"]
               for h in result["history"] if h["kind"] == "stage")
    record = record_from_memo(handle.id, await _memo(rig, handle), status="completed")
    assert [(s.stage, s.answer) for s in record.stages if s.answer] == [("track:stale-monthly", "recycled")]
    handoffs = sorted(p.name for p in (rig.outbox / "handoffs").glob("*.json"))
    assert handoffs == [f"{_lead_id}.escalated.json", f"{_lead_id}.json"]
    escalation = json.loads((rig.outbox / "handoffs" / f"{_lead_id}.escalated.json").read_text())
    assert (escalation["assignee"], escalation["escalated_from"]) == ("queue:managers", "dana@seller.example")
    assert [p["assignee"] for p in map(json.loads, (b for _h, b in rig.webhook.posts))] == [
        "dana@seller.example", "queue:managers"]


async def test_a_missed_deadline_delivers_the_dossier_again_to_the_escalation_by_every_channel_once(rig):
    lead_id, handle = await handed_off(rig, _acceptance_plan(escalate_to="managers@seller.example"))
    rig.webhook.statuses = [503]  # the CRM is down at the escalation's first attempt: the activity is retried
    state = await escalated(rig, handle)
    assert state["acceptance"]["to"] == "managers@seller.example"
    await api.accept(rig.client, lead_id, note="I'll take it", by="kim@seller.example")  # late, after escalation
    result = await handle.result()
    assert (result["outcome"], result["reason"], result["to"]) == (
        "handoff", "accepted by kim@seller.example", "managers@seller.example")

    # Outbox: both dossiers, the escalation saying why and by when.
    folder = rig.outbox / "handoffs"
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [
        f"{lead_id}.escalated.json", f"{lead_id}.escalated.md", f"{lead_id}.json", f"{lead_id}.md"]
    first, second = (json.loads((folder / f"{lead_id}{x}.json").read_text()) for x in ("", ".escalated"))
    assert (first["event"], first["assignee"], first["delivery"]) == ("cadence.handoff", "dana@seller.example", 1)
    assert (second["event"], second["assignee"], second["delivery"]) == ("cadence.handoff.escalated",
                                                                         "managers@seller.example", 2)
    assert second["escalated_from"] == "dana@seller.example"
    # The deadline the first dossier promised is the one that passed (set as the delivery began).
    assert abs(at(second["missed_deadline"]) - at(first["answer_by"])) < timedelta(minutes=1)
    assert at(first["answer_by"]) - rig.start > timedelta(days=2) - timedelta(minutes=1)
    assert second["reason"] == "escalated: dana@seller.example did not accept in time"
    assert first["handoff_id"] != second["handoff_id"]
    markdown = (folder / f"{lead_id}.escalated.md").read_text()
    assert "**Escalated** dana@seller.example did not accept or reject it by " in markdown
    assert "**Accept or reject by** " in markdown

    # Email: one message to each assignee, as their SMTP server received it.
    to_dana, to_managers = rig.mailbox.to("dana@seller.example"), rig.mailbox.to("managers@seller.example")
    assert [m["Subject"] for m in to_dana] == [f"Sales-ready lead: lead {lead_id} ({lead_id})"]
    assert [m["Subject"] for m in to_managers] == [f"Escalated: sales-ready lead: lead {lead_id} ({lead_id})"]
    body = to_managers[0].get_body(("plain",)).get_content()
    assert "did not accept or reject it by" in body and "Accept or reject by" in body

    # Webhook: one delivery per handoff id, the failed attempt retried once.
    posts = [(h["Idempotency-Key"], json.loads(b)) for h, b in rig.webhook.posts]
    assert [(key, p["assignee"]) for key, p in posts] == [
        (first["handoff_id"], "dana@seller.example"),
        (second["handoff_id"], "managers@seller.example"), (second["handoff_id"], "managers@seller.example")]
    deliveries = sorted(p.stem for p in (folder / ".deliveries").glob("*.json"))
    assert deliveries == sorted([first["handoff_id"], second["handoff_id"]])


async def test_a_rejection_after_escalation_recycles_with_the_reason_kept(rig):
    lead_id, handle = await handed_off(rig)
    await escalated(rig, handle)
    await api.reject(rig.client, lead_id, "a consultant, not a buyer", by="kim@seller.example")
    result = await handle.result()
    assert (result["outcome"], result["reason"]) == ("disqualified", "no_response")  # after the long-term track
    rejected = [(h["by"], h["detail"]) for h in result["history"] if h["outcome"] == "rejected"]
    assert rejected == [("kim@seller.example", "a consultant, not a buyer")]
    stages = [h["detail"] for h in result["history"] if h["kind"] == "stage"]
    assert any(d.startswith("moved to track stale-monthly: rejected by sales: a consultant, not a buyer") for d in stages)


async def test_a_reply_while_sales_decides_leaves_the_lead_with_sales_and_marks_the_history_once(rig):
    from temporalio.api.enums.v1 import EventType

    lead_id, handle = await handed_off(rig)
    await api.send_event(rig.client, lead_id, "reply", {"detail": "any news?"}, source="inbox")
    await rig.sleep(timedelta(minutes=5))
    state = await handle.query(QUERY_STATE, result_type=dict)
    assert state["phase"] == "acceptance" and state["engagement"]["replies"] == 1
    await api.accept(rig.client, lead_id, by="dana")
    result = await handle.result()
    assert (result["outcome"], result["reason"]) == ("handoff", "accepted by dana")
    events = (await handle.fetch_history()).events
    markers = [e for e in events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    assert markers == []  # keep-with-sales-v1 is built into generation 2 (older leads: the goldens replay it)
