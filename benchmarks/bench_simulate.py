"""Figure 10: `cadence simulate` speed: synthetic leads through enterprise-nurture (and its monthly track) for a year.

Run: ``python benchmarks/bench_simulate.py [--leads 10000] [--days 365] [--repeat 3] [--processes N]`` (about
half a minute).

The simulator runs each lead on the same engine the workers run, with simulated buyers and reps
(issue #13). Target: 10,000 leads for 12 months in under 5 s on 2 cores. The figure is the median
of ``--repeat`` runs in this process (the plan compiled once, outside the timing), with
``--processes`` processes (default: ``cadence simulate``'s, one per core); the line
``simulate_vs_target`` is the median over the target (below 1.00 meets it). The machine's load
average is printed beside the runs: on a shared machine it moves the figure more than the code does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO, figure, info  # noqa: E402
from cadence.dsl.compiler import compile_file  # noqa: E402
from cadence.simulate.leads import synthetic_leads  # noqa: E402
from cadence.simulate.runner import default_processes, process_groups, simulate  # noqa: E402

TARGET_SECONDS = 5.0
START = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("America/New_York"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--processes", type=int, default=None,
                        help="default: cadence simulate's (one per core, or a few more when the reps divide unevenly)")
    args = parser.parse_args()
    plan = compile_file(REPO / "cadences" / "enterprise-nurture.yaml")
    leads = synthetic_leads(args.leads)
    processes = max(1, len(process_groups(plan, leads, args.processes)))
    cores = default_processes(len(leads))
    shown = (f"{processes} process{'es' if processes != 1 else ''} "
             + ("(--processes)" if args.processes else f"on {cores} core{'s' if cores != 1 else ''}"))
    times, loads = [], []
    for _ in range(args.repeat):
        loads.append(os.getloadavg()[0])
        started = time.perf_counter()
        result = simulate(plan, leads, start=START, days=args.days, processes=args.processes)
        times.append(time.perf_counter() - started)
    info(f"{args.leads} leads, {args.days} days, {shown}, runs: "
         f"{', '.join(f'{t:.2f} s' for t in times)} (best {min(times):.2f} s; load average before each: "
         f"{', '.join(f'{load:.1f}' for load in loads)}); {type(result).__name__} built")
    median = statistics.median(times)
    scale = 10_000 / args.leads
    figure(f"simulate_{args.leads}_leads_{args.days}_days", median, "s", target=f"< {TARGET_SECONDS * args.leads / 10_000:g} s")
    figure("simulate_leads_per_second", args.leads / median, "leads/s")
    figure("simulate_vs_target", median * scale / TARGET_SECONDS, "x")


if __name__ == "__main__":
    main()
