"""Figure 4: worker resident memory with N leads in flight waiting on timers, and pickup after a restart.

Run: ``python benchmarks/bench_memory.py [--leads 2000] [--baseline-leads 1000] [--max-cached N | --all-cached]``
(about 3 minutes; ``--leads 10000`` takes about 15 minutes on 2 cores).

For each implementation, on a fresh in-memory dev server: a worker runs in a child
process with the workflow cache of ``cadence worker`` (``worker_cache``, 1000 leads;
``--all-cached`` keeps every lead in memory: the worst case), N leads are enrolled; each opens its first call task
(an activity writing the task file) and then waits on the task's one-day due timer.
When all N task files exist and the worker has been idle for 2 s, its VmRSS is read
from /proc. Then the worker is stopped (SIGTERM, graceful), a new one started, and
a ``state`` query is sent to every lead (32 at a time): the new worker must rebuild
each lead from its history (replay). "pickup" is the time until all queries answer.

Target: under 1 GiB on one worker with 10,000 leads. The baseline runs with fewer
leads by default (time budget); ratios are per lead.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    dev_server,
    figure,
    gather_bounded,
    info,
    load_plan,
    make_leads,
    rss_mib,
    start_baseline,
    stop_process,
    task_queue,
)

from cadence.config import Settings  # noqa: E402

HERE = Path(__file__).resolve()


# ---------------------------------------------------------------- the worker process


async def run_worker(args: argparse.Namespace) -> None:
    from temporalio.client import Client

    from benchmarks.common import baseline_worker, cadence_worker, channel_activities
    from cadence.worker import run_until_signalled

    client = await Client.connect(args.address)
    acts = channel_activities(args.smtp_port, Path(args.outbox))
    make = cadence_worker if args.impl == "cadence" else baseline_worker
    worker = make(client, acts, args.task_queue, max_cached_workflows=args.max_cached,
                  max_concurrent_workflow_tasks=100)
    print("ready", flush=True)
    await run_until_signalled(worker)


def spawn_worker(impl: str, address: str, tq: str, outbox: Path, max_cached: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE), "--worker", "--impl", impl, "--address", address, "--task-queue", tq,
         "--outbox", str(outbox), "--max-cached", str(max_cached)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise SystemExit(f"worker did not start: {line!r}")
    return proc


# ---------------------------------------------------------------- the driver


async def measure(impl: str, n: int, max_cached: int) -> dict[str, float]:
    from cadence.client import enroll_many
    from cadence.messages import workflow_id_for

    plan = load_plan()
    run = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory() as tmp:
        outbox = Path(tmp) / "outbox"
        tasks_dir = outbox / "tasks"
        async with dev_server() as env:
            address = env.client.service_client.config.target_host
            tq = task_queue(f"mem-{impl}")
            proc = spawn_worker(impl, address, tq, outbox, max_cached)
            try:
                idle_rss = rss_mib(proc.pid)
                leads = make_leads(n, run)
                t0 = time.perf_counter()
                if impl == "cadence":
                    results = await enroll_many(env.client, plan, ((i, lead) for i, lead in enumerate(leads)),
                                                task_queue=tq)
                    assert all(r.status == "enrolled" for r in results)
                else:
                    await gather_bounded([start_baseline(env.client, lead, tq) for lead in leads], 64)
                deadline = time.perf_counter() + max(240.0, n / 10)  # 10 leads/s at the least
                while (count := _count(tasks_dir)) < n:
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"only {count}/{n} leads reached their first timer in time")
                    await asyncio.sleep(0.5)
                settle = time.perf_counter() - t0
                await asyncio.sleep(2.0)  # the last workflow tasks (timers started) complete
                rss = rss_mib(proc.pid)
                hwm = _hwm(proc.pid)
            finally:
                stop_process(proc, 60)
            proc = spawn_worker(impl, address, tq, outbox, max_cached)
            try:
                t1 = time.perf_counter()
                name = "state"
                await gather_bounded([env.client.get_workflow_handle(workflow_id_for(lead.id)).query(
                    name, rpc_timeout=timedelta(seconds=150)) for lead in leads], 32)
                pickup = time.perf_counter() - t1
                rss_after = rss_mib(proc.pid)
            finally:
                stop_process(proc, 60)
    return {"rss": rss, "hwm": hwm, "idle": idle_rss, "settle": settle, "pickup": pickup, "rss_after": rss_after}


def _count(directory: Path) -> int:
    try:
        return sum(1 for _ in os.scandir(directory))
    except FileNotFoundError:
        return 0


def _hwm(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main_async(args: argparse.Namespace) -> None:
    res: dict[str, dict[str, float]] = {}
    for impl, n in (("baseline", args.baseline_leads), ("cadence", args.leads)):
        if n <= 0:
            continue
        cache = n if args.all_cached else args.max_cached
        res[impl] = r = await measure(impl, n, cache)
        info(f"{impl}: {n} leads waiting, worker cache {cache}; worker RSS {r['rss']:.0f} MiB (peak {r['hwm']:.0f}, "
             f"idle {r['idle']:.0f}); all on their first timer after {r['settle']:.1f} s; restart pickup "
             f"{r['pickup']:.1f} s (RSS after {r['rss_after']:.0f} MiB)")
    c = res["cadence"]
    cached_c = args.leads if args.all_cached else min(args.leads, args.max_cached)
    per_c = (c["rss"] - c["idle"]) / cached_c * 1024
    b = res.get("baseline")
    cached_b = args.baseline_leads if args.all_cached else min(args.baseline_leads, args.max_cached)
    per_b = (b["rss"] - b["idle"]) / cached_b * 1024 if b else None
    scope = "all_cached" if args.all_cached else f"cache_{args.max_cached}"
    figure(f"worker_rss_{args.leads}_leads_waiting_{scope}", c["rss"], "MiB",
           c["rss"] / b["rss"] if b and args.baseline_leads == args.leads else None, "< 1024 MiB")
    figure("worker_rss_per_cached_lead", per_c, "KiB", per_c / per_b if per_b else None)
    if args.all_cached:
        figure("worker_rss_10000_leads_all_cached_extrapolated", c["idle"] + per_c * 10_000 / 1024, "MiB", None)
    figure(f"pickup_after_restart_{args.leads}_leads", c["pickup"], "s", None)
    rate_c = args.leads / c["pickup"]
    figure("pickup_rate_after_restart", rate_c, "leads/s", rate_c / (args.baseline_leads / b["pickup"]) if b else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=2_000,
                        help="cadence leads (default 2000: 10,000 take about 15 minutes here)")
    parser.add_argument("--baseline-leads", type=int, default=1_000, help="0: skip the baseline")
    parser.add_argument("--max-cached", type=int, default=Settings().worker_cache,
                        help="worker cache size (default: cadence worker's, %(default)s leads)")
    parser.add_argument("--all-cached", action="store_true", help="a cache as large as the leads (the worst case)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--impl", default="cadence", help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    parser.add_argument("--task-queue", help=argparse.SUPPRESS)
    parser.add_argument("--outbox", help=argparse.SUPPRESS)
    parser.add_argument("--smtp-port", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        asyncio.run(run_worker(args))
        return 0
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
