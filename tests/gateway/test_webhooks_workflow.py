"""Signed webhooks into real lead workflows (issue #15): the time-skipping server, a worker, the gateway over HTTP.
A SendGrid hard bounce ends the lead's email the way a DSN by mail does and lists the address; a redelivered
batch or a repeated ``POST /events`` adds nothing to the lead's history."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio

from cadence import suppression
from cadence.gateway.app import Gateway, GatewayOptions
from cadence.gateway.leads import LeadPort
from cadence.gateway.serve import running
from cadence.lead import parse_lead
from cadence.messages import QUERY_STATE
from tests.gateway.test_webhooks import EVENTS_SECRET, SENDGRID_PUBLIC, sendgrid, signed_event
from tests.workflow.conftest import mailbox, rig, start, webhook  # noqa: F401  (the workflow tests' rig)
from tests.workflow.test_inbound_mail import DAILY


@pytest_asyncio.fixture
async def gateway(rig: Any, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    async def connect() -> Any:
        return rig.client

    served = Gateway(GatewayOptions(quarantine_dir=tmp_path / "quarantine", sendgrid_verification_key=SENDGRID_PUBLIC,
                                    events_secret=EVENTS_SECRET), LeadPort(connect, rig.task_queue))
    async with running(served, port=0) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield http


async def test_a_signed_sendgrid_bounce_ends_email_like_a_bounce_by_mail(
        rig: Any, gateway: httpx.AsyncClient) -> None:  # noqa: F811
    lead = parse_lead({"id": f"B-{uuid.uuid4().hex[:8]}", "email": "bea@buyer.example", "timezone": "America/Chicago"})
    started = await rig.enroll(DAILY, lead)
    await rig.sleep(timedelta(hours=2))
    [sent] = rig.mailbox.to("bea@buyer.example")
    batch = [{"email": "bea@buyer.example", "event": "bounce", "type": "bounce", "status": "5.1.1",
              "reason": "550 5.1.1 <bea@buyer.example>: Recipient address rejected: User unknown",
              "sg_event_id": "sg-bounce-1", "smtp-id": str(sent["Message-ID"]), "timestamp": 1800000000}]
    for _ in range(2):  # SendGrid's retry of a batch it thinks was lost
        answer = await gateway.post("/webhooks/sendgrid", **sendgrid(batch))
        assert answer.json() == {"events": 1, "delivered": 1, "quarantined": 0, "ignored": 0}
    result = await started.handle.result()
    outcomes = [(h["step"], h["outcome"], h.get("by", "")) for h in result["history"]
                if h["kind"] in ("touch", "event")]
    assert ("", "bounce", "sendgrid") in outcomes and ("two", "skipped", "") in outcomes
    assert sum(outcome == "bounce" for _, outcome, _ in outcomes) == 1
    assert len(rig.mailbox.to("bea@buyer.example")) == 1  # no further email
    found = await suppression.check(rig.client, "bea@buyer.example")
    assert found is not None and found.reason == "bounced" and found.by == "gateway"


async def test_a_crms_signed_event_moves_the_lead_once(rig: Any, gateway: httpx.AsyncClient) -> None:  # noqa: F811
    lead = parse_lead({"id": f"R-{uuid.uuid4().hex[:8]}", "email": "rae@buyer.example", "timezone": "America/Chicago"})
    started = await rig.enroll(DAILY, lead)
    await rig.sleep(timedelta(hours=2))
    event = {"id": "crm-4411", "lead": lead.id, "kind": "reply", "detail": "Replied in the CRM: call me Friday"}
    for _ in range(2):  # the CRM's retry
        answer = await gateway.post("/events", **signed_event(event))
        assert answer.json() == {"outcome": "delivered", "lead_id": lead.id, "kind": "reply", "detail": None}
    state = await started.handle.query(QUERY_STATE, result_type=dict)
    replies = [(h["detail"], h["by"]) for h in state["history"] if h["outcome"] == "reply"]
    assert replies == [("Replied in the CRM: call me Friday", "webhook")]
    assert state["engagement"]["replies"] == 1
