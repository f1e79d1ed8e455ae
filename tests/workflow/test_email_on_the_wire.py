"""Step emails as the SMTP server receives them: the worker's Message-ID domain (issue #11: it used to stop
at the workflow), structured headers written literally, never as encoded words, and the email service's
custom-argument header whose echo in the service's webhooks names the lead (issue #15)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from cadence import client as api
from cadence.channels.activities import ChannelActivities
from cadence.channels.ids import workflow_of_message_id
from cadence.channels.settings import ChannelSettings
from cadence.gateway.intake import lead_of
from cadence.gateway.webhooks import mailgun, postmark, sendgrid
from cadence.lead import parse_lead
from cadence.worker import build_worker
from tests.engine.plans import email, end, make_plan
from tests.workflow.conftest import DEFAULT_START

PLAN = make_plan([email("one", wait=1), email("two", wait=1), end("bye")])


async def test_step_emails_carry_the_configured_domain_and_stay_deterministic(ts_env: Any, mailbox: Any,
                                                                              tmp_path: Path) -> None:
    handler, port = mailbox
    settings = ChannelSettings(smtp_port=port, outbox_dir=tmp_path, message_id_domain="mail.seller.example")
    queue = f"msgid-{uuid.uuid4()}"
    lead = parse_lead({"id": f"M-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example"})
    async with build_worker(ts_env.client, ChannelActivities(settings).all(), task_queue=queue):
        started = await api.enroll(ts_env.client, PLAN, lead, task_queue=queue, cadence_now=DEFAULT_START)
        await started.handle.result()
    ids = [str(m["Message-ID"]) for m in handler.to("pat@buyer.example")]
    assert len(ids) == 2
    for step, found in zip(("one", "two"), ids):
        assert re.fullmatch(rf"<[a-z2-7]+\.[0-9a-f]{{16}}\.{step}\.0@mail\.seller\.example>", found), found
        assert workflow_of_message_id(found) == f"lead-{lead.id}"


async def test_list_unsubscribe_and_message_id_reach_the_server_literally(ts_env: Any, mailbox: Any,
                                                                           tmp_path: Path) -> None:
    handler, port = mailbox
    settings = ChannelSettings(smtp_port=port, outbox_dir=tmp_path)
    queue = f"wire-{uuid.uuid4()}"
    lead = parse_lead({"id": f"W-{uuid.uuid4().hex}", "email": "pat@buyer.example"})  # a long id, a long URL
    async with build_worker(ts_env.client, ChannelActivities(settings).all(), task_queue=queue):
        started = await api.enroll(ts_env.client, PLAN, lead, task_queue=queue, cadence_now=DEFAULT_START)
        await started.handle.result()
    raw = handler.envelopes[0].original_content
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    lines = headers.split("\r\n")
    unsubscribe = next(line for line in lines if line.startswith("List-Unsubscribe: "))
    assert re.fullmatch(r"List-Unsubscribe: <http://localhost:8080/unsubscribe\?lead=W-[0-9a-f]{32}&token=[0-9a-f]{32}>",
                        unsubscribe), unsubscribe
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in lines
    assert "=?" not in headers  # no encoded words anywhere in the header block
    message_id = next(line for line in lines if line.startswith("Message-ID: "))
    assert re.fullmatch(r"Message-ID: <[a-z2-7]+\.[0-9a-f]{16}\.one\.0@cadence\.local>", message_id), message_id


def _echoed_event(service: str, header_value: str) -> dict[str, Any]:
    """What ``service`` posts about a bounce of the message, echoing its custom-argument header.

    Each service replaces cadence's Message-ID with one of its own here (Postmark always does), so only the
    echoed token can name the lead.
    """
    if service == "sendgrid":
        return {"event": "bounce", "type": "bounce", "email": "pat@buyer.example", "sg_event_id": "sg-1",
                "smtp-id": "<rewritten@sendgrid.example>", **json.loads(header_value)["unique_args"]}
    if service == "postmark":
        return {"RecordType": "Bounce", "ID": 1, "Type": "HardBounce", "Email": "pat@buyer.example",
                "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Metadata": {"cadence_token": header_value}}
    return {"event": "failed", "id": "mg-1", "severity": "permanent", "reason": "bounce",
            "recipient": "pat@buyer.example", "message": {"headers": {"message-id": "rewritten@mailgun.example"}},
            "user-variables": json.loads(header_value)}


@pytest.mark.parametrize(("service", "header"), [("sendgrid", "X-SMTPAPI"), ("postmark", "X-PM-Metadata-cadence_token"),
                                                 ("mailgun", "X-Mailgun-Variables"), ("none", "")])
async def test_the_services_custom_argument_header_carries_the_token_its_webhooks_echo(
        ts_env: Any, mailbox: Any, tmp_path: Path, service: str, header: str) -> None:
    handler, port = mailbox
    secret = "wire-test-signing-secret"
    settings = ChannelSettings(smtp_port=port, outbox_dir=tmp_path, smtp_service=service, unsubscribe_secret=secret)
    queue = f"service-{uuid.uuid4()}"
    lead = parse_lead({"id": f"S-{uuid.uuid4().hex}", "email": "pat@buyer.example"})
    async with build_worker(ts_env.client, ChannelActivities(settings).all(), task_queue=queue):
        started = await api.enroll(ts_env.client, PLAN, lead, task_queue=queue, cadence_now=DEFAULT_START)
        await started.handle.result()
    raw = handler.envelopes[0].original_content
    lines = raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")
    services = [line for line in lines if line.split(":", 1)[0] in
                ("X-SMTPAPI", "X-PM-Metadata-cadence_token", "X-Mailgun-Variables")]
    if service == "none":
        assert services == []
        return
    [line] = services  # one header, on one line (no folding inside the JSON), literal
    name, value = line.split(": ", 1)
    assert name == header and "=?" not in value
    reader = {"sendgrid": sendgrid, "postmark": postmark, "mailgun": mailgun}[service]
    event = reader.event(_echoed_event(service, value))
    assert event.kind == "bounce"
    assert lead_of(event.message_ids, event.tokens, secret) == lead.id
    assert lead_of(event.message_ids, event.tokens, "another deployment's secret") is None
