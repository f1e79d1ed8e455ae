"""cadence migrate end to end (issue #14): the dev server's visibility selects the leads, the CLI plans,
moves, is killed half-way and resumed (every lead moved exactly once), then undoes the migration."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cadence.dsl.compiler import compile_file
from tests.e2e.conftest import CLI, Stack, running_stack
from tests.workflow.test_migrate import write_edited_version

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
LEADS = 30


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("migrate")) as running:
        yield running


def _histories(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    """Every lead's history, read through the client API (one connection, not a CLI process per lead)."""
    from temporalio.client import Client

    from cadence import client as api

    async def read() -> dict[str, list[dict[str, Any]]]:
        client = await Client.connect(stack.env["CADENCE_TEMPORAL_ADDRESS"])
        return {lead: (await api.state(client, lead))["history"] for lead in (f"M-{i:03d}" for i in range(LEADS))}

    return asyncio.run(read())


def _migrated(history: list[dict[str, Any]]) -> list[str]:
    return [h["detail"] for h in history if h["outcome"] == "migrated"]


def test_migrate_plans_moves_survives_a_crash_and_undoes(stack: Stack) -> None:
    leads = stack.tmp / "leads.jsonl"
    leads.write_text("".join(json.dumps({"id": f"M-{i:03d}", "first_name": "Pat", "email": f"m{i}@buyer.example",
                                         "company": "Buyer Inc", "owner": "dana@seller.example",
                                         "timezone": "America/Chicago"}) + "\n" for i in range(LEADS)))
    v1 = compile_file(ROOT / "cadences" / "enterprise-nurture.yaml")
    stack.cli("enroll", "--cadence", str(ROOT / "cadences" / "enterprise-nurture.yaml"), str(leads))
    # Every lead rests at its first step: the research call is open, or waits for business hours.
    stack.poll(lambda rows: len(rows) == LEADS and all(r["next_action_at"] for r in rows),
               "list", "--cadence", "enterprise-nurture")
    edited = write_edited_version(stack.tmp / "v2")
    v2 = compile_file(edited)
    args = ["migrate", "--cadence", "enterprise-nurture", "--from", v1.short_version, "--to", str(edited),
            "--map", "roi-email=value-email", "--by", "ops@seller.example"]

    dry = stack.cli(*args, "--dry-run", "--json")
    plan = json.loads(dry.stdout)
    assert plan["counts"] == {"move": LEADS, "already": 0, "refuse": 0}
    assert {line["to_step"] for line in plan["leads"]} == {"research-call"}
    assert all(line["runs"] == f"enterprise-nurture@{v1.short_version}" for line in plan["leads"])
    text = stack.cli(*args, "--dry-run").stdout
    assert f"{LEADS} would move, 0 already on {v2.short_version}, 0 refused" in text
    assert all(h == [] for h in map(_migrated, _histories(stack).values()))  # a dry run changes nothing
    bad = stack.cli(*args, "--dry-run", "--where", "NoSuchAttribute = 'x'", ok=False)
    assert bad.returncode == 1 and bad.stderr.startswith("error: cannot list leads: ") and "\n" == bad.stderr[-1:]
    assert len(bad.stderr.splitlines()) == 1, bad.stderr

    # The migrating process dies (SIGKILL) a third of the way through; its record says how far it got.
    records = stack.tmp / "state" / "migrations"
    process = subprocess.Popen([*CLI, *args, "--concurrency", "1"], env=stack.env, cwd=stack.tmp,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lines = [f for f in records.glob("*.jsonl")] and next(records.glob("*.jsonl")).read_text().splitlines()
        if lines and len(lines) > LEADS // 3:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    [path] = records.glob("*.jsonl")
    done_before = len(path.read_text().splitlines()) - 1
    assert 0 < done_before < LEADS, done_before

    again = stack.cli(*args, "--json")  # resumes the same record
    summary = json.loads(again.stdout)
    assert summary["record"] == str(path.relative_to(stack.tmp)) or Path(summary["record"]).name == path.name
    assert summary["counts"]["moved"] + summary["counts"]["already"] == LEADS and summary["counts"]["refused"] == 0
    assert summary["counts"]["moved"] >= done_before  # the record holds the lines written before the crash
    histories = _histories(stack)
    for lead, history in histories.items():  # every lead moved exactly once
        [detail] = _migrated(history)
        assert detail.startswith(f"migrated from enterprise-nurture {v1.short_version} to {v2.short_version} "
                                 "(2026.12) by ops@seller.example, at research-call"), (lead, detail)
    rows = stack.json("list", "--cadence", "enterprise-nurture")
    assert {r["version"] for r in rows} == {v2.short_version}

    back = stack.cli("migrate", "--undo", str(path), "--json")
    undone = json.loads(back.stdout)
    assert undone["counts"] == {"moved": LEADS, "already": 0, "refused": 0}
    for lead, history in _histories(stack).items():
        assert len(_migrated(history)) == 2 and f"to {v1.short_version}" in _migrated(history)[1], lead
    rows = stack.poll(lambda rs: {r["version"] for r in rs} == {v1.short_version}, "list", "--cadence",
                      "enterprise-nurture")
    assert len(rows) == LEADS
