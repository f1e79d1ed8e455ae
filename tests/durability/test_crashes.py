"""Kill -9 the worker and restart the server mid-run: every lead still ends as it should.

The default run (CI) uses 40 leads and 4 kills; the full figures come from

    python -m tests.durability.test_crashes --leads 200 --kills 6

which prints: leads run, crashes injected, leads lost, steps skipped,
duplicate Message-IDs and distinct duplicate messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
CADENCE = ROOT / "tests" / "e2e" / "cadences" / "crash-test.yaml"
STEPS = ("one", "two", "three", "four")
EMAIL_STEPS = ("one", "two", "four")


@dataclass
class Figures:
    """What a crash run measured."""

    leads: int
    crashes: int
    server_restarts: int
    lost: int
    skipped_steps: int
    duplicate_message_ids: int
    distinct_duplicates: int
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"leads_run: {self.leads} leads",
            f"crashes_injected: {self.crashes} kill -9 of the worker, {self.server_restarts} server restart(s)",
            f"leads_lost: {self.lost} leads",
            f"steps_skipped: {self.skipped_steps} steps",
            f"duplicate_message_ids: {self.duplicate_message_ids} messages (resent with the same Message-ID)",
            f"distinct_duplicate_messages: {self.distinct_duplicates} messages (a second, different message for one step)",
            f"wall_time: {self.seconds:.1f} s",
        ]


class Recorder:
    """An SMTP server keeping (lead, step, Message-ID) of every accepted message."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        from email import message_from_bytes, policy

        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.seen.append((str(msg["X-Cadence-Lead"]), str(msg["X-Cadence-Step"]), str(msg["Message-ID"])))
        return "250 accepted"


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from cadence.cli.main import run; run()", *args], env=env,
                          capture_output=True, text=True, timeout=120)


async def _until_none_runs(address: str, deadline: float) -> None:
    """Wait until no lead runs (or the deadline passes): one count query a second from this process,
    not a ``cadence list`` process a second (0.6 s of CPU each on a box the other tests share)."""
    from temporalio.client import Client
    from temporalio.service import RPCError

    from cadence import visibility
    from cadence.messages import WORKFLOW_NAME

    client = await Client.connect(address)
    while time.monotonic() < deadline:
        try:
            running = f"{visibility.leads_query(WORKFLOW_NAME)} AND {visibility.RUNNING}"
            if (await client.count_workflows(running)).count == 0:
                return
        except RPCError:  # the restarted server not answering yet
            pass
        await asyncio.sleep(1.0)


async def crash_run(leads: int, kills: int, seed: int = 7, restart_server: bool = True) -> Figures:
    """Run ``leads`` through the crash-test cadence while killing the worker ``kills`` times."""
    from cadence.server import EmbeddedServer

    rng = random.Random(seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        server = EmbeddedServer(state_dir=tmp / "state", database=str(tmp / "temporal.db"), port=free_port(),
                                ui_port=None)
        server.start()
        recorder = Recorder()
        smtp = SmtpServer(recorder).start()
        env = {**os.environ, "CADENCE_TEMPORAL_ADDRESS": server.address, "CADENCE_SMTP_PORT": str(smtp.port),
               "CADENCE_STATE_DIR": str(tmp / "state"), "CADENCE_TASK_QUEUE": "crash"}

        def start_worker() -> subprocess.Popen[bytes]:
            return subprocess.Popen([sys.executable, str(ROOT / "worker.py")], env=env, cwd=tmp,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        worker = start_worker()
        restarts = 0
        try:
            source = tmp / "leads.jsonl"
            source.write_text("".join(json.dumps({"id": f"C-{i:04d}", "first_name": "Casey", "email": f"c{i}@x.example",
                                                  "address_line1": "1 Main St", "city": "Chicago",
                                                  "postal_code": "60601"}) + "\n" for i in range(leads)))
            enrolled = _cli(env, "enroll", "--cadence", str(CADENCE), str(source), "--time-scale", "60", "--json")
            assert enrolled.returncode == 0, enrolled.stderr
            for k in range(kills):
                await asyncio.sleep(rng.uniform(1.5, 4.0))
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                if restart_server and k == kills // 2:
                    server.stop()
                    server.start()
                    restarts += 1
                worker = start_worker()
            await _until_none_runs(server.address, deadline=time.monotonic() + 240)
            listed = _cli(env, "list", "--cadence", "crash-test", "--limit", str(leads + 10), "--json")
            rows = json.loads(listed.stdout) if listed.returncode == 0 else []
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
            smtp.stop()
            server.stop()
        outcomes = {r["lead_id"]: (r["status"], r["outcome"], r["reason"]) for r in rows}
        lost = leads - sum(1 for v in outcomes.values() if v == ("completed", "disqualified", "no_response"))
        per_step = Counter((lead, step) for lead, step, _ in recorder.seen)
        ids = {(lead, step): {mid for ln, st, mid in recorder.seen if (ln, st) == (lead, step)} for lead, step in per_step}
        expected = {(f"C-{i:04d}", step) for i in range(leads) for step in EMAIL_STEPS}
        skipped = len(expected - set(per_step))
        duplicate_ids = sum(n - 1 for n in per_step.values() if n > 1)
        distinct = sum(len(v) - 1 for v in ids.values() if len(v) > 1)
        letters = tmp / "state" / "outbox" / "letters" / "manifest.jsonl"
        if letters.exists():
            written = {json.loads(line)["lead_id"] for line in letters.read_text().splitlines() if line.strip()}
            skipped += leads - len(written)
        else:
            skipped += leads
        return Figures(leads, kills, restarts, lost, skipped, duplicate_ids, distinct, time.monotonic() - started)


@pytest.mark.e2e
async def test_killing_the_worker_and_restarting_the_server_loses_nothing(capsys: pytest.CaptureFixture[str]):
    figures = await crash_run(leads=int(os.environ.get("CADENCE_CRASH_LEADS", "40")), kills=4)
    with capsys.disabled():
        print("\n" + "\n".join(figures.lines()))
    assert figures.lost == 0
    assert figures.skipped_steps == 0
    assert figures.distinct_duplicates == 0  # a resend, if any, carries the same Message-ID


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    result = asyncio.run(crash_run(options.leads, options.kills, options.seed))
    print("\n".join(result.lines()))
