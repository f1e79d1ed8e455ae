"""Figure 12: thousands of leads waiting for one send-window opening (issue #17).

Run: ``python benchmarks/bench_window_opening.py [--leads 5000] [--spread-minutes 5]`` (about half an hour
at 5,000 leads: two runs of enrollment, a few minutes before the opening, and the window). Not part of CI.

At 100,000 leads the leads enrolled within twenty minutes all waited for the same window opening, their
timers fired in the same second, and the dev server spent ten minutes retrying its own writes while the
leads behind made no progress (benchmarks/README.md, "100,000 leads on one box"). Since
``spread-window-opening-v1`` a lead that waits for an opening is touched at its own second of the
window's first hour (at most half the window; ``cadence.schedule.spread_opening``).

The script runs the same thing twice, each on a fresh embedded dev server with a SQLite file and one
in-process worker: ``--leads`` leads (one zone) are enrolled a few minutes before a send window opens
*in real time* (the cadence's business hours are written for the minute the run reaches), each waits for
the opening, then gets one call task (the task file's time says when it was opened). Run 1, "herd":
the interpreter without the spread (``WINDOW_SPREAD`` set to zero in this process, as before the change);
run 2, "spread": as shipped, with a window of twice ``--spread-minutes`` so the spread covers that many
minutes. Figures per run: the largest backlog (leads due but without their task yet), and how late each
lead's task came after the instant it was due (median, 90th percentile, max). The same-run ratio is the
spread's worst lateness over the herd's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    REPO,
    cadence_worker,
    channel_activities,
    dev_server,
    figure,
    gather_bounded,
    info,
    make_leads,
    smtp_sink,
    start_cadence,
    task_queue,
)
from cadence import ir, schedule  # noqa: E402
from cadence.messages import workflow_id_for  # noqa: E402

CADENCE = """\
cadence: window-opening
description: One call task when the send window opens (benchmarks/bench_window_opening.py)
owner: engineering@example.com
schedule: {{timezone: UTC, business_hours: "mon-sun {opens}-{closes}"}}
disqualify_reasons: [no_response]
steps:
  - id: first-call
    call: {{brief: calls/benchmark.md.j2, due: 1 day}}
    wait: 1 day
  - id: give-up
    disqualify: no_response
"""


def _plan(directory: Path, opening: datetime, window: timedelta) -> ir.Plan:
    from cadence.dsl import compile_file

    closing = opening + window
    path = directory / "window-opening.yaml"
    path.write_text(CADENCE.format(opens=f"{opening:%H:%M}", closes=f"{closing:%H:%M}"), encoding="utf-8")
    return compile_file(path, REPO / "templates")


async def one_run(mode: str, leads: int, spread: timedelta, margin: timedelta) -> dict[str, float]:
    """Enroll ``leads`` before a real-time window opening and time their first tasks; returns the figures."""
    schedule.WINDOW_SPREAD = timedelta(hours=1) if mode == "spread" else timedelta(0)
    with tempfile.TemporaryDirectory() as tmp, smtp_sink() as (_mailbox, port):
        work = Path(tmp)
        now = datetime.now(timezone.utc)
        opening = (now + margin).replace(second=0, microsecond=0) + timedelta(minutes=1)
        if opening.date() != (opening + 2 * spread).date():
            raise SystemExit("the window would cross midnight UTC; run again in a few minutes")
        plan = _plan(work, opening, 2 * spread)
        people = make_leads(leads)
        due = {workflow_id_for(lead.id): schedule.spread_opening(plan.schedule, "UTC", opening,
                                                                 workflow_id_for(lead.id)) for lead in people}
        tasks = work / "outbox" / "tasks"
        async with dev_server(str(work / "temporal.db")) as env:
            tq = task_queue("window")
            acts = channel_activities(port, work / "outbox")
            async with cadence_worker(env.client, acts, tq):
                started = time.perf_counter()
                await gather_bounded([start_cadence(env.client, plan, lead, tq) for lead in people], 64)
                info(f"{mode}: {leads} leads enrolled in {time.perf_counter() - started:.0f} s; the window opens at "
                     f"{opening:%H:%M:%S} UTC, in {(opening - datetime.now(timezone.utc)).total_seconds():.0f} s")
                if datetime.now(timezone.utc) >= opening:
                    raise SystemExit("enrollment ran past the opening: raise --margin-minutes")
                backlog, done = 0, 0
                deadline = opening + 2 * spread + timedelta(minutes=30)
                while done < leads and datetime.now(timezone.utc) < deadline:
                    await asyncio.sleep(1)
                    now = datetime.now(timezone.utc)
                    done = sum(1 for _ in tasks.glob("*.json")) if tasks.is_dir() else 0
                    backlog = max(backlog, sum(1 for t in due.values() if t <= now) - done)
                late = []
                for path in tasks.glob("*.json"):
                    opened = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
                    record = json.loads(path.read_text(encoding="utf-8"))
                    late.append(max(0.0, (opened - due[record["workflow_id"]]).total_seconds()))
    if len(late) < leads:
        info(f"{mode}: only {len(late)} of {leads} tasks opened within 30 minutes of the window's end")
    late.sort()
    return {"backlog": float(backlog), "opened": float(len(late)),
            "late_median": statistics.median(late) if late else float("nan"),
            "late_p90": late[int(0.9 * (len(late) - 1))] if late else float("nan"),
            "late_max": late[-1] if late else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--spread-minutes", type=int, default=5, help="the spread run's window is twice this")
    parser.add_argument("--margin-minutes", type=int, default=0,
                        help="real minutes from the start to the opening (default: leads / 1,200 + 2)")
    args = parser.parse_args()
    spread = timedelta(minutes=args.spread_minutes)
    margin = timedelta(minutes=args.margin_minutes or args.leads / 1200 + 2)
    results = {}
    for mode in ("herd", "spread"):
        results[mode] = asyncio.run(one_run(mode, args.leads, spread, margin))
        r = results[mode]
        info(f"{mode}: {r['opened']:.0f} tasks opened; largest backlog {r['backlog']:.0f} leads; late by "
             f"{r['late_median']:.1f} s median, {r['late_p90']:.1f} s p90, {r['late_max']:.1f} s at most")
    for mode, r in results.items():
        figure(f"window_opening_{args.leads}_{mode}_largest_backlog", r["backlog"], "leads")
        figure(f"window_opening_{args.leads}_{mode}_late_p90", r["late_p90"], "s")
        figure(f"window_opening_{args.leads}_{mode}_late_max", r["late_max"], "s",
               ratio=r["late_max"] / results["herd"]["late_max"] if mode == "spread" and results["herd"]["late_max"]
               else None)


if __name__ == "__main__":
    main()
