"""Handoff delivery: outbox files, email to the assignee, webhook; retries do not repeat deliveries."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError

from cadence.channels.activities import ChannelActivities
from cadence.channels.requests import HandoffRequest, HandoffResult
from cadence.channels.settings import ChannelSettings
from tests.conftest import free_port

from .conftest import LEAD, run
from .test_dossier import STATE


def request(assignee: str = "Dana Rep <dana@example.com>", **kw: Any) -> HandoffRequest:
    fields: dict[str, Any] = dict(workflow_id="lead-L-1", lead=LEAD, assignee=assignee, sections=(), state=STATE,
                                  reason="meeting booked", plan_name="enterprise-nurture", plan_version="f" * 64)
    return HandoffRequest(**{**fields, **kw})


def with_webhook(settings: ChannelSettings, url: str) -> ChannelActivities:
    return ChannelActivities(replace(settings, handoff_webhook=url))


async def test_handoff_goes_to_outbox_email_and_webhook(settings: ChannelSettings, smtp: Any, webhook: Any,
                                                        outbox: Path) -> None:
    acts = with_webhook(settings, webhook.url)
    result = await run(acts.deliver_handoff, request())
    assert isinstance(result, HandoffResult)
    assert result.problems == ()
    assert result.delivered_to == (
        f"file:{outbox / 'handoffs' / 'L-1.json'}",
        f"file:{outbox / 'handoffs' / 'L-1.md'}",
        "email:dana@example.com",
        f"webhook:{webhook.url}",
    )
    assert result.dossier["lead_id"] == "L-1" and result.dossier["assignee"] == "Dana Rep <dana@example.com>"

    saved = json.loads((outbox / "handoffs" / "L-1.json").read_text())
    assert saved["event"] == "cadence.handoff" and saved["dossier"] == result.dossier
    md = (outbox / "handoffs" / "L-1.md").read_text()
    assert md.startswith("# Sales-ready lead: Jane Doe")

    handler, _ = smtp
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["dana@example.com"]
    [msg] = handler.messages()
    assert msg["Subject"] == "Sales-ready lead: Jane Doe, Globex (L-1)"
    assert msg["To"] == "Dana Rep <dana@example.com>"
    assert msg["X-Cadence-Lead"] == "L-1"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == md
    html = msg.get_body(("html",)).get_content()
    assert "<h1>Sales-ready lead: Jane Doe" in html and "<table>" in html

    [(headers, body)] = webhook.posts
    payload = json.loads(body)
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == payload["handoff_id"]
    assert payload["lead_id"] == "L-1" and payload["dossier"] == result.dossier and payload["markdown"] == md


async def test_retry_redelivers_only_what_failed(settings: ChannelSettings, smtp: Any, webhook: Any) -> None:
    acts = with_webhook(settings, webhook.url)
    webhook.statuses = [503]
    with pytest.raises(ApplicationError) as err:
        await run(acts.deliver_handoff, request())
    assert not err.value.non_retryable and "503" in str(err.value)
    result = await run(acts.deliver_handoff, request(), attempt=2)
    assert len(smtp[0].envelopes) == 1  # the rep got one email, not two
    assert len(webhook.posts) == 2 and webhook.json(0)["handoff_id"] == webhook.json(1)["handoff_id"]
    assert "email:dana@example.com" in result.delivered_to and f"webhook:{webhook.url}" in result.delivered_to


async def test_refusals_are_reported_not_retried(settings: ChannelSettings, smtp: Any, webhook: Any) -> None:
    acts = with_webhook(settings, webhook.url)
    webhook.statuses = [400]
    result = await run(acts.deliver_handoff, request("bounce@example.com"))
    assert [p.split(" ")[0] for p in result.problems] == ["email:bounce@example.com", f"webhook:{webhook.url}"]
    assert "550" in result.problems[0] and "HTTP 400" in result.problems[1]
    assert [d.split(":")[0] for d in result.delivered_to] == ["file", "file"]


async def test_queue_assignee_gets_files_only(acts: ChannelActivities, smtp: Any) -> None:
    result = await run(acts.deliver_handoff, request("queue:enterprise-sales", sections=("history",)))
    assert [d.split(":")[0] for d in result.delivered_to] == ["file", "file"]
    assert smtp[0].envelopes == []
    assert result.dossier["sections"] == ["history"]


async def test_a_queue_with_a_mailbox_gets_the_escalation_by_email(settings: ChannelSettings, smtp: Any) -> None:
    mailboxes = (("sales-managers", "Sales managers <managers@example.com>"),)
    acts = ChannelActivities(replace(settings, queue_mailboxes=mailboxes))
    result = await run(acts.deliver_handoff, request("queue:sales-managers", delivery=2, escalated_from="dana@example.com",
                                                     missed_deadline="2027-02-04T15:00:00Z"))
    assert "email:managers@example.com" in result.delivered_to and result.problems == ()
    handler, _ = smtp
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["managers@example.com"]
    [msg] = handler.messages()
    assert msg["To"] == "Sales managers <managers@example.com>"
    assert msg["Subject"] == "Escalated: sales-ready lead: Jane Doe, Globex (L-1)"
    result = await run(acts.deliver_handoff, request("queue:enterprise-sales"))  # a queue without one: files only
    assert [d.split(":")[0] for d in result.delivered_to] == ["file", "file"] and len(handler.envelopes) == 1


async def test_unreachable_webhook_is_retried(settings: ChannelSettings, smtp: Any) -> None:
    acts = with_webhook(settings, f"http://127.0.0.1:{free_port()}/hook")
    with pytest.raises(ApplicationError) as err:
        await run(acts.deliver_handoff, request("queue:x"))
    assert err.value.type == "WebhookUnavailable" and not err.value.non_retryable
