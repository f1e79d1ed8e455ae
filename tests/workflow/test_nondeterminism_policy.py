"""The nondeterminism policy (docs/versioning.md): the lead waits, nothing is lost, and it is visible."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

from cadence import client as api
from cadence.channels.activities import ChannelActivities
from cadence.lead import parse_lead
from cadence.worker import build_worker, sandbox_runner
from temporalio.worker import Worker
from tests.engine.plans import email, end, make_plan
from tests.workflow.conftest import DEFAULT_START
from tests.workflow.test_replay_catches_changes import UnpatchedChange

PLAN = make_plan([email("one", wait=3), email("two", wait=3), end("bye")])


async def test_a_nondeterministic_worker_stalls_the_lead_visibly_and_a_fixed_one_finishes_it(ts_env, mailbox, tmp_path):
    from cadence.channels.settings import ChannelSettings

    _handler, port = mailbox
    activities = ChannelActivities(ChannelSettings(smtp_port=port, outbox_dir=tmp_path)).all()
    queue = f"nde-{uuid.uuid4()}"
    lead = parse_lead({"id": f"N-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example"})
    # No workflow cache, hence no sticky queue: the next task goes to whichever worker polls next.
    async with build_worker(ts_env.client, activities, task_queue=queue, max_cached_workflows=0):
        started = await api.enroll(ts_env.client, PLAN, lead, task_queue=queue, cadence_now=DEFAULT_START)
        await ts_env.sleep(timedelta(hours=1))  # first email sent, now waiting 3 days
    # A release with an unpatched change picks the lead up (no cache: it replays the history).
    broken = Worker(ts_env.client, task_queue=queue, workflows=[UnpatchedChange], activities=activities,
                    workflow_runner=sandbox_runner(), max_cached_workflows=0)
    async with broken:
        # An event gives the broken release a workflow task to run (timers skip only while nothing fails).
        await api.send_event(ts_env.client, lead.id, "callback_requested", source="test")
        failures = []
        for _ in range(300):
            history = await started.handle.fetch_history()
            failures = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
            if failures:
                break
            await asyncio.sleep(0.1)
    raw = await ts_env.client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace="default", execution=WorkflowExecution(workflow_id=started.handle.id)))
    assert raw.workflow_execution_info.status == 1  # RUNNING: not failed, not lost
    assert failures and "nondeterminism" in failures[-1].workflow_task_failed_event_attributes.failure.message.lower()
    sent = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED]
    assert len(sent) == 1  # the broken release made no touch
    # The fixed release resumes the lead where it stood.
    async with build_worker(ts_env.client, activities, task_queue=queue):
        result = await started.handle.result()
    assert result["outcome"] == "disqualified"
    assert [h["step"] for h in result["history"] if h["kind"] == "touch"] == ["one", "two"]
    assert [h["outcome"] for h in result["history"] if h["kind"] == "event"] == ["callback_requested"]  # not lost
