"""Figure 11: many leads on one 2-core box (issue #17): enrollment, worker memory, listing, report, disk, pickup.

Run: ``python benchmarks/bench_scale.py [--leads 100000] [--pickup-sample 500] [--baseline-leads 5000]``
(about 20 minutes at 20,000 leads on 2 cores shared with other work; ``--leads 5000`` takes about 5;
``--enrollment-only`` stops after the enrollment figures; with ``--repeat N`` it alternates N rounds of both
sides, each into a fresh file, and prints the medians). Not part of CI.

On the embedded dev server with a SQLite file: ``cadence enroll`` puts ``--leads`` leads from one CSV
into enterprise-nurture (the CLI as an operator runs it) with no worker running, as the baseline runs: a
loop of bare ``client.start_workflow`` calls (concurrency 64, the same ids, start search attributes and
memo as cadence; ``benchmarks/handwritten.py``) over ``--baseline-leads`` rows of the same CSV into a
fresh SQLite file, and the same loop again with cadence's compiled plan added to each start's input (what
pinning a lead's version by value costs a start: the hand-written workflow has its templates in code). Then ``cadence worker --processes 1`` (default cache) works them until every lead
rests at its first wait (visibility's count), and the script measures the worker's RSS, ``cadence list
--stage nurture --limit N --json`` over all of them, ``cadence report --json``, the database's size per
lead, and the pickup after a worker restart (a state query to a sample of leads, each of which the new
worker must rebuild from history). Targets from the issue: enrollment at least 0.95x the bare loop, list and
report under 10 s each, worker RSS under 1 GiB. The machine's load average is printed with the figures: other work on the same cores moves them.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    REPO,
    dev_server,
    figure,
    free_port,
    info,
    rss_mib,
    smtp_sink,
    stop_process,
    write_leads_csv,
)

CLI = [sys.executable, "-c", "from cadence.cli.main import run; run()"]
CADENCE = REPO / "cadences" / "enterprise-nurture.yaml"


def cli(env: dict[str, str], *args: str, timeout: float = 3600) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run([*CLI, *args], check=False, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"cadence {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return time.perf_counter() - started, done


def start_worker(env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*CLI, "worker", "--processes", "1"], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def resting(client: object, count: int, deadline: float) -> float:
    """Seconds until ``count`` leads rest at a wait (their next action is set in visibility)."""
    started = time.perf_counter()
    query = "WorkflowType = 'CadenceNurture' AND CadenceNextActionAt IS NOT NULL"
    while time.perf_counter() < deadline:
        found = (await client.count_workflows(query)).count  # type: ignore[attr-defined]
        if found >= count:
            return time.perf_counter() - started
        await asyncio.sleep(2)
    raise SystemExit(f"only {found} of {count} leads came to rest in time")


def load() -> str:
    """The 1, 5 and 15 minute load averages (2 cores: above 2 means work waits for a core)."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


async def bare_starts(path: Path, count: int, db_file: Path, concurrency: int = 64,
                      carry: dict[str, Any] | None = None) -> float:
    """Starts per second of a bare ``start_workflow`` loop over the first ``count`` rows of ``path`` (no worker);
    ``carry`` is added to each start's input (cadence's compiled plan, to see what carrying it costs)."""
    from benchmarks.handwritten import start_args

    with path.open(newline="") as fh:
        rows = [{k: v for k, v in row.items() if v} for _, row in zip(range(count), csv.DictReader(fh))]
    async with dev_server(str(db_file)) as env:
        todo = iter(rows)
        started = time.perf_counter()

        async def starter() -> None:
            for lead in todo:  # a shared iterator: each row is taken by one starter
                kwargs = start_args(lead, "bench-scale-bare")
                if carry:
                    kwargs["arg"] = {**kwargs["arg"], **carry}
                await env.client.start_workflow(**kwargs)

        await asyncio.gather(*(starter() for _ in range(concurrency)))
        return len(rows) / (time.perf_counter() - started)


def cadence_env(address: str, state: Path, smtp_port: int) -> dict[str, str]:
    """The environment this benchmark's ``cadence`` commands and worker run with."""
    return {**os.environ, "CADENCE_TEMPORAL_ADDRESS": address, "CADENCE_STATE_DIR": str(state),
            "CADENCE_SMTP_PORT": str(smtp_port), "CADENCE_SENDER": "Bench <bench@seller.example>",
            "CADENCE_UNSUBSCRIBE_SECRET": "bench-secret"}


async def enrollment_rounds(args: argparse.Namespace) -> None:
    """``--repeat`` rounds of ``cadence enroll`` and the bare loop over the same rows, each into a fresh file,
    alternating, so that both sides meet the same moments of a shared machine; prints each round and the medians."""
    from cadence.server import EmbeddedServer

    count = min(args.baseline_leads or args.leads, args.leads)
    cadence_rates: list[float] = []
    bare_rates: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, smtp_sink() as (_box, smtp_port):
        leads = write_leads_csv(Path(tmp) / "leads.csv", count, "s")
        for round_ in range(1, args.repeat + 1):
            state = Path(tmp) / f"state-{round_}"
            server = EmbeddedServer(state_dir=state, database=str(Path(tmp) / f"cadence-{round_}.db"), port=free_port(),
                                    ui_port=None)
            server.start()
            try:
                seconds, _ = cli(cadence_env(server.address, state, smtp_port), "enroll", "--cadence", str(CADENCE),
                                 str(leads), "--json")
            finally:
                server.stop()
            cadence_rates.append(count / seconds)
            bare_rates.append(await bare_starts(leads, count, Path(tmp) / f"bare-{round_}.db"))
            info(f"round {round_}: cadence enroll {cadence_rates[-1]:.1f} leads/s, bare loop {bare_rates[-1]:.1f} "
                 f"starts/s ({cadence_rates[-1] / bare_rates[-1]:.2f}x), load {load()}")
    rate, bare = statistics.median(cadence_rates), statistics.median(bare_rates)
    figure(f"enroll_{count}_leads_median_of_{args.repeat}", rate, "leads/s", rate / bare, ">= 0.95x")
    figure(f"bare_start_workflow_{count}_median_of_{args.repeat}", bare, "starts/s")


