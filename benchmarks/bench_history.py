"""Figure 1: history events, billable actions and history bytes per lead, cadence / hand-written.

Run: ``python benchmarks/bench_history.py`` (time-skipping server, about 10 s).

Two paths through the seven-touch cadence, for each implementation:
``silent`` (no answer: seven touches, then disqualified) and ``reply`` (a reply
signal after the third touch: handoff). Target: events and actions <= 1.00x.
The counting rule of billable actions is printed (see ``common.COUNTING_RULE``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    COUNTING_RULE,
    HistoryCount,
    baseline_worker,
    cadence_worker,
    channel_activities,
    count_history,
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

REPLY_AFTER = timedelta(days=7, hours=12)
"""Between touch 3 (day 4) and touch 4 (day 7 + ...): inside the wait after email-1."""


async def measure(verbose: bool) -> dict[str, dict[str, HistoryCount]]:
    plan = load_plan()
    out: dict[str, dict[str, HistoryCount]] = {"cadence": {}, "baseline": {}}
    with smtp_sink() as (_box, port), tempfile.TemporaryDirectory() as tmp:
        async with time_skipping() as env:
            tq_c, tq_b = task_queue("hist-c"), task_queue("hist-b")
            acts = channel_activities(port, Path(tmp))
            async with cadence_worker(env.client, acts, tq_c), baseline_worker(env.client, acts, tq_b):
                for path in ("silent", "reply"):
                    lead_c, lead_b = make_leads(2)
                    hc = await start_cadence(env.client, plan, lead_c, tq_c)
                    hb = await start_baseline(env.client, lead_b, tq_b)
                    if path == "reply":
                        await env.sleep(REPLY_AFTER)
                        for h in (hc, hb):
                            await h.signal("event", {"kind": "reply", "data": {"detail": "let's talk"}, "source": "bench"})
                    else:
                        await env.sleep(timedelta(days=40))
                    rc, rb = await hc.result(), await hb.result()
                    expected = "handoff" if path == "reply" else "disqualified"
                    assert rc["outcome"] == rb["outcome"] == expected, (rc["outcome"], rb["outcome"])
                    out["cadence"][path] = await count_history(hc)
                    out["baseline"][path] = await count_history(hb)
    return out


def report(counts: dict[str, dict[str, HistoryCount]], verbose: bool) -> None:
    info(COUNTING_RULE)
    for path in ("silent", "reply"):
        c, b = counts["cadence"][path], counts["baseline"][path]
        figure(f"history_events_per_lead_{path}", c.events, "events", c.events / b.events, "<= 1.00x")
        figure(f"billable_actions_per_lead_{path}", c.actions, "actions", c.actions / b.actions, "<= 1.00x")
        figure(f"history_bytes_per_lead_{path}", c.bytes, "bytes", c.bytes / b.bytes)
        info(f"{path}: baseline {b.events} events, {b.actions} actions ({dict(b.by_kind)}), {b.bytes} bytes")
        info(f"{path}: cadence  {c.events} events, {c.actions} actions ({dict(c.by_kind)}), {c.bytes} bytes")
        if verbose:
            diff = {k: c.event_types[k] - b.event_types.get(k, 0) for k in c.event_types | b.event_types
                    if c.event_types[k] != b.event_types.get(k, 0)}
            info(f"{path}: event types cadence - baseline: {diff}")
            bdiff = {k: c.bytes_by_type[k] - b.bytes_by_type.get(k, 0) for k in c.bytes_by_type | b.bytes_by_type}
            info(f"{path}: bytes cadence - baseline by event type: "
                 f"{dict(sorted(bdiff.items(), key=lambda kv: -abs(kv[1]))[:5])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="also print the event-type differences")
    args = parser.parse_args(argv)
    counts = asyncio.run(measure(args.verbose))
    report(counts, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
