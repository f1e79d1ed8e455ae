"""Inbound: events per second through the gateway to the leads' state, and SMTP ``DATA`` end -> state latency.

Run: ``python benchmarks/bench_inbound.py [--leads 200] [--events 3000] [--concurrency 32] [--samples 200]``
(``--leads 50 --events 400 --samples 40`` is a smoke run).

The parts are the real ones, each in its own process as deployed: ``temporal server start-dev`` (in memory),
``cadence worker`` (``--worker-processes``, default 2, one per core; email to a local SMTP sink) and
``cadence gateway`` with its SMTP listener and ``POST /events`` on. This process only sends and measures.

* throughput: ``--leads`` leads wait in a 30-day step; ``--events`` replies go to them, half as SMTP
  messages over ``--concurrency``/2 persistent SMTP connections (each ``In-Reply-To`` one of the lead's
  Message-IDs), half as signed ``POST /events`` over as many keep-alive HTTP connections. Figures: events
  acknowledged per second (the gateway answers 250 / 200 once the lead's workflow has the event in its
  history), and events per second until every lead's state (a query) counts all its replies.
* latency: ``--probers`` senders each deliver a reply by SMTP to a lead of their own, one at a time, while
  ``--load`` events/s of background ``POST /events`` go to the other leads; each latency runs from just before
  the ``DATA`` command (so it includes ``DATA``, the message and the final dot) to the moment the server
  streams the lead's ``WorkflowTaskCompleted`` after the signal (a long poll on the history, no query
  polling): the worker has applied the event and a query from then on shows it.

Targets (issue #15): 300 events/s on 2 cores; DATA -> state p99 under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    dev_server,
    figure,
    free_port,
    gather_bounded,
    info,
    make_leads,
    smtp_sink,
    start_cadence,
    stop_process,
    task_queue,
)

TARGET_RATE = 300.0
"""Events per second through the gateway to the leads' state (issue #15)."""
TARGET_P99 = 1.0
"""Seconds from SMTP DATA end to the lead's state (issue #15)."""
SECRET = "bench-events-secret"
IN_FLIGHT = 16
"""Most background ``POST /events`` under way at once during the latency probes."""


def plan() -> Any:
    """One email, then 30 days of waiting: the leads are running and take every reply the benchmark sends."""
    from tests.engine.plans import email, end, make_plan

    return make_plan([email("one", wait=30), end("bye")], name="bench-inbound")


def reply(lead_id: str, n: int) -> bytes:
    from cadence.channels.ids import message_id_for
    from cadence.vocabulary import workflow_id_for

    return (f"From: buyer{n}@buyer.example\r\nTo: reply@seller.example\r\nSubject: Re: About one\r\n"
            f"Message-ID: <bench-{n}-{uuid.uuid4().hex[:8]}@buyer.example>\r\n"
            f"In-Reply-To: {message_id_for(workflow_id_for(lead_id), 'one', 0)}\r\n"
            f"Date: Tue, 02 Feb 2027 16:00:00 +0000\r\n\r\nSounds good, let's talk ({n}).\r\n").encode()


def signed_event(lead_id: str, n: int) -> tuple[bytes, dict[str, str]]:
    from cadence.gateway.webhooks.events import sign

    body = json.dumps({"id": f"bench-{n}-{uuid.uuid4().hex[:8]}", "lead": lead_id, "kind": "reply",
                       "detail": f"replied in the CRM ({n})"}).encode()
    return body, {"Content-Type": "application/json", **sign(SECRET, int(time.time()), body)}


@contextmanager
def cadence_process(args: list[str], env: dict[str, str], state: Path, name: str) -> Iterator[subprocess.Popen[bytes]]:
    """``cadence ARGS`` as its own process (as deployed), stopped with SIGTERM (gracefully) on the way out."""
    env = {**os.environ, "CADENCE_STATE_DIR": str(state), "CADENCE_UNSUBSCRIBE_SECRET": "bench-secret",
           "CADENCE_WORKSPACE_SECRET": "bench-workspace", **env}
    env.pop("CADENCE_CONFIG", None)
    env.pop("CADENCE_METRICS_ADDRESS", None)
    log = (state / f"{name}.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", "from cadence.cli.main import run; run()", *args],
                            env=env, cwd=state, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        stop_process(proc, 30)
        log.close()


