"""Matching inbound mail by its sender's address, the last resort and only where configured (issue #15).

A reply that lost cadence's Message-ID and token (a new message to the rep, a forward) finds the one
running lead with the sender's address; a bounce without the returned message finds it by the failed
recipient. Two running leads with one address are never guessed between: the message is kept for a
person. The door to leads is a recorder here; visibility is asked with the keyed digest, never the address
(tests/e2e/test_gateway_e2e.py runs the same against real enrollments on the dev server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
import pytest

from cadence.contacts import ContactKeys
from cadence.gateway.app import Gateway, GatewayOptions
from cadence.gateway.serve import running
from tests.conftest import free_port
from tests.gateway.test_webhooks import (
    CALENDLY_KEY,
    POSTMARK_AUTH,
    SENDGRID_PUBLIC,
    calendly,
    invitee_created,
    postmark_bounce,
    sendgrid,
)

SECRET = "sender-match-test-secret"
KEYS = ContactKeys(SECRET)


class Leads:
    """The gateway's door to leads: running leads by contact key, and what they were given."""

    def __init__(self, running: dict[str, list[str]]) -> None:
        self.running = {KEYS.of_address(address): leads for address, leads in running.items()}
        self.asked: list[str] = []
        self.calls: list[tuple[Any, ...]] = []

    async def by_contact(self, key: str) -> list[str]:
        self.asked.append(key)
        return self.running.get(key, [])

    async def send(self, lead_id: str, kind: str, data: dict[str, Any], source: str, *,
                   contacts: ContactKeys | None = None) -> None:
        assert contacts == KEYS  # the gateway's keys go along, for a lead_updated's new address
        self.calls.append(("send", lead_id, kind, data["event_id"], source))

    async def suppress(self, address: str, reason: str, *, source_id: str, note: str = "") -> None:
        self.calls.append(("suppress", address, reason, source_id))

    async def opt_out(self, lead_id: str, event_id: str) -> str:
        self.calls.append(("opt_out", lead_id, event_id))
        return "unsubscribed"


def _mail(sender: str, message_id: str, body: str = "Still interested, call me.") -> bytes:
    return (f"From: Pat <{sender}>\r\nTo: dana@seller.example\r\nSubject: pricing\r\n"
            f"Message-ID: {message_id}\r\n\r\n{body}\r\n").encode()


BOUNCE_WITHOUT_HEADERS = (
    b"From: MAILER-DAEMON@mx.buyer.example\r\nTo: nurture@seller.example\r\nSubject: Undeliverable\r\n"
    b"Message-ID: <dsn-9@mx.buyer.example>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
    b"--B\r\nContent-Type: text/plain\r\n\r\nNo such user.\r\n"
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.buyer.example\r\n\r\n"
    b"Final-Recipient: rfc822; Quinn@Buyer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n")


async def _send_all(leads: Leads, tmp_path: Path, messages: list[bytes], *, match: bool = True) -> None:
    gateway = Gateway(GatewayOptions(unsubscribe_secret=SECRET, quarantine_dir=tmp_path / "quarantine",
                                     match_sender=match), leads)  # type: ignore[arg-type]
    port = free_port()
    async with running(gateway, port=0, smtp_port=port):
        for raw in messages:
            _errors, answer = await aiosmtplib.send(raw, sender="x@buyer.example", recipients=["n@seller.example"],
                                                    hostname="127.0.0.1", port=port)
            assert answer == "2.0.0 taken"


def _kept(tmp_path: Path) -> list[str]:
    index = tmp_path / "quarantine" / "index.jsonl"
    return [json.loads(line)["reason"] for line in index.read_text().splitlines()] if index.exists() else []


async def test_a_reply_without_thread_or_token_finds_the_one_running_lead_with_its_address(tmp_path: Path) -> None:
    leads = Leads({"pat@buyer.example": ["L-7"]})
    await _send_all(leads, tmp_path, [_mail("Pat@Buyer.Example", "<new-1@buyer.example>")])
    assert leads.calls == [("send", "L-7", "reply", "<new-1@buyer.example>", "smtp")]
    assert leads.asked == [KEYS.of_address("pat@buyer.example")]
    assert "buyer.example" not in leads.asked[0] and len(leads.asked[0]) == 32  # a keyed digest, no address
    assert _kept(tmp_path) == []


