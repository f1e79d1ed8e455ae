"""Record golden histories: real runs of the shipped cadences on the time-skipping server.

Run after a deliberate, patched change to the interpreter (see docs/versioning.md):

    python -m tests.golden.record [--scenario NAME ...]

(``--scenario``: only the scenarios that reach the change, when the others' histories would be those of
the previous tag again.)

Each scenario writes ``tests/golden/<tag>--<cadence>--<scenario>--run<N>.json`` (one file per
run: a track switch or a long loop continues as new) and ``index.json`` (file -> workflow id); the replay test
(tests/workflow/test_replay.py) replays every file in CI, so a change that would
break leads already in flight fails the build.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent

Scenario = Callable[[Any, Any, str], Awaitable[None]]


async def _never_answers(env: Any, client: Any, lead_id: str) -> None:
    return None


async def _replies_in_week_three(env: Any, client: Any, lead_id: str) -> None:
    from cadence import client as api

    await env.sleep(timedelta(days=17))
    await api.send_event(client, lead_id, "reply", {"detail": "sounds interesting"}, source="golden")


async def _unsubscribes(env: Any, client: Any, lead_id: str) -> None:
    from cadence import client as api

    await env.sleep(timedelta(days=5))
    await api.send_event(client, lead_id, "unsubscribe", source="golden")


async def _qualified_on_calls(env: Any, client: Any, lead_id: str) -> None:
    from cadence import client as api

    facts = [
        {"budget": "120k approved", "decision_makers": "CFO and COO", "pain_validated": "leads lost in handoffs"},
        {"decision_process": "pilot then rollout", "urgency": "renewal in March", "decision_maker_engaged": "COO on call",
         "industry_code": "NAICS 5112", "firmographics": "900 staff", "competition": "Outreach"},
    ]
    for learned in [*facts, None]:
        for _ in range(200):
            st = await api.state(client, lead_id)
            if st["status"] == "ended":
                return
            if learned is None:
                if st["phase"] == "acceptance":
                    await api.accept(client, lead_id, note="golden: accepted", by="dana")
                    return
            elif st["open_task"] and st["open_task"]["kind"] == "call":
                await api.log_outcome(client, st["open_task"]["task_id"], "connected", notes="good conversation",
                                      learned=learned, by="dana")
                break
            await env.sleep(timedelta(hours=12))


async def _changes_address(env: Any, client: Any, lead_id: str) -> None:
    """An operator corrects the address, then a CRM changes it again: each change moves the contact key."""
    from cadence import client as api
    from cadence.contacts import ContactKeys

    keys = ContactKeys("golden-signing-key")
    await env.sleep(timedelta(days=3))
    await api.update_lead(client, lead_id, {"email": "robin.reyes@prospect.example"}, by="golden", contacts=keys)
    await env.sleep(timedelta(days=3))
    await api.send_event(client, lead_id, "lead_updated", {"fields": {"email": "rr@prospect.example"}},
                         source="golden", contacts=keys)


async def _out_of_office(env: Any, client: Any, lead_id: str) -> None:
    """An automatic reply while the lead waits (no return date: the cadence's pause): the wait keeps its timer."""
    from cadence import client as api

    await env.sleep(timedelta(days=4))
    await api.send_event(client, lead_id, "out_of_office", {"detail": "Out of office, limited access to email",
                                                            "event_id": "<ooo-golden@prospect.example>"},
                         source="golden")


async def _backfills_contact_keys(env: Any, client: Any, lead_id: str) -> None:
    """Sender matching is turned on after the lead enrolled: an operator's backfill publishes its key."""
    from cadence import client as api
    from cadence.contacts import ContactKeys

    await env.sleep(timedelta(days=2))
    await api.publish_contact_keys(client, lead_id, ContactKeys("golden-signing-key"), by="golden")


SCENARIOS: dict[str, Scenario] = {
    "never-answers": _never_answers,
    "reply-week-3": _replies_in_week_three,
    "unsubscribe": _unsubscribes,
    "qualified-on-calls": _qualified_on_calls,
    "changes-address": _changes_address,
    "backfills-contact-keys": _backfills_contact_keys,
    "out-of-office": _out_of_office,
}
CADENCES = ("inbound-fast-follow", "enterprise-nurture", "stale-monthly")
SCENARIO_TIMEOUT = 300.0
"""Seconds of real time a scenario may take (each takes a few): a stalled time-skipping server fails the run."""
TAG = "v8"
"""Histories recorded by this release of the interpreter; older tags stay and keep replaying."""


def lead_record(index: int) -> dict[str, Any]:
    return {
        "id": f"GOLD-{index:03d}", "first_name": "Robin", "last_name": "Reyes", "email": "robin@prospect.example",
        "phone": "+1 312 555 0199", "company": "Prospect Logistics", "title": "VP Operations", "owner": "dana",
        "timezone": "America/Chicago", "address_line1": "200 W Adams St", "city": "Chicago", "region": "IL",
        "postal_code": "60606", "country": "US", "industry": "logistics", "source": "marketing",
    }


async def record(out_dir: Path = GOLDEN, scenarios: Sequence[str] = ()) -> list[Path]:
    """Run every (cadence, scenario) pair and write its history; returns the files written.

    Args:
        scenarios: names of :data:`SCENARIOS` to run; empty: all.
    """
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        raise SystemExit(f"no scenario {', '.join(unknown)}; expected one of: {', '.join(SCENARIOS)}")
    from temporalio.testing import WorkflowEnvironment

    from cadence import client as api
    from cadence.channels.activities import ChannelActivities
    from cadence.channels.settings import ChannelSettings
    from cadence.dsl.compiler import compile_file
    from cadence.lead import parse_lead
    from cadence.messages import workflow_id_for as lead_wf_id
    from cadence.worker import build_worker

    binary = shutil.which("temporal-test-server", path=str(Path(sys.executable).parent))
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=binary)
    written: list[Path] = []
    try:
        await api.register_search_attributes(env.client)
        with tempfile.TemporaryDirectory() as tmp:
            # SMTP on a closed port would retry forever: emails go to an in-memory transport instead.
            activities = ChannelActivities(ChannelSettings(outbox_dir=Path(tmp)), email_transport=_Accepting())
            async with build_worker(env.client, activities.all(), task_queue="golden"):
                index: dict[str, str] = {}
                number = 0
                for cadence in CADENCES:
                    plan = compile_file(ROOT / "cadences" / f"{cadence}.yaml")
                    for name, scenario in SCENARIOS.items():
                        if scenarios and name not in scenarios:
                            continue
                        number += 1
                        lead = parse_lead(lead_record(number))
                        started = await api.enroll(env.client, plan, lead, task_queue="golden")

                        async def play(handle: Any = started.handle) -> None:
                            await scenario(env, env.client, lead.id)
                            await handle.result()

                        try:
                            await asyncio.wait_for(play(), SCENARIO_TIMEOUT)
                        except TimeoutError:
                            raise SystemExit(f"{cadence} {name}: no result within {SCENARIO_TIMEOUT:.0f} s (once the "
                                             "time-skipping server stopped skipping); record again") from None
                        run_id: str | None = started.handle.first_execution_run_id
                        run = 1
                        while run_id:  # every run of the chain: tracks and long loops continue as new
                            history = await env.client.get_workflow_handle(lead_wf_id(lead.id), run_id=run_id).fetch_history()
                            path = out_dir / f"{TAG}--{cadence}--{name}--run{run}.json"
                            path.write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n", encoding="utf-8")
                            index[path.name] = history.workflow_id
                            written.append(path)
                            print(f"recorded {path.name}: {len(history.events)} events")
                            last = history.events[-1]
                            run_id = (last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
                                      if last.HasField("workflow_execution_continued_as_new_event_attributes") else None)
                            run += 1
                known = json.loads((out_dir / "index.json").read_text(encoding="utf-8")) if (out_dir / "index.json").exists() else {}
                known.update(index)
                (out_dir / "index.json").write_text(json.dumps(known, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    finally:
        await env.shutdown()
    return written


class _Accepting:
    """An email transport that accepts every message (recording needs no SMTP server)."""

    async def send(self, message: Any, sender: str, recipients: list[str]) -> str:
        return "250 accepted by the golden recorder"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", default=[], choices=list(SCENARIOS))
    asyncio.run(record(scenarios=parser.parse_args().scenario))
    # The SDK's native threads can abort interpreter finalisation (exit 134); the files are written.
    sys.stdout.flush()
    os._exit(0)
