"""Figure 3: enrollment throughput from CSV on the dev server, cadence leads/s over bare starts/s.

Run: ``python benchmarks/bench_enroll.py [--leads 10000] [--concurrency 64]``.

* cadence: ``cadence.sources.read_leads(csv)`` (validation of every row) then
  ``cadence.client.enroll_many(..., concurrency=C)`` (the Plan converted once);
* bare: the same CSV read with ``csv.DictReader`` and a loop of ``client.start_workflow``
  with the same concurrency C, the same id scheme, start search attributes and memo
  (what a hand-written enrollment script sends).

Each side gets a fresh in-memory dev server and no worker (the starts are what is
measured). Target: cadence / bare >= 0.90.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import dev_server, figure, info, load_plan, write_leads_csv  # noqa: E402


async def enroll_cadence(path: Path, concurrency: int) -> tuple[float, int]:
    from cadence.client import enroll_many
    from cadence.sources import read_leads

    plan = load_plan()
    async with dev_server() as env:
        t0 = time.perf_counter()
        results = await enroll_many(env.client, plan, read_leads(path), task_queue="bench-enroll",
                                    concurrency=concurrency)
        seconds = time.perf_counter() - t0
    enrolled = sum(r.status == "enrolled" for r in results)
    assert enrolled == len(results), [r for r in results if r.status != "enrolled"][:3]
    return seconds, enrolled


async def enroll_bare(path: Path, concurrency: int) -> tuple[float, int]:
    from benchmarks.handwritten import start_args

    async with dev_server() as env:
        client = env.client
        t0 = time.perf_counter()
        with path.open(newline="") as fh:
            rows = iter(csv.DictReader(fh))
            count = 0

            async def worker() -> None:
                nonlocal count
                for row in rows:  # a shared iterator: each row is taken by one worker
                    lead = {k: v for k, v in row.items() if v}
                    await client.start_workflow(**start_args(lead, "bench-enroll"))
                    count += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - t0
    return seconds, count


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_leads_csv(Path(tmp) / "leads.csv", args.leads, uuid.uuid4().hex[:6])
        rates: dict[str, list[float]] = {"bare": [], "cadence": []}
        for _ in range(args.repeat):
            for name, fn in (("bare", enroll_bare), ("cadence", enroll_cadence)):
                seconds, count = await fn(path, args.concurrency)
                assert count == args.leads, (name, count)
                rates[name].append(count / seconds)
                info(f"{name}: {count} leads in {seconds:.1f} s = {count / seconds:.0f}/s (concurrency {args.concurrency})")
    c, b = max(rates["cadence"]), max(rates["bare"])
    figure(f"enroll_{args.leads}_leads_from_csv", c, "leads/s", c / b, ">= 0.90x")
    figure("bare_start_workflow", b, "starts/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64, help="concurrent starts (enroll_many's default: 64)")
    parser.add_argument("--repeat", type=int, default=1, help="alternate runs; the best rate of each side is kept")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