async def test_a_bounce_without_the_returned_message_finds_the_lead_by_the_failed_recipient(tmp_path: Path) -> None:
    leads = Leads({"quinn@buyer.example": ["L-8"]})
    await _send_all(leads, tmp_path, [BOUNCE_WITHOUT_HEADERS])
    assert leads.calls == [("suppress", "quinn@buyer.example", "bounced", "<dsn-9@mx.buyer.example>"),
                           ("send", "L-8", "bounce", "<dsn-9@mx.buyer.example>", "smtp")]


@pytest.mark.parametrize(("running", "reason"), [
    ({"pat@buyer.example": ["L-1", "L-2"]},
     "2 running leads have the sender's address (L-1, L-2): route it with cadence event"),
    ({"someone@else.example": ["L-3"]},
     "no lead matches (no cadence Message-ID or token in it, nor a running lead with its address)"),
])
async def test_two_leads_with_one_address_or_none_keep_the_message_for_a_person(
        tmp_path: Path, running: dict[str, list[str]], reason: str) -> None:
    leads = Leads(running)
    await _send_all(leads, tmp_path, [_mail("pat@buyer.example", "<new-2@buyer.example>")])
    assert leads.calls == [] and _kept(tmp_path) == [reason]


async def test_without_the_setting_the_sender_is_never_looked_up(tmp_path: Path) -> None:
    leads = Leads({"pat@buyer.example": ["L-7"]})
    await _send_all(leads, tmp_path, [_mail("pat@buyer.example", "<new-3@buyer.example>")], match=False)
    assert leads.asked == [] and leads.calls == []
    assert _kept(tmp_path) == ["no lead matches (no cadence Message-ID or token in it)"]


def test_contact_keys_ignore_case_and_blanks_and_depend_on_the_secret() -> None:
    assert KEYS.of_address(" Pat@Buyer.Example ") == KEYS.of_address("pat@buyer.example")
    assert ContactKeys("another secret").of_address("pat@buyer.example") != KEYS.of_address("pat@buyer.example")
    assert KEYS.of_lead({"email": "pat@buyer.example"}) == (KEYS.of_address("pat@buyer.example"),)
    assert KEYS.of_lead({"phone": "+1 312 555 0100"}) == ()
    # After a change of lead fields: the new address's keys, none when it was cleared, None when it stayed.
    assert KEYS.of_change({"email": "Pat@New.example"}) == [KEYS.of_address("pat@new.example")]
    assert KEYS.of_change({"email": ""}) == [] and KEYS.of_change({"phone": "+1 312 555 0100"}) is None


async def test_provider_events_without_thread_or_token_find_the_lead_by_its_address(tmp_path: Path) -> None:
    leads = Leads({"quinn@buyer.example": ["L-8"], "pat@buyer.example": ["L-7"],
                   "twin@buyer.example": ["L-1", "L-2"]})
    options = GatewayOptions(unsubscribe_secret=SECRET, quarantine_dir=tmp_path / "quarantine", match_sender=True,
                             postmark_webhook_auth=":".join(POSTMARK_AUTH), calendly_signing_key=CALENDLY_KEY,
                             sendgrid_verification_key=SENDGRID_PUBLIC)
    gateway = Gateway(options, leads)  # type: ignore[arg-type]
    async with running(gateway, port=0) as url, httpx.AsyncClient(base_url=url) as http:
        bounce = postmark_bounce("HardBounce", Email="Quinn@Buyer.example")  # no Metadata, no returned message
        assert (await http.post("/webhooks/postmark", json=bounce, auth=httpx.BasicAuth(*POSTMARK_AUTH))).json()[
            "delivered"] == 1
        booked = invitee_created(None, email="pat@buyer.example")  # booked from a link without cadence's token
        assert (await http.post("/webhooks/calendly", **calendly(booked))).json()["lead_id"] == "L-7"
        complaint = [{"email": "twin@buyer.example", "event": "spamreport", "sg_event_id": "sg-1", "timestamp": 1}]
        assert (await http.post("/webhooks/sendgrid", **sendgrid(complaint))).json()["quarantined"] == 1
    assert leads.asked == [KEYS.of_address(a) for a in ("quinn@buyer.example", "pat@buyer.example",
                                                        "twin@buyer.example")]
    assert [c[:3] for c in leads.calls] == [("suppress", "Quinn@Buyer.example", "bounced"),
                                            ("send", "L-8", "bounce"), ("send", "L-7", "meeting_booked")]
    assert _kept(tmp_path) == ["sendgrid unsubscribe: 2 running leads have the event's address (L-1, L-2): route it "
                               "with cadence event"]
