"""On the real dev server: enroll leads, let them end, report from visibility alone."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowExecution

from cadence import client as api
from cadence import visibility
from cadence.channels.activities import ChannelActivities
from cadence.channels.settings import ChannelSettings
from cadence.dsl.compiler import compile_file
from cadence.lead import parse_lead
from cadence.report.collect import collect, report_query
from cadence.report.figures import compute
from cadence.report.records import LeadRecord
from cadence.report.render import report_to_dict
from cadence.server import EmbeddedServer
from cadence.worker import build_worker
from tests.conftest import SmtpServer, free_port
from tests.report.sdk_records import record_of

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
CADENCE = ROOT / "tests" / "e2e" / "cadences" / "e2e-quick.yaml"
CLI = [sys.executable, "-c", "from cadence.cli.main import run; run()"]
LEADS = [  # id, company, source, deal size; ACME is culled by pre-qualification
    ("R-1", "Analytical Engines", "marketing", 100_000),
    ("R-2", "Cobol Works", "sales", 50_000),
    ("R-3", "ACME", "marketing", 10_000),
    ("R-4", "ACME", "sales", None),
    ("R-5", "Difference Inc", "marketing", 70_000),
]


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedServer, int, Path]]:
    tmp = tmp_path_factory.mktemp("report")
    server = EmbeddedServer(state_dir=tmp / "state", database=":memory:", port=free_port(), ui_port=None)
    server.start()
    try:
        with SmtpServer() as smtp:
            yield server, smtp.port, tmp
    finally:
        server.stop()


async def _until(check: Any, what: str, timeout: float = 20.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


def _cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    proc = subprocess.run([*CLI, "report", *args], check=False, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _cli_on_a_terminal(env: dict[str, str], cwd: Path, *args: str) -> str:
    """What ``cadence report`` writes to stderr when stderr is a terminal (a pseudo-terminal here)."""
    reader, writer = pty.openpty()
    try:
        proc = subprocess.run([*CLI, "report", *args], check=False, env={**env, "COLUMNS": "100"}, cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=writer, timeout=60)
        os.close(writer)
        writer = -1
        chunks = []
        while True:
            try:
                chunk = os.read(reader, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
        if writer >= 0:
            os.close(writer)
    assert proc.returncode == 0
    return b"".join(chunks).decode(errors="replace")


async def test_report_from_the_dev_server(dev_server: tuple[EmbeddedServer, int, Path]) -> None:
    server, smtp_port, tmp = dev_server
    client = await Client.connect(server.address)
    await api.register_search_attributes(client)
    plan = compile_file(CADENCE)
    settings = ChannelSettings(smtp_port=smtp_port, outbox_dir=tmp / "outbox",
                               sender="Nurture <nurture@seller.example>")
    task_queue = f"report-{uuid.uuid4().hex[:8]}"
    since = datetime.now(UTC) - timedelta(hours=1)
    async with build_worker(client, ChannelActivities(settings).all(), task_queue=task_queue):
        handles = {}
        for lead_id, company, source, deal in LEADS:
            fields = {"id": lead_id, "first_name": "Pat", "email": f"{lead_id.lower()}@buyer.example",
                      "company": company, "owner": "dana@seller.example", "source": source}
            if deal is not None:
                fields["deal_size"] = deal
            result = await api.enroll(client, plan, parse_lead(fields), task_queue=task_queue, time_scale=60)
            assert result.status == "enrolled"
            handles[lead_id] = result.handle
        for lead_id in ("R-1", "R-2", "R-5"):
            await _until(lambda i=lead_id: _in_nurture(client, i), f"{lead_id} in nurture")
        # running leads (next action, open task, no close time) read the same by page as one by one
        await _until(lambda: _pages_read_as_the_sdk(client, since), "the same listing by page and by lead")
        await api.force_handoff(client, "R-1", to="dana@seller.example", by="test")
        await api.force_handoff(client, "R-2", to="lee@seller.example", by="test")
        await api.disqualify(client, "R-5", "no_response", by="test")
        results = {i: await asyncio.wait_for(h.result(), 30) for i, h in handles.items()}
    assert {i: (r["outcome"], r["reason"] if r["outcome"] == "disqualified" else "") for i, r in results.items()} == {
        "R-1": ("handoff", ""), "R-2": ("handoff", ""), "R-3": ("disqualified", "bad_data"),
        "R-4": ("disqualified", "bad_data"), "R-5": ("disqualified", "no_response")}

    # visibility is eventually consistent: wait until every lead's memo shows its outcome
    async def ended() -> list[Any]:
        records = await collect(client, since=since, cadence="e2e-quick")
        return records if len(records) == 5 and all(r.outcome for r in records) else []

    records = await _until(ended, "the outcomes in visibility")
    assert await _until(lambda: _pages_read_as_the_sdk(client, since), "the same listing by page and by lead")
    until = datetime.now(UTC) + timedelta(days=1)  # stage times run at 60x, ahead of the wall clock
    report = compute(records, since, until)
    a, m, s = report.groups["all"], report.groups["marketing"], report.groups["sales"]
    assert (a.enrolled, a.entered_nurture, a.in_development, a.handed_off) == (5, 3, 0, 2)
    assert (m.enrolled, m.handed_off, s.enrolled, s.handed_off) == (3, 1, 2, 1)
    assert a.disqualified_by_reason == {"bad_data": 2, "no_response": 1}
    assert a.discontinued_immediately == {"bad_data": 2}
    assert (a.revenue.potential, m.revenue.potential, s.revenue.potential) == (150_000, 100_000, 50_000)
    assert [lv.reached for lv in a.funnel] == [5, 3, 2, 2]
    assert a.flow["prequalify"] == {"nurture": 3, "disqualified": 2}
    assert a.flow["sales_ready"] == {"handed_off": 2}
    assert a.velocity.n == 2 and a.touches_to_qualify.n == 2 and a.time_in_stage["nurture"].n == 3
    assert a.cost.ended == 5 and a.cost.nurtured == 3 and a.lost == {}
    assert not report.acceptance_tracked and report.incomplete == 0
    assert {r.lead_id: r.deal_size for r in records if r.source == "sales"} == {"R-2": 50_000.0, "R-4": None}
    assert {r.lead_id for r in await collect(client, since=since, source="sales")} == {"R-2", "R-4"}
    assert await collect(client, since=until) == []  # ended before the period
    assert "CadenceSource = 'sales'" in report_query(source="sales")

    # the command line reads the same
    env = {**os.environ, "CADENCE_TEMPORAL_ADDRESS": server.address, "CADENCE_STATE_DIR": str(tmp / "state")}
    period = ["--since", since.isoformat(), "--until", until.isoformat(), "--cadence", "e2e-quick"]
    data = json.loads(await asyncio.to_thread(_cli, env, tmp, *period, "--source", "sales", "--json"))
    assert data["filters"] == {"cadence": "e2e-quick", "source": "sales"}
    assert data["groups"]["sales"]["handed_off"] == 1 and data["groups"]["marketing"]["leads"] == 0
    assert data["acceptance"] == "not tracked yet"
    page = tmp / "report.html"
    out = await asyncio.to_thread(_cli, env, tmp, *period, "--cost", "email=1", "--html", str(page))
    assert out.startswith("3 new prospects entered nurture; 0 are under development; 2 fully nurtured "
                          "opportunities went to sales") and "worth $150k in potential revenue" in out
    assert page.read_text(encoding="utf-8").count("<svg") == 3
    # On a terminal, a report over many leads shows how far it read (here 5 of the 5 leads of the period).
    shown = await asyncio.to_thread(_cli_on_a_terminal, env, tmp, *period, "--html", str(page))
    assert "reading leads" in shown and "5/5" in shown, shown


async def _per_lead(client: Client, query: str) -> list[LeadRecord]:
    """The reference the page readers are held to: the SDK's ``list_workflows``, one lead's memo at a time."""
    latest: dict[str, tuple[datetime, LeadRecord]] = {}
    async for wf in client.list_workflows(query):
        record = await record_of(wf)
        if wf.id not in latest or wf.start_time >= latest[wf.id][0]:
            latest[wf.id] = (wf.start_time, record)
    return [record for _, record in latest.values()]


def _sdk_row(wf: WorkflowExecution) -> api.LeadRow:
    """What ``cadence list`` showed of a lead through the SDK's typed search attributes."""
    sa, keys = wf.typed_search_attributes, visibility.keys()
    get = lambda name: sa.get(keys[name])
    return api.LeadRow(
        lead_id=wf.id.removeprefix("lead-"), cadence=get(visibility.NAME) or "", version=get(visibility.VERSION) or "",
        stage=get(visibility.STAGE) or "", outcome=get(visibility.OUTCOME) or "", reason=get(visibility.REASON) or "",
        touches=get(visibility.TOUCHES) or 0, score=get(visibility.SCORE) or 0, owner=get(visibility.OWNER) or "",
        source=get(visibility.SOURCE) or "", open_task=get(visibility.OPEN_TASK) or "",
        next_action_at=get(visibility.NEXT_ACTION_AT), status=wf.status.name.lower() if wf.status else "",
        started_at=wf.start_time)


async def _pages_read_as_the_sdk(client: Client, since: datetime) -> bool:
    """Records, report and list rows read by page (two leads a page) equal those read one lead at a time."""
    key = lambda r: r.lead_id
    read: list[int] = []
    paged = sorted(await collect(client, since=since, cadence="e2e-quick", page_size=2, on_page=read.append), key=key)
    reference = sorted(await _per_lead(client, report_query(since=since, cadence="e2e-quick")), key=key)
    until = datetime.now(UTC) + timedelta(days=1)
    query = api.list_query(cadence="e2e-quick")
    rows = [row async for row in api.list_leads(client, query)]
    return (len(paged) == 5 and paged == reference and read == [2, 4, 5]
            and report_to_dict(compute(paged, since, until)) == report_to_dict(compute(reference, since, until))
            and rows == [_sdk_row(wf) async for wf in client.list_workflows(query)]
            and [r.lead_id async for r in api.list_leads(client, query, limit=3)] == [r.lead_id for r in rows[:3]])


async def _in_nurture(client: Client, lead_id: str) -> bool:
    return (await api.state(client, lead_id))["stage"] == "nurture"
