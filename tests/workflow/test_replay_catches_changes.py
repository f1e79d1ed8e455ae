"""Replay is the guard: an unpatched change to the interpreter fails against the golden histories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cadence.messages import WORKFLOW_NAME, NurtureInput
from cadence.worker import sandbox_runner
from workflows.nurture import NurtureWorkflow


@workflow.defn(name=WORKFLOW_NAME)
class UnpatchedChange(NurtureWorkflow):
    """The stage memo as it would look without its ``workflow.patched`` guard."""

    @workflow.run
    async def run(self, inp: NurtureInput) -> dict[str, Any]:
        return await super().run(inp)

    def _publish(self) -> None:
        workflow.upsert_memo({"touches": sum(self.engine.state.touches_by_channel.values())})
        super()._publish()


async def test_an_unpatched_interpreter_change_is_caught_by_replay():
    golden = Path(__file__).resolve().parents[1] / "golden"  # not at import: the sandbox re-imports this module
    name = "v1--enterprise-nurture--never-answers--run1.json"
    ids = json.loads((golden / "index.json").read_text(encoding="utf-8"))
    history = WorkflowHistory.from_json(ids[name], json.loads((golden / name).read_text(encoding="utf-8")))
    replayer = Replayer(workflows=[UnpatchedChange], workflow_runner=sandbox_runner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert "Nondeterminism" in type(result.replay_failure).__name__ or "nondeterminism" in str(result.replay_failure).lower()
