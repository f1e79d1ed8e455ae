"""Figure 9: touches per second at saturation with 1 and with 2 worker processes against the same kind of server.

Run: ``python benchmarks/bench_processes.py [--leads 1500] [--time-scale 400000] [--window 20]``
(about 2 minutes on 2 cores).

For each process count, on a fresh in-memory dev server: ``cadence worker --processes N`` (the real
supervisor and its children, as an operator runs it) works the seven-touch cadence for ``--leads``
leads enrolled at once with a clock sped up by ``--time-scale`` (more touches fall due than a worker
can send), and the emails the SMTP sink accepts in ``--window`` seconds after the first one are
counted: touches per second at saturation. Workflow tasks are CPU-bound Python under the GIL, so a
second process should add what the second core has left after the server (which shares the box).
The ratio printed is 2 processes / 1 process (the issue's question), not against the hand-written
baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    dev_server,
    figure,
    gather_bounded,
    info,
    load_plan,
    make_leads,
    smtp_sink,
    start_cadence,
    stop_process,
    task_queue,
)


async def touches_per_second(processes: int, leads: int, time_scale: float, window: float) -> float:
    """Emails per second the sink accepts at saturation with ``processes`` worker processes."""
    plan = load_plan()
    with smtp_sink() as (box, port), tempfile.TemporaryDirectory() as tmp:
        async with dev_server() as env:
            tq = task_queue(f"procs-{processes}")
            address = env.client.service_client.config.target_host
            environ = {**os.environ, "CADENCE_TEMPORAL_ADDRESS": address, "CADENCE_TASK_QUEUE": tq,
                       "CADENCE_SMTP_HOST": "127.0.0.1", "CADENCE_SMTP_PORT": str(port),
                       "CADENCE_STATE_DIR": str(Path(tmp) / "state"), "CADENCE_SENDER": "Bench <bench@seller.example>",
                       "CADENCE_UNSUBSCRIBE_SECRET": "bench-secret"}
            worker = subprocess.Popen([sys.executable, "-c", "from cadence.cli.main import run; run()", "worker",
                                       "--processes", str(processes)], env=environ, cwd=tmp,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                starts = [start_cadence(env.client, plan, lead, tq, time_scale=time_scale)
                          for lead in make_leads(leads)]
                await gather_bounded(starts, 64)
                deadline = time.monotonic() + 120
                while box.count == 0 and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                first, t0 = box.count, time.perf_counter()
                await asyncio.sleep(window)
                sent, seconds = box.count - first, time.perf_counter() - t0
            finally:
                stop_process(worker, 30)
    info(f"{processes} worker process(es): {sent} emails in {seconds:.1f} s ({leads} leads, time scale {time_scale:g})")
    return sent / seconds


async def main_async(args: argparse.Namespace) -> None:
    one = await touches_per_second(1, args.leads, args.time_scale, args.window)
    two = await touches_per_second(2, args.leads, args.time_scale, args.window)
    figure("touches_per_second_1_process", one, "touches/s")
    figure("touches_per_second_2_processes", two, "touches/s")
    figure("two_processes_over_one", two / one if one else 0.0, "x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_500, help="leads enrolled at once")
    parser.add_argument("--time-scale", type=float, default=400_000.0, help="cadence clock speed-up (saturation)")
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured after the first email")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