@contextmanager
def gateway_process(temporal: str, tq: str, state: Path) -> Iterator[tuple[str, int, subprocess.Popen[bytes]]]:
    """``cadence gateway``; yields its URL, SMTP port and process once it answers ``/healthz``."""
    import httpx

    port, smtp_port = free_port(), free_port()
    env = {"CADENCE_TEMPORAL_ADDRESS": temporal, "CADENCE_TASK_QUEUE": tq, "CADENCE_EVENTS_SECRET": SECRET}
    with cadence_process(["gateway", "--port", str(port), "--smtp-port", str(smtp_port)], env, state,
                         "gateway") as proc:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"cadence gateway did not start: {(state / 'gateway.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield url, smtp_port, proc


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_part() -> dict[str, float]:
    """CPU seconds so far of this process and its descendants, by part (server, worker, gateway, this)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid = int(stat.parent.name)
            parents[pid] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            names[pid] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
    parts: dict[str, float] = {"load generator": cpu_seconds(os.getpid())}
    for pid in names:
        ancestor = parents.get(pid)
        while ancestor and ancestor != os.getpid():
            ancestor = parents.get(ancestor)
        if ancestor != os.getpid():
            continue
        name = names[pid]
        part = ("temporal server" if "start-dev" in name else "worker" if " worker " in name
                else "gateway" if " gateway " in name else "other")
        try:
            parts[part] = parts.get(part, 0.0) + cpu_seconds(pid)
        except (OSError, ValueError, IndexError):
            continue
    return parts


async def smtp_sender(port: int, jobs: asyncio.Queue[tuple[str, int]]) -> int:
    """Send the replies of ``jobs`` over one persistent SMTP connection; returns how many were taken."""
    import aiosmtplib

    taken = 0
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=60) as smtp:
        while True:
            try:
                lead_id, n = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return taken
            _errors, answer = await smtp.sendmail("buyer@buyer.example", ["reply@seller.example"], reply(lead_id, n))
            if not answer.startswith("2.0.0 taken"):
                raise SystemExit(f"SMTP answered {answer!r}")
            taken += 1


async def http_sender(url: str, jobs: asyncio.Queue[tuple[str, int]]) -> int:
    """POST the events of ``jobs`` over one keep-alive connection; returns how many were delivered."""
    import httpx

    taken = 0
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=1)) as http:
        while True:
            try:
                lead_id, n = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return taken
            body, headers = signed_event(lead_id, n)
            answer = await http.post("/events", content=body, headers=headers)
            if answer.status_code != 200 or answer.json()["outcome"] != "delivered":
                raise SystemExit(f"POST /events answered {answer.status_code}: {answer.text[:200]}")
            taken += 1


async def replies_seen(client: Any, lead_ids: list[str], expected: dict[str, int]) -> float:
    """Query every lead until its state counts ``expected`` replies; returns when the last one did."""
    from cadence.messages import QUERY_STATE

    pending = list(lead_ids)
    deadline = time.monotonic() + 300
    while pending:
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(pending)} leads did not show all their replies within 300 s")

        async def done(lead_id: str) -> bool:
            state = await client.get_workflow_handle(f"lead-{lead_id}").query(
                QUERY_STATE, result_type=dict, rpc_timeout=timedelta(seconds=30))
            return int(state["engagement"]["replies"]) >= expected[lead_id]

        results = await gather_bounded([done(lead_id) for lead_id in pending], 16)
        pending = [lead_id for lead_id, ok in zip(pending, results, strict=True) if not ok]
        if pending:
            await asyncio.sleep(0.05)
    return time.perf_counter()


async def throughput(client: Any, url: str, smtp_port: int, lead_ids: list[str], events: int,
                     concurrency: int) -> tuple[float, float]:
    """``events`` replies, half by SMTP, half by ``POST /events``; (acknowledged/s, to-state/s)."""
    smtp_jobs: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    http_jobs: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    expected = dict.fromkeys(lead_ids, 0)
    for n in range(events):
        lead_id = lead_ids[n % len(lead_ids)]
        expected[lead_id] += 1
        (smtp_jobs if n % 2 == 0 else http_jobs).put_nowait((lead_id, n))
    half = max(1, concurrency // 2)
    t0 = time.perf_counter()
    counts = await asyncio.gather(*(smtp_sender(smtp_port, smtp_jobs) for _ in range(half)),
                                  *(http_sender(url, http_jobs) for _ in range(half)))
    acknowledged = time.perf_counter()
    assert sum(counts) == events, (sum(counts), events)
    seen = await replies_seen(client, lead_ids, expected)
    return events / (acknowledged - t0), events / (seen - t0)


async def probe(client: Any, smtp_port: int, lead_id: str, n: int, smtp: Any) -> tuple[float, float]:
    """One reply by SMTP; (DATA end -> 250, DATA end -> the lead's workflow task applied it), in seconds."""
    from temporalio.api.enums.v1 import EventType

    handle = client.get_workflow_handle(f"lead-{lead_id}")
    last = (await handle.fetch_history()).events[-1].event_id
    signalled = asyncio.Event()
    applied: list[float] = []

    async def watch() -> None:
        after_signal = False
        async for event in handle.fetch_history_events(wait_new_event=True):
            if event.event_id <= last:
                continue
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
                after_signal = True
                signalled.set()
            elif after_signal and event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                applied.append(time.perf_counter())
                return

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0)
    await smtp.mail("buyer@buyer.example")
    await smtp.rcpt("reply@seller.example")
    t0 = time.perf_counter()
    answer = await smtp.data(reply(lead_id, n))
    acked = time.perf_counter()
    if answer.code != 250:
        raise SystemExit(f"SMTP answered {answer}")
    await asyncio.wait_for(watcher, 30)
    return acked - t0, applied[0] - t0


