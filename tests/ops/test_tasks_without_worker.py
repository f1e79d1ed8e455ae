"""``cadence tasks`` when no worker answers: one line naming the lead and what to start, exit 1, no traceback.

The listing comes from visibility, but a task's brief and due time only from the lead's state, which a
worker must answer; on the dev server with a lead whose task queue nobody polls.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from cadence import client as api
from cadence import visibility
from cadence.cli.main import main
from cadence.messages import WORKFLOW_NAME, workflow_id_for
from cadence.server import EmbeddedServer
from tests.conftest import free_port

pytestmark = pytest.mark.e2e


async def _lead_with_an_open_task(address: str) -> None:
    client = await Client.connect(address)
    keys = visibility.keys()
    await client.start_workflow(WORKFLOW_NAME, {}, id=workflow_id_for("T-1"), task_queue="nobody-polls-this",
                                search_attributes=TypedSearchAttributes([
                                    SearchAttributePair(keys[visibility.NAME], "quiet-cadence"),
                                    SearchAttributePair(keys[visibility.OPEN_TASK], "call")]))
    deadline = time.monotonic() + 10
    while (await client.count_workflows(api.open_task_query())).count == 0:
        assert time.monotonic() < deadline, "the lead never showed in visibility"
        await asyncio.sleep(0.1)


def test_tasks_without_a_worker_say_which_lead_waits_and_what_to_start(tmp_path: Path, capsys: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    server = EmbeddedServer(state_dir=tmp_path / "state", database=":memory:", port=free_port(), ui_port=None)
    server.start()
    try:
        asyncio.run(_lead_with_an_open_task(server.address))
        monkeypatch.setenv("CADENCE_TEMPORAL_ADDRESS", server.address)
        monkeypatch.setattr(api, "QUERY_TIMEOUT", timedelta(seconds=1))
        assert main(["tasks"]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == "error: no worker answered for lead T-1 within 1 s; is `cadence worker` running?\n"
    finally:
        server.stop()
