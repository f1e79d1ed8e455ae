"""Golden histories replay against today's workflow code: in-flight leads survive upgrades."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from cadence.worker import sandbox_runner, workflows

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
HISTORIES = sorted(GOLDEN.glob("v*--*--*--run*.json"))
WORKFLOW_IDS = json.loads((GOLDEN / "index.json").read_text(encoding="utf-8"))


def test_there_are_golden_histories_for_every_shipped_cadence():
    names = {p.name.split("--")[1] for p in HISTORIES}
    assert names >= {"inbound-fast-follow", "enterprise-nurture", "stale-monthly"}
    assert any(p.name.endswith("--run2.json") for p in HISTORIES)  # continue-as-new is covered too
    assert len({p.name.split("--")[0] for p in HISTORIES}) >= 2  # histories of older releases keep replaying


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_golden_history_replays(path: Path):
    # The real workflow id matters: task ids and Message-IDs are derived from it.
    history = WorkflowHistory.from_json(WORKFLOW_IDS[path.name], json.loads(path.read_text(encoding="utf-8")))
    replayer = Replayer(workflows=workflows(), workflow_runner=sandbox_runner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
