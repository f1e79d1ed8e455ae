"""Mail the world sends back reaches the lead by itself (issue #15): the gateway's SMTP listener, a real
SMTP client, the time-skipping server and a worker. A reply moves the lead at once, an out-of-office holds
its touches until the date it names, a hard bounce stops email and lists the address, a redelivery adds nothing."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest_asyncio

from cadence import ir, schedule, suppression
from cadence.gateway.app import Gateway, GatewayOptions
from cadence.gateway.leads import LeadPort
from cadence.gateway.serve import running
from cadence.lead import parse_lead
from cadence.messages import QUERY_STATE
from tests.conftest import free_port
from tests.engine.plans import email, end, make_plan
from tests.workflow.test_shipped_cadences import PLANS, record

OFFICE = ir.Schedule(timezone="lead", default_timezone="America/New_York",
                     business_hours=ir.BusinessHours(days=(0, 1, 2, 3, 4), start="09:00", end="17:00"),
                     holidays=schedule.holiday_dates("us"), holiday_sets=("us",))
DAILY = make_plan([email("one", wait=1), email("two", wait=1), email("three", wait=1), end("bye")], schedule=OFFICE)


DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.buyer.example>
To: nurture@seller.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <20270202160102.4F1A2C0123@mx.buyer.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.buyer.example

Final-Recipient: rfc822; bea@buyer.example
Original-Recipient: rfc822;bea@buyer.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <bea@buyer.example>: Recipient address rejected: User unknown

--B1
Content-Type: text/rfc822-headers

Message-ID: {message_id}
Subject: {subject}

--B1--
"""


SOFT_DSN = DSN.replace("Message-ID: <20270202160102.4F1A2C0123@mx.buyer.example>", "Message-ID: {dsn_id}").replace(
    "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <bea@buyer.example>: Recipient address rejected: "
    "User unknown", "Action: {action}\nStatus: 4.2.2\nDiagnostic-Code: smtp; 452 4.2.2 Mailbox full")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest_asyncio.fixture
async def gateway(rig: Any, tmp_path: Path) -> AsyncIterator[tuple[int, Path]]:
    async def connect() -> Any:
        return rig.client

    quarantine = tmp_path / "quarantine"
    # Mail is read against the leads' cadence clock, not the machine's date ("back on 15 February 2027").
    served = Gateway(GatewayOptions(quarantine_dir=quarantine), LeadPort(connect, rig.task_queue),
                     clock=lambda: rig.start.astimezone(timezone.utc) + timedelta(hours=2))
    smtp_port = free_port()
    async with running(served, port=0, smtp_port=smtp_port):
        yield smtp_port, quarantine


def _last_sent_to(rig: Any, address: str) -> EmailMessage:
    return rig.mailbox.to(address)[-1]