async def latency(client: Any, url: str, smtp_port: int, probe_leads: list[str], load_leads: list[str],
                  samples: int, load: float) -> tuple[list[float], list[float], float]:
    """``samples`` probes by ``len(probe_leads)`` probers under ``load`` events/s of background POST /events."""
    import aiosmtplib
    import httpx

    stop = asyncio.Event()
    sent_in_background = 0

    async def background() -> None:
        # Open loop at ``load`` events/s, at most IN_FLIGHT at a time: when the system cannot keep up the
        # achieved rate says so, rather than a backlog growing in this process.
        nonlocal sent_in_background
        if load <= 0:
            return
        async with httpx.AsyncClient(base_url=url, timeout=60,
                                     limits=httpx.Limits(max_connections=IN_FLIGHT)) as http:
            tasks: set[asyncio.Task[Any]] = set()
            next_at = time.perf_counter()
            while not stop.is_set():
                now = time.perf_counter()
                if now >= next_at and len(tasks) < IN_FLIGHT:
                    body, headers = signed_event(load_leads[sent_in_background % len(load_leads)],
                                                 10_000_000 + sent_in_background)
                    task = asyncio.create_task(http.post("/events", content=body, headers=headers))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    sent_in_background += 1
                    next_at = max(next_at + 1 / load, now - 1.0)
                else:
                    await asyncio.sleep(min(0.005, max(0.0, next_at - now)) or 0.001)
            await asyncio.gather(*tasks)

    acks: list[float] = []
    states: list[float] = []
    counter = iter(range(20_000_000, 30_000_000))

    async def prober(lead_id: str, count: int) -> None:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp_port, timeout=60) as smtp:
            await smtp.ehlo()
            for _ in range(count):
                ack, state = await probe(client, smtp_port, lead_id, next(counter), smtp)
                acks.append(ack)
                states.append(state)

    loader = asyncio.create_task(background())
    t0 = time.perf_counter()
    per = -(-samples // len(probe_leads))
    await asyncio.gather(*(prober(lead_id, per) for lead_id in probe_leads))
    seconds = time.perf_counter() - t0
    stop.set()
    await loader
    return acks, states, sent_in_background / seconds if seconds else 0.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


async def main_async(args: argparse.Namespace) -> None:
    import signal

    main = asyncio.current_task()
    assert main is not None
    # SIGTERM unwinds like Ctrl-C: the gateway, the worker and the server are stopped, not orphaned.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    with tempfile.TemporaryDirectory() as tmp, smtp_sink() as (mailbox, sink_port):
        async with dev_server() as env:
            client = env.client
            tq = task_queue("inbound")
            temporal = client.service_client.config.target_host
            state = Path(tmp)
            leads = make_leads(args.leads + args.probers)
            worker_env = {"CADENCE_SMTP_HOST": "127.0.0.1", "CADENCE_SMTP_PORT": str(sink_port),
                          "CADENCE_SENDER": "Bench <bench@seller.example>"}
            with cadence_process(["worker", "--address", temporal, "--task-queue", tq, "--processes",
                                  str(args.worker_processes)], worker_env, state, "worker") as worker, \
                    gateway_process(temporal, tq, state) as (url, smtp_port, gateway):
                compiled = plan()
                await gather_bounded([start_cadence(client, compiled, lead, tq) for lead in leads], 64)
                deadline = time.monotonic() + 120
                while mailbox.count < len(leads):  # every lead's first email sent: the worker runs
                    if worker.poll() is not None or time.monotonic() > deadline:
                        log = (state / "worker.log").read_text()[-2000:]
                        raise SystemExit(f"the worker did not run the leads: {log}")
                    await asyncio.sleep(0.1)
                lead_ids = [lead.id for lead in leads[:args.leads]]
                probe_ids = [lead.id for lead in leads[args.leads:]]
                # Warm up: connections, caches, the worker's first activation of each lead after its email.
                await throughput(client, url, smtp_port, lead_ids, min(len(lead_ids), args.events), 8)
                cpu0 = cpu_by_part()
                acked, to_state = await throughput(client, url, smtp_port, lead_ids, args.events, args.concurrency)
                cpu = {part: seconds - cpu0.get(part, 0.0) for part, seconds in cpu_by_part().items()}
                acks, states, load_rate = await latency(client, url, smtp_port, probe_ids, lead_ids,
                                                        args.samples, args.load)
    info(f"{args.events} events to {args.leads} leads, half SMTP half POST /events, concurrency {args.concurrency}, "
         f"`cadence worker --processes {args.worker_processes}`; CPU per event: "
         + ", ".join(f"{part} {1000 * seconds / args.events:.2f} ms" for part, seconds in sorted(cpu.items())
                     if part != "other"))
    figure("inbound_events_acknowledged", acked, "events/s")
    figure("inbound_events_to_state", to_state, "events/s", target=f">= {TARGET_RATE:.0f} events/s")
    figure("inbound_events_to_state_vs_target", to_state / TARGET_RATE, "x", target=">= 1.00")
    info(f"latency: {len(states)} SMTP replies by {args.probers} probers under {load_rate:.0f} events/s of "
         "background POST /events")
    figure("smtp_data_to_250_p50", percentile(acks, 50) * 1000, "ms")
    figure("smtp_data_to_250_p99", percentile(acks, 99) * 1000, "ms")
    figure("smtp_data_to_state_p50", percentile(states, 50) * 1000, "ms")
    figure("smtp_data_to_state_p99", percentile(states, 99) * 1000, "ms", target=f"< {TARGET_P99 * 1000:.0f} ms")
    figure("smtp_data_to_state_p99_vs_target", percentile(states, 99) / TARGET_P99, "x", target="< 1.00")
    info(f"DATA -> state mean {statistics.mean(states) * 1000:.0f} ms, max {max(states) * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200, help="leads the throughput events go to")
    parser.add_argument("--events", type=int, default=3000, help="events in the throughput run")
    parser.add_argument("--concurrency", type=int, default=32, help="senders (half SMTP connections, half HTTP)")
    parser.add_argument("--samples", type=int, default=200, help="latency probes")
    parser.add_argument("--probers", type=int, default=4, help="concurrent latency probers (one lead each)")
    parser.add_argument("--worker-processes", type=int, default=2,
                        help="`cadence worker --processes N` (its default is one per core)")
    parser.add_argument("--load", type=float, default=150.0,
                        help="background POST /events per second during the latency probes (0: none)")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
