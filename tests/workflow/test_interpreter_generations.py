"""Interpreter generations (docs/versioning.md): new leads carry no patch markers, older leads keep theirs."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType

from cadence import ir
from cadence.lead import parse_lead
from cadence.messages import INTERPRETER_GENERATION, WORKFLOW_NAME, workflow_id_for
from tests.engine.plans import call, email, end, make_plan

PLAN = make_plan([email("one", wait=3), call("ring", wait=2, due=1), email("two", wait=3), end("bye")])
MARKER = EventType.EVENT_TYPE_MARKER_RECORDED
UPSERT = EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES


def _lead() -> Any:
    return parse_lead({"id": f"G-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example", "company": "Buyer Inc"})


async def _start_raw(rig: Any, lead: Any, **fields: Any) -> Any:
    """Start a lead the way an older client did: the input as it was before generations.

    Older clients stated no start instant, so this goes around the rig's guard; the plan's
    schedule is always open, so the machine's date cannot change what it does.
    """
    return await rig.env.client.start_workflow(WORKFLOW_NAME, {"lead": lead.fields, "plan": ir.plan_to_dict(PLAN), **fields},
                                           id=workflow_id_for(lead.id), task_queue=rig.task_queue)


def _shape(events: list[Any]) -> list[int]:
    """Event types, without what versioning alone adds (markers, TemporalChangeVersion-only upserts)."""
    def versioning(e: Any) -> bool:
        if e.event_type == MARKER:
            return True
        fields = e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        return e.event_type == UPSERT and set(fields) == {"TemporalChangeVersion"}
    return [e.event_type for e in events if not versioning(e)]


async def test_new_leads_write_no_patch_markers_and_older_leads_still_decide_by_them(rig):
    new, old = _lead(), _lead()
    started = await rig.enroll(PLAN, new)
    older = await _start_raw(rig, old)
    await rig.sleep(timedelta(days=12))
    assert (await started.handle.result())["outcome"] == (await older.result())["outcome"] == "disqualified"
    new_events = (await started.handle.fetch_history()).events
    old_events = (await older.fetch_history()).events
    assert [e for e in new_events if e.event_type == MARKER] == []
    assert len([e for e in old_events if e.event_type == MARKER]) == 2  # stage-memo-v1, publish-on-wait-v1
    assert _shape(new_events) == _shape(old_events)  # the same decisions, minus the versioning
    assert len(new_events) < len(old_events)
    start = new_events[0].workflow_execution_started_event_attributes.input.payloads[0].data
    assert json.loads(start)["interpreter_generation"] == INTERPRETER_GENERATION
    # Generation 2 carries the plan packed: the bytes the server stored for the start, and what the worker ran.
    assert list(json.loads(start)["plan"]) == [ir.PACKED]
    assert ir.plan_from_dict(json.loads(start)["plan"]) == PLAN
    old_start = old_events[0].workflow_execution_started_event_attributes.input.payloads[0].data
    assert len(start) < len(old_start) / 2


async def test_a_lead_of_a_newer_generation_waits_for_a_worker_that_knows_it(rig):
    lead = _lead()
    handle = await _start_raw(rig, lead, interpreter_generation=INTERPRETER_GENERATION + 1)
    failures: list[Any] = []
    for _ in range(300):
        events = (await handle.fetch_history()).events
        failures = [e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
        if failures:
            break
        await asyncio.sleep(0.1)
    message = failures[0].workflow_task_failed_event_attributes.failure.message
    assert message == (f"lead started on interpreter generation {INTERPRETER_GENERATION + 1}; this worker knows up "
                       f"to {INTERPRETER_GENERATION}: upgrade the worker")
    assert not [e for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]  # no touch made
    await handle.terminate("test over")

