"""Figure 2: wall time to run N leads through the seven-touch cadence, cadence / hand-written.

Run: ``python benchmarks/bench_run.py [--leads 200] [--dev-leads 200] [--day-seconds 0.2]``
(about 3 minutes on 2 cores; the issue asks for 500 leads: ``--leads 500 --dev-leads 500`` takes about 8).

* time-skipping server: start all N leads, ``env.sleep(40 days)``, collect every result;
* dev server (``temporal server start-dev``, in memory): the same cadence at seconds scale
  (one cadence day = ``--day-seconds`` real seconds; cadence through ``time_scale``, the
  hand-written workflow through its ``day_seconds`` input), start all, wait for every result.

Each implementation gets a fresh server and its own worker in this process (same
worker options, the same ``ChannelActivities`` against the same local SMTP sink).
Target: cadence / hand-written <= 1.10.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    baseline_worker,
    cadence_worker,
    channel_activities,
    dev_server,
    figure,
    gather_bounded,
    info,
    load_plan,
    make_leads,
    smtp_sink,
    start_baseline,
    start_cadence,
    task_queue,
    time_skipping,
)

SPAN_DAYS = 40
"""The cadence takes 27 days plus send-window slack; 40 covers it."""
START_CONCURRENCY = 64
"""Concurrent ``start_workflow`` calls (``enroll_many``'s default), for both implementations."""


async def _collect(handles: list[Any]) -> list[dict[str, Any]]:
    # One by one: awaiting many results at once hung the time-skipping server (design.md).
    return [await h.result() for h in handles]


async def run_time_skipping(impl: str, n: int) -> tuple[float, float, int]:
    """Seconds to start, skip and collect ``n`` leads; returns (total, start part, emails delivered)."""
    plan = load_plan()
    with smtp_sink() as (box, port), tempfile.TemporaryDirectory() as tmp:
        async with time_skipping() as env:
            tq = task_queue(f"run-{impl}")
            acts = channel_activities(port, Path(tmp))
            make = cadence_worker if impl == "cadence" else baseline_worker
            async with make(env.client, acts, tq):
                leads = make_leads(n)
                t0 = time.perf_counter()
                if impl == "cadence":
                    starts = [start_cadence(env.client, plan, lead, tq) for lead in leads]
                else:
                    starts = [start_baseline(env.client, lead, tq) for lead in leads]
                handles = await gather_bounded(starts, START_CONCURRENCY)
                t_start = time.perf_counter() - t0
                for _ in range(SPAN_DAYS):  # in steps: one long sleep RPC times out when the work lags behind
                    await env.sleep(timedelta(days=1))
                results = await _collect(handles)
                total = time.perf_counter() - t0
    bad = [r for r in results if r["outcome"] != "disqualified"]
    assert not bad, f"{len(bad)} leads of {impl} ended otherwise: {bad[0]}"
    return total, t_start, box.count


async def run_dev(impl: str, n: int, day_seconds: float) -> tuple[float, int]:
    plan = load_plan()
    scale = 86400.0 / day_seconds
    with smtp_sink() as (box, port), tempfile.TemporaryDirectory() as tmp:
        async with dev_server() as env:
            tq = task_queue(f"dev-{impl}")
            acts = channel_activities(port, Path(tmp))
            make = cadence_worker if impl == "cadence" else baseline_worker
            async with make(env.client, acts, tq):
                leads = make_leads(n)
                t0 = time.perf_counter()
                if impl == "cadence":
                    starts = [start_cadence(env.client, plan, lead, tq, time_scale=scale) for lead in leads]
                else:
                    starts = [start_baseline(env.client, lead, tq, day=day_seconds) for lead in leads]
                handles = await gather_bounded(starts, START_CONCURRENCY)
                results = await gather_bounded([h.result() for h in handles], 100)
                total = time.perf_counter() - t0
    bad = [r for r in results if r["outcome"] != "disqualified"]
    assert not bad, f"{len(bad)} leads of {impl} ended otherwise: {bad[0]}"
    return total, box.count


async def main_async(args: argparse.Namespace) -> None:
    ts: dict[str, tuple[float, float, int]] = {}
    for impl in ("baseline", "cadence"):
        ts[impl] = await run_time_skipping(impl, args.leads)
        info(f"time-skipping {impl}: {ts[impl][0]:.1f} s for {args.leads} leads "
             f"(starts {ts[impl][1]:.1f} s, {ts[impl][2]} emails at the sink)")
    c, b = ts["cadence"][0], ts["baseline"][0]
    figure(f"run_{args.leads}_leads_time_skipping", c, "s", c / b, "<= 1.10x")
    figure("run_leads_per_s_time_skipping", args.leads / c, "leads/s", (args.leads / c) / (args.leads / b))
    if args.dev_leads:
        dev: dict[str, tuple[float, int]] = {}
        for impl in ("baseline", "cadence"):
            dev[impl] = await run_dev(impl, args.dev_leads, args.day_seconds)
            info(f"dev server {impl}: {dev[impl][0]:.1f} s for {args.dev_leads} leads "
                 f"(1 day = {args.day_seconds} s, {dev[impl][1]} emails at the sink)")
        c, b = dev["cadence"][0], dev["baseline"][0]
        figure(f"run_{args.dev_leads}_leads_dev_server", c, "s", c / b, "<= 1.10x")
        touches = 7 * args.dev_leads
        figure("touches_per_s_dev_server", touches / c, "touches/s", (touches / c) / (touches / b))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200, help="leads on the time-skipping server (default 200; 500 take about 2.5 minutes)")
    parser.add_argument("--dev-leads", type=int, default=200, help="leads on the dev server (0: skip; default 200)")
    parser.add_argument("--day-seconds", type=float, default=0.2, help="real seconds per cadence day on the dev server")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
