"""With the codec on, the Temporal server stores no lead data in clear.

A lead runs through a call (outcome with notes and learned facts), an
operator's lead update, a reply event, an email and a handoff with its
dossier. Then everything the server keeps for it - the whole history, the
describe record (memo, user metadata, search attributes) and query answers -
is fetched raw, by a client without the codec, and searched for the lead's
personal data. The same run without the codec is the control: it must find it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from google.protobuf.message import Message
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.query.v1 import WorkflowQuery
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    GetWorkflowExecutionHistoryRequest,
    QueryWorkflowRequest,
)
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from cadence import client as api
from cadence import ir
from cadence.channels.activities import ChannelActivities
from cadence.channels.settings import ChannelSettings
from cadence.codec import data_converter_from_env
from cadence.lead import parse_lead
from cadence.messages import QUERY_STATE
from cadence.worker import build_worker
from tests.conftest import binary
from tests.engine.plans import ALWAYS, REASONS, call, email

from .conftest import KEY_1, KEY_2, b64

PII = {
    "first_name": "Zelda", "last_name": "Quixotemarsh", "email": "zelda.q@privatebuyer.example",
    "phone": "+1 415 555 0199", "company": "Privatebuyer Holdings", "address_line1": "742 Evergreen Terrace",
    "city": "Springfieldia", "title": "Chief Secretkeeper",
}
NOTES = "Said the budget is hidden in the Q3 plan"
LEARNED = "ninety-thousand approved by Quixotemarsh"
REPLY = "Zelda replied: call me on my cell"
NEW_PHONE = "+1 415 555 0123"
NEEDLES = [*PII.values(), NOTES, LEARNED, REPLY, NEW_PHONE, "555 0199", "privatebuyer", "Quixotemarsh", "Zelda"]

BODY = ("<p>Hi {{ lead.first_name }} {{ lead.last_name }} of {{ lead.company }}, {{ lead.title }}.</p>"
        "<p>We will call {{ lead.phone }} or write to {{ lead.address_line1 }}, {{ lead.city }}.</p>")
BRIEF = "Call {{ lead.first_name }} {{ lead.last_name }} at {{ lead.phone }} ({{ lead.email }}, {{ lead.company }})"


def plan() -> ir.Plan:
    steps = (
        call("discovery", due=3),
        email("case-study", wait=2),
        ir.GateStep("assess", (
            ir.GateRule("qualified_count >= 1 and engaged", ir.HandoffAction("{{ lead.owner }}@seller.example")),
            ir.GateRule(None, ir.DisqualifyAction("not_a_fit")),
        )),
    )
    step = steps[1]
    steps = (steps[0], ir.EmailStep(id=step.id, template=step.template, subject="{{ lead.first_name }}, about {{ lead.company }}",
                                    wait=step.wait), steps[2])
    return ir.seal(ir.Plan(
        name="secret-test", steps=steps, schedule=ALWAYS, disqualify_reasons=REASONS,
        templates=(ir.TemplateSource("calls/discovery.md.j2", BRIEF), ir.TemplateSource("emails/case-study.html.j2", BODY)),
    ))


ENV_KEYS = {"CADENCE_CODEC_KEYS": f"k2:{b64(KEY_2)},k1:{b64(KEY_1)}"}


@pytest_asyncio.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    converter = data_converter_from_env(ENV_KEYS)
    assert converter is not None
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"), data_converter=converter)
    try:
        await api.register_search_attributes(environment.client)
        yield environment
    finally:
        await environment.shutdown()


def plain_client(env: WorkflowEnvironment) -> Client:
    """A client of the same server without the codec: it sees what the server stores."""
    return Client(env.client.service_client, namespace=env.client.namespace, data_converter=DataConverter.default)


async def raw_records(client: Client, workflow_id: str) -> list[Message]:
    """What the server keeps for the workflow: history (all pages) and its describe record."""
    service = client.workflow_service
    execution = WorkflowExecution(workflow_id=workflow_id)
    chunks: list[Message] = []
    token = b""
    while True:
        page = await service.get_workflow_execution_history(GetWorkflowExecutionHistoryRequest(
            namespace=client.namespace, execution=execution, next_page_token=token))
        chunks.append(page)
        token = page.next_page_token
        if not token:
            break
    described = await service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(namespace=client.namespace, execution=execution))
    chunks.append(described)
    return chunks


async def raw_queries(client: Client, workflow_id: str) -> list[Message]:
    """Query answers as the server relays them (state, and the UI's current details / metadata)."""
    out = []
    for query_type in (QUERY_STATE, "__temporal_workflow_metadata"):
        resp = await client.workflow_service.query_workflow(QueryWorkflowRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id),
            query=WorkflowQuery(query_type=query_type)))
        out.append(resp)
    return out


def payloads_in(message: Message, path: str = "") -> Iterator[tuple[str, bytes]]:
    """Every ``Payload`` inside a protobuf message, with its field path and ``encoding``."""
    if message.DESCRIPTOR.full_name == "temporal.api.common.v1.Payload":
        yield path, message.metadata.get("encoding", b"")  # type: ignore[attr-defined]
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        here = f"{path}.{field.name}"
        if field.message_type.GetOptions().map_entry:
            for key, item in value.items():
                if isinstance(item, Message):
                    yield from payloads_in(item, f"{here}[{key}]")
        elif field.is_repeated:
            for i, item in enumerate(value):
                yield from payloads_in(item, f"{here}[{i}]")
        else:
            yield from payloads_in(value, here)


def leaks(blob: bytes) -> list[str]:
    low = blob.lower()
    return sorted({n for n in NEEDLES if n.lower().encode() in low})