async def main_async(args: argparse.Namespace) -> None:
    from temporalio.client import Client

    from cadence import client as api
    from cadence import ir
    from cadence.dsl.compiler import compile_file
    from cadence.server import EmbeddedServer

    with tempfile.TemporaryDirectory() as tmp, smtp_sink() as (_box, smtp_port):
        state = Path(tmp) / "state"
        db = Path(tmp) / "temporal.db"
        server = EmbeddedServer(state_dir=state, database=str(db), port=free_port(), ui_port=None)
        server.start()
        env = cadence_env(server.address, state, smtp_port)
        worker: subprocess.Popen[bytes] | None = None
        try:
            leads = write_leads_csv(Path(tmp) / "leads.csv", args.leads, "s")
            info(f"load average before enrollment: {load()}")
            seconds, _ = cli(env, "enroll", "--cadence", str(CADENCE), str(leads), "--json")
            rate = args.leads / seconds
            if args.baseline_leads:
                count = min(args.baseline_leads, args.leads)
                bare = await bare_starts(leads, count, Path(tmp) / "bare.db")
                figure(f"enroll_{args.leads}_leads", rate, "leads/s", rate / bare, ">= 0.95x")
                figure(f"bare_start_workflow_{count}", bare, "starts/s")
                # The same loop with cadence's input: each lead carries its cadence's compiled plan (templates,
                # tracks: the version it keeps), which a hand-written workflow has in its code.
                plan = {"plan": ir.plan_for_input(compile_file(CADENCE))}  # packed, as cadence's client sends it
                carrying = await bare_starts(leads, count, Path(tmp) / "bare-plan.db", carry=plan)
                figure(f"bare_start_workflow_{count}_carrying_the_plan", carrying, "starts/s")
                info(f"cadence's start input carries {len(json.dumps(plan)) / 1024:.1f} KiB of plan; enrollment "
                     f"against the loop carrying it: {rate / carrying:.2f}x")
            else:
                figure(f"enroll_{args.leads}_leads", rate, "leads/s")
            figure("database_bytes_per_lead_enrolled", db.stat().st_size / args.leads, "bytes")
            if args.enrollment_only:
                return
            worker = start_worker(env, tmp)
            client = await Client.connect(server.address)
            rested = await resting(client, args.leads, time.perf_counter() + max(600.0, args.leads / 10))
            info(f"one worker brought all {args.leads} leads to their first wait in {rested:.0f} s "
                 f"({args.leads / rested:.0f} leads/s)")
            await asyncio.sleep(3)
            figure(f"worker_rss_{args.leads}_leads", rss_mib(worker.pid), "MiB", target="< 1024 MiB")
            info(f"load average before list and report (worker idle): {load()}")
            seconds, listed = cli(env, "list", "--stage", "nurture", "--limit", str(args.leads), "--json")
            figure("list_stage_nurture_all", seconds, "s", target="< 10 s")
            info(f"cadence list printed {listed.stdout.count(chr(10))} lines, {len(json.loads(listed.stdout))} leads")
            seconds, _ = cli(env, "report", "--json")
            figure("report_all", seconds, "s", target="< 10 s")
            info(f"load average after list and report: {load()}")
            figure("database_bytes_per_lead", db.stat().st_size / args.leads, "bytes")
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
            worker = start_worker(env, tmp)
            sample = random.Random(1).sample(range(args.leads), min(args.pickup_sample, args.leads))
            started = time.perf_counter()
            for i in sample:  # one at a time: the rate a person or the gateway sees on a cold worker
                await api.state(client, f"Bs-{i:06d}")
            figure("pickup_after_restart", len(sample) / (time.perf_counter() - started), "leads/s")
        finally:
            if worker is not None:
                stop_process(worker, 60)
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--pickup-sample", type=int, default=500)
    parser.add_argument("--baseline-leads", type=int, default=5000,
                        help="rows of the CSV for the bare start_workflow loop (0: no baseline)")
    parser.add_argument("--enrollment-only", action="store_true",
                        help="stop after the enrollment figures (no worker, list, report or pickup)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="with --enrollment-only: alternating rounds of both sides over --baseline-leads rows, "
                             "each into a fresh file; prints the medians")
    args = parser.parse_args()
    if args.repeat > 1 and not args.enrollment_only:
        parser.error("--repeat needs --enrollment-only")
    asyncio.run(enrollment_rounds(args) if args.repeat > 1 else main_async(args))


if __name__ == "__main__":
    main()
