"""Figure 6: replay time of a long history (a lead on the one-year monthly track).

Run: ``python benchmarks/bench_replay.py [--repeat 5]`` (about 20 s).

A lead runs ``cadences/stale-monthly.yaml`` (12 monthly emails, quarterly letters,
a year) to its end on the time-skipping server; its history is then replayed with
``temporalio.worker.Replayer`` (cadence's workflows and sandbox runner), the median
of ``--repeat`` runs is printed. There is no hand-written year-long workflow, so the
ratio compares replay cost *per history event* against the hand-written seven-touch
workflow's history, replayed the same way (what an engineer's own workflow costs).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from temporalio.client import WorkflowHistory  # noqa: E402
from temporalio.worker import Replayer  # noqa: E402
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions  # noqa: E402

from benchmarks.common import (  # noqa: E402
    REPO,
    baseline_worker,
    cadence_worker,
    channel_activities,
    figure,
    info,
    load_plan,
    make_leads,
    smtp_sink,
    start_baseline,
    start_cadence,
    task_queue,
    time_skipping,
)


async def histories() -> tuple[WorkflowHistory, WorkflowHistory]:
    long_plan = load_plan(REPO / "cadences" / "stale-monthly.yaml")
    with smtp_sink() as (_box, port), tempfile.TemporaryDirectory() as tmp:
        async with time_skipping() as env:
            acts = channel_activities(port, Path(tmp))
            tq_c, tq_b = task_queue("replay-c"), task_queue("replay-b")
            async with cadence_worker(env.client, acts, tq_c), baseline_worker(env.client, acts, tq_b):
                lead_c, lead_b = make_leads(2)
                hc = await start_cadence(env.client, long_plan, lead_c, tq_c)
                hb = await start_baseline(env.client, lead_b, tq_b)
                for _ in range(14):
                    await env.sleep(timedelta(days=30))
                rc = await hc.result()
                await hb.result()
                assert rc["outcome"] == "disqualified", rc["outcome"]
                return await hc.fetch_history(), await hb.fetch_history()


async def replay_seconds(replayer: Replayer, history: WorkflowHistory, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
        times.append(time.perf_counter() - t0)
        assert result.replay_failure is None
    return statistics.median(times)


async def main_async(args: argparse.Namespace) -> None:
    from benchmarks.handwritten import HandWrittenNurture
    from cadence.worker import sandbox_runner, workflows

    long_history, short_history = await histories()
    cadence_replayer = Replayer(workflows=workflows(), workflow_runner=sandbox_runner())
    baseline_replayer = Replayer(workflows=[HandWrittenNurture], workflow_runner=SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("benchmarks.templates_text")))
    await replay_seconds(cadence_replayer, long_history, 1)  # warm the sandbox's module cache
    await replay_seconds(baseline_replayer, short_history, 1)
    c = await replay_seconds(cadence_replayer, long_history, args.repeat)
    b = await replay_seconds(baseline_replayer, short_history, args.repeat)
    nc, nb = len(long_history.events), len(short_history.events)
    info(f"cadence stale-monthly: {nc} events ({len(long_history.to_json()) // 1024} KiB JSON), replay {c * 1000:.0f} ms; "
         f"hand-written seven-touch: {nb} events, replay {b * 1000:.0f} ms (medians of {args.repeat})")
    figure("replay_one_year_monthly_history", c * 1000, "ms")
    figure("replay_history_events", nc, "events")
    figure("replay_per_event", c / nc * 1e6, "us/event", (c / nc) / (b / nb))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