async def run_lead(env: WorkflowEnvironment, client: Client, smtp_port: int, outbox: Path) -> tuple[str, list[Message], dict[str, Any]]:
    """Run one lead with a worker on ``client`` (its converter); returns workflow id, raw records and the result."""
    settings = ChannelSettings(smtp_host="127.0.0.1", smtp_port=smtp_port, outbox_dir=outbox,
                               sender="Cadence <nurture@seller.example>")
    task_queue = f"security-{uuid.uuid4()}"
    lead = parse_lead({"id": f"L-{uuid.uuid4().hex[:8]}", "owner": "rep-dana", **PII})
    worker = build_worker(client, ChannelActivities(settings).all(), task_queue=task_queue)
    async with worker:
        enrolled = await api.enroll(client, plan(), lead, task_queue=task_queue)
        assert enrolled.status == "enrolled"
        wf_id = f"lead-{lead.id}"
        handle = client.get_workflow_handle(wf_id)
        state: dict[str, Any] = {}
        for _ in range(200):
            state = await handle.query(QUERY_STATE, result_type=dict)
            if state["open_task"] is not None:
                break
            await asyncio.sleep(0.05)
        assert state["open_task"] is not None
        assert "Zelda Quixotemarsh" in state["open_task"]["brief"]  # the worker decrypted what it rendered
        queried = await raw_queries(client, wf_id)
        with pytest.raises(api.ActionRefused, match="invalid lead data"):
            await api.update_lead(client, lead.id, {"email": "zelda-at-nowhere"}, by="ops")
        await api.update_lead(client, lead.id, {"phone": NEW_PHONE}, by="ops")
        await api.log_outcome(client, state["open_task"]["task_id"], "connected", notes=NOTES,
                              learned={"budget": LEARNED}, by="rep-dana")
        await api.send_event(client, lead.id, "reply", {"detail": REPLY}, source="test")
        await env.sleep(timedelta(days=4))  # skips the email's wait; the lead then hands off
        result = await handle.result()
        raw = await raw_records(plain_client(env), wf_id)
    return wf_id, raw + queried, result


async def test_no_personal_data_reaches_the_server_in_clear(env: WorkflowEnvironment, smtp: Any, tmp_path: Path) -> None:
    sink, port = smtp
    wf_id, records, result = await run_lead(env, env.client, port, tmp_path / "outbox")
    raw = b"".join(r.SerializeToString() for r in records)
    assert result["outcome"] == "handoff" and result["to"] == "rep-dana@seller.example"
    assert result["dossier"] is not None
    # The lead really went through every path that carries personal data...
    history = result["history"]
    assert any(h["notes"] == NOTES for h in history)
    assert any(REPLY in (h.get("detail") or "") for h in history)
    assert any(h["kind"] == "touch" and h["channel"] == "email" and "Zelda" in h["detail"] for h in history)
    assert any(b"Zelda" in e.original_content for e in sink.envelopes)  # the email itself is in clear, as it must be
    # ...yet the server holds none of it in clear.
    assert len(raw) > 10_000
    assert leaks(raw) == []
    found = [(path, enc) for record in records for path, enc in payloads_in(record)]
    assert len(found) > 30
    clear = [(path, enc) for path, enc in found if enc != b"binary/encrypted"]
    # Only what Temporal never encodes: search attributes (indexed by the server) and the
    # workflow.patched() markers the SDK core writes itself (they hold a patch id such as "stage-memo-v1").
    encrypted = " ".join(path for path, enc in found if enc == b"binary/encrypted")
    for kind in ("started_event_attributes.input", "started_event_attributes.memo", "activity_task_scheduled_event_attributes.input",
                 "activity_task_completed_event_attributes.result", "signaled_event_attributes.input",
                 "update_accepted_event_attributes.accepted_request.input", "upserted_memo", "completed_event_attributes.result",
                 "].user_metadata.summary", "execution_config.user_metadata.summary",
                 "execution_config.user_metadata.details", "workflow_execution_info.memo", "query_result"):
        assert kind in encrypted, f"no encrypted payload at {kind}"
    assert clear and all(".search_attributes" in path or "[patch-data]" in path for path, _ in clear), clear
    # And the codec-enabled client reads it all back (workers and operators lose nothing).
    history_seen = await env.client.get_workflow_handle(wf_id).fetch_history()
    started = history_seen.events[0].workflow_execution_started_event_attributes
    [inp] = await env.client.data_converter.decode(started.input.payloads, [dict])
    assert inp["lead"]["email"] == PII["email"]


async def test_the_check_finds_personal_data_when_the_codec_is_off(env: WorkflowEnvironment, smtp: Any, tmp_path: Path) -> None:
    # Control: the same run through a worker and client without the codec leaks all of it, so the check above can fail.
    _sink, port = smtp
    _wf_id, records, result = await run_lead(env, plain_client(env), port, tmp_path / "outbox")
    raw = b"".join(r.SerializeToString() for r in records)
    assert result["outcome"] == "handoff"
    assert set(leaks(raw)) >= {PII["email"], PII["company"], PII["phone"], NOTES, LEARNED, REPLY, NEW_PHONE}


async def test_search_attributes_hold_no_personal_data(env: WorkflowEnvironment, smtp: Any, tmp_path: Path) -> None:
    # Search attributes are never encoded (the server indexes them); they must stay free of lead data.
    _sink, port = smtp
    wf_id, _records, _result = await run_lead(env, env.client, port, tmp_path / "outbox")
    described = await env.client.workflow_service.describe_workflow_execution(DescribeWorkflowExecutionRequest(
        namespace=env.client.namespace, execution=WorkflowExecution(workflow_id=wf_id)))
    fields = described.workflow_execution_info.search_attributes.indexed_fields
    assert fields, "search attributes were published"
    assert leaks(b"".join(v.SerializeToString() for v in fields.values())) == []