def _answer(original: EmailMessage, body: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = str(original["To"])
    msg["To"] = str(original["From"])
    msg["Subject"] = f"Re: {original['Subject']}"
    msg["Date"] = format_datetime(datetime(2027, 2, 3, 9, 0, tzinfo=timezone.utc))
    msg["Message-ID"] = make_msgid(domain="buyer.example")
    msg["In-Reply-To"] = str(original["Message-ID"])
    msg["References"] = str(original["Message-ID"])
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


async def _deliver(port: int, msg: EmailMessage) -> str:
    _errors, answer = await aiosmtplib.send(msg, hostname="127.0.0.1", port=port, timeout=30)
    return answer


async def test_a_reply_by_mail_moves_the_lead_at_once_and_a_redelivery_adds_nothing(rig, gateway):
    port, _quarantine = gateway
    lead = parse_lead(record())
    started = await rig.enroll(PLANS["enterprise-nurture"], lead)
    await rig.sleep(timedelta(days=17))
    reply = _answer(_last_sent_to(rig, "robin@prospect.example"),
                    "Can we talk on Thursday?\n\nRobin\n\nOn Tue, Feb 16 you wrote:\n> Teams like yours ...\n")
    assert await _deliver(port, reply) == "2.0.0 taken"
    assert await _deliver(port, reply) == "2.0.0 taken"  # the sender's retry: taken, and nothing added
    state = await started.handle.query(QUERY_STATE, result_type=dict)
    replies = [h for h in state["history"] if h["outcome"] == "reply"]
    assert [(h["detail"], h["by"]) for h in replies] == [("Can we talk on Thursday?\n\nRobin", "smtp")]
    assert state["engagement"]["replies"] == 1
    expected = schedule.next_window_start(PLANS["enterprise-nurture"].schedule, "America/Chicago",
                                          _at(replies[0]["at"]))
    emails_before = len(rig.mailbox.to("robin@prospect.example"))
    await rig.sleep(expected - _at(replies[0]["at"]) + timedelta(minutes=1))
    state = await started.handle.query(QUERY_STATE, result_type=dict)
    assert state["open_task"] is not None and state["open_task"]["step"] == "follow-up-call"
    assert len(rig.mailbox.to("robin@prospect.example")) == emails_before  # the call comes first, no email


async def test_an_out_of_office_holds_touches_until_the_date_it_names(rig, gateway):
    port, _quarantine = gateway
    lead = parse_lead({"id": f"O-{uuid.uuid4().hex[:8]}", "email": "olga@buyer.example", "timezone": "America/Chicago"})
    started = await rig.enroll(DAILY, lead)
    await rig.sleep(timedelta(hours=2))
    away = _answer(_last_sent_to(rig, "olga@buyer.example"),
                   "Thank you for your email. I am out of the office and back on 15 February 2027.",
                   Auto_Submitted="auto-replied")
    away.replace_header("Subject", "Automatic reply: " + str(away["Subject"])[4:])
    assert await _deliver(port, away) == "2.0.0 taken"
    result = await started.handle.result()
    sends = [(h["step"], _at(h["at"])) for h in result["history"] if h["kind"] == "touch"]
    # Mon 15 Feb 2027 is Presidents' Day: the second email goes out Tue 16 Feb in the first hour after 09:00
    # in Chicago, at the lead's own second of it.
    back = schedule.spread_opening(DAILY.schedule, "America/Chicago", datetime(2027, 2, 16, 15, 0, tzinfo=timezone.utc),
                                   started.handle.id)
    assert sends[1][0] == "two" and abs(sends[1][1] - back) < timedelta(seconds=5)
    state = await started.handle.query(QUERY_STATE, result_type=dict)
    assert state["engagement"]["replies"] == 0  # an automatic reply is not a reply
    ooo = [h for h in result["history"] if h["outcome"] == "out_of_office"]
    assert len(ooo) == 1 and f"touches wait until {back:%Y-%m-%dT%H:%M:%SZ}: back on 2027-02-15" in ooo[0]["detail"]


async def test_a_delivery_status_notification_stops_email_and_lists_the_address(rig, gateway):
    port, _quarantine = gateway
    lead = parse_lead({"id": f"B-{uuid.uuid4().hex[:8]}", "email": "bea@buyer.example", "timezone": "America/Chicago"})
    started = await rig.enroll(DAILY, lead)
    await rig.sleep(timedelta(hours=2))
    sent = _last_sent_to(rig, "bea@buyer.example")
    dsn = DSN.format(message_id=sent["Message-ID"], subject=sent["Subject"]).replace("\n", "\r\n").encode()
    _errors, answer = await aiosmtplib.send(dsn, sender="postmaster@mx.buyer.example", recipients=["nurture@seller.example"], hostname="127.0.0.1",
                                            port=port, timeout=30)
    assert answer == "2.0.0 taken"
    result = await started.handle.result()
    outcomes = [(h["step"], h["outcome"]) for h in result["history"] if h["kind"] in ("touch", "event")]
    assert ("", "bounce") in outcomes and ("two", "skipped") in outcomes
    found = await suppression.check(rig.client, "bea@buyer.example")
    assert found is not None and found.reason == "bounced" and found.by == "gateway"


async def test_soft_bounces_count_and_the_cadences_number_of_them_stops_email(rig, gateway):
    port, _quarantine = gateway
    plan = ir.seal(dataclasses.replace(DAILY, inbound=ir.InboundRules(soft_bounces=2)))
    lead = parse_lead({"id": f"S-{uuid.uuid4().hex[:8]}", "email": "bea@buyer.example", "timezone": "America/Chicago"})
    started = await rig.enroll(plan, lead)
    await rig.sleep(timedelta(hours=2))
    sent = _last_sent_to(rig, "bea@buyer.example")
    for n, action in enumerate(("delayed", "failed", "failed")):  # a delay notice is not a bounce: still trying
        dsn = SOFT_DSN.format(message_id=sent["Message-ID"], subject=sent["Subject"], action=action,
                              dsn_id=f"<soft-{n}@mx.buyer.example>")
        _errors, answer = await aiosmtplib.send(dsn.replace("\n", "\r\n").encode(), sender="postmaster@mx.buyer.example",
                                                recipients=["nurture@seller.example"], hostname="127.0.0.1",
                                                port=port, timeout=30)
        assert answer == "2.0.0 taken"
    result = await started.handle.result()
    events = [(h["outcome"], h["detail"]) for h in result["history"] if h["kind"] == "event"]
    assert events == [("soft_bounce", "4.2.2 452 4.2.2 Mailbox full (soft bounce 1 of 2)"),
                      ("soft_bounce", "4.2.2 452 4.2.2 Mailbox full (soft bounce 2 of 2)"),
                      ("bounce", "2 soft bounces, the last: 4.2.2 452 4.2.2 Mailbox full")]
    assert ("two", "skipped") in [(h["step"], h["outcome"]) for h in result["history"] if h["kind"] == "touch"]
