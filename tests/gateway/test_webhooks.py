"""Signed webhooks at the gateway's HTTP doors (issue #15): SendGrid, Postmark, Mailgun, Calendly and the generic
``POST /events``. Real HTTP against the running app; every signature is computed here, independently of the
gateway's code; every forged, stale or replayed request is refused and changes nothing. The door to leads is a
recorder here (tests/gateway/test_webhooks_workflow.py runs the same requests into real lead workflows)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence import client as api
from cadence.channels.ids import message_id_for
from cadence.channels.signing import lead_token
from cadence.gateway.app import Gateway, GatewayOptions, build_app
from cadence.gateway.serve import running
from cadence.gateway.webhooks.verify import TOLERANCE_SECONDS

SECRET = "webhook-test-signing-secret"  # the deployment's lead-token key
SENDGRID_KEY = ec.generate_private_key(ec.SECP256R1())
SENDGRID_PUBLIC = base64.b64encode(SENDGRID_KEY.public_key().public_bytes(
    Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).decode()
POSTMARK_AUTH = ("postmark", "pm-pass-1")
MAILGUN_KEY = "key-mailgun-signing-1"
CALENDLY_KEY = "calendly-signing-key-1"
EVENTS_SECRET = "crm-shared-secret-1"
SENT_TO_L1 = message_id_for("lead-L-1", "first-email", 0)
"""The Message-ID of an email cadence sent lead L-1."""


class Leads:
    """The gateway's door to leads, recording what it is given (same methods as ``LeadPort``)."""

    def __init__(self, enrolled: tuple[str, ...] = ("L-1", "L-2")) -> None:
        self.enrolled = enrolled
        self.calls: list[tuple[Any, ...]] = []
        self.down = 0
        """How many calls to refuse as unreachable before answering again."""

    def _check(self, lead_id: str | None = None) -> None:
        if self.down:
            self.down -= 1
            raise api.Unreachable("the Temporal server did not answer (UNAVAILABLE)")
        if lead_id is not None and lead_id not in self.enrolled:
            raise api.ActionRefused(f"lead {lead_id} is not enrolled")

    async def send(self, lead_id: str, kind: str, data: dict[str, Any], source: str, *, contacts: Any = None) -> None:
        assert contacts is None  # these gateways do not match senders (tests/gateway/test_sender_match.py do)
        self._check(lead_id)
        self.calls.append(("send", lead_id, kind, data, source))

    async def opt_out(self, lead_id: str, event_id: str) -> str:
        self._check(lead_id)
        self.calls.append(("opt_out", lead_id, event_id))
        return "unsubscribed"

    async def suppress(self, address: str, reason: str, *, source_id: str, note: str = "") -> None:
        self._check()
        self.calls.append(("suppress", address, reason, source_id))

    async def client(self) -> Any:
        raise api.Unreachable("no Temporal server reachable at 127.0.0.1:1")


class Door:
    """A running gateway with every webhook on, its recorder and an HTTP client."""

    def __init__(self, http: httpx.AsyncClient, leads: Leads, gateway: Gateway, quarantine: Path) -> None:
        self.http, self.leads, self.gateway, self.quarantine = http, leads, gateway, quarantine

    def quarantined(self) -> list[dict[str, Any]]:
        index = self.quarantine / "index.jsonl"
        return [json.loads(line) for line in index.read_text().splitlines()] if index.exists() else []


@pytest_asyncio.fixture
async def door(tmp_path: Path) -> AsyncIterator[Door]:
    leads = Leads()
    options = GatewayOptions(unsubscribe_secret=SECRET, quarantine_dir=tmp_path / "quarantine",
                             sendgrid_verification_key=SENDGRID_PUBLIC, postmark_webhook_auth=":".join(POSTMARK_AUTH),
                             mailgun_signing_key=MAILGUN_KEY, calendly_signing_key=CALENDLY_KEY,
                             events_secret=EVENTS_SECRET)
    gateway = Gateway(options, leads)  # type: ignore[arg-type]
    async with running(gateway, port=0) as url, httpx.AsyncClient(base_url=url) as http:
        yield Door(http, leads, gateway, tmp_path / "quarantine")


def now() -> int:
    return int(time.time())


# ------------------------------------------------------------------ what each sender sends, signed here


def sendgrid(events: list[dict[str, Any]], *, at: int | None = None, key: Any = SENDGRID_KEY) -> dict[str, Any]:
    body = json.dumps(events).encode() + b"\r\n"
    stamp = str(now() if at is None else at)
    signature = key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {"content": body, "headers": {"Content-Type": "application/json",
                                         "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
                                         "X-Twilio-Email-Event-Webhook-Timestamp": stamp}}


def mailgun(event_data: dict[str, Any], *, at: int | None = None, token: str = "t" * 50,
            key: str = MAILGUN_KEY) -> dict[str, Any]:
    stamp = str(now() if at is None else at)
    signature = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return {"json": {"signature": {"timestamp": stamp, "token": token, "signature": signature},
                     "event-data": event_data}}


def calendly(hook: dict[str, Any], *, at: int | None = None, key: str = CALENDLY_KEY) -> dict[str, Any]:
    body = json.dumps(hook).encode()
    stamp = str(now() if at is None else at)
    v1 = hmac.new(key.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"content": body, "headers": {"Content-Type": "application/json",
                                         "Calendly-Webhook-Signature": f"t={stamp},v1={v1}"}}


def signed_event(event: dict[str, Any], *, at: int | None = None, secret: str = EVENTS_SECRET) -> dict[str, Any]:
    body = json.dumps(event).encode()
    stamp = str(now() if at is None else at)
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"content": body, "headers": {"Content-Type": "application/json", "X-Cadence-Timestamp": stamp,
                                         "X-Cadence-Signature": f"sha256={mac}"}}


def invitee_created(utm_content: str | None, uri: str = "https://api.calendly.com/scheduled_events/E1/invitees/I1",
                    **extra: Any) -> dict[str, Any]:
    return {"event": "invitee.created", "created_at": "2027-02-03T15:00:00.000000Z",
            "payload": {"uri": uri, "email": "robin@prospect.example", "name": "Robin", "old_invitee": None,
                        "rescheduled": False,
                        "scheduled_event": {"name": "Intro call", "start_time": "2027-02-05T16:00:00.000000Z"},
                        "tracking": {"utm_campaign": None, "utm_source": "cadence", "utm_medium": "email",
                                     "utm_content": utm_content, "utm_term": None, "salesforce_uuid": None},
                        **extra}}


# ------------------------------------------------------------------ SendGrid


async def test_a_signed_sendgrid_batch_bounces_opts_out_ignores_and_quarantines(door: Door) -> None:
    batch = [
        {"email": "robin@prospect.example", "event": "bounce", "type": "bounce", "status": "5.1.1",
         "reason": "550 5.1.1 The email account that you tried to reach does not exist",
         "sg_event_id": "ev-bounce-1", "smtp-id": SENT_TO_L1, "timestamp": now()},
        {"email": "sam@prospect.example", "event": "spamreport", "sg_event_id": "ev-spam-1",
         "smtp-id": "<rewritten-by-provider@sendgrid.net>", "cadence_token": lead_token("L-2", SECRET)},
        {"email": "robin@prospect.example", "event": "bounce", "type": "blocked", "sg_event_id": "ev-blocked",
         "smtp-id": SENT_TO_L1},
        {"email": "robin@prospect.example", "event": "delivered", "sg_event_id": "ev-delivered", "smtp-id": SENT_TO_L1},
        {"email": "who@else.example", "event": "bounce", "type": "bounce", "sg_event_id": "ev-stranger",
         "smtp-id": "<not-from-cadence@elsewhere.example>"},
    ]
    answer = await door.http.post("/webhooks/sendgrid", **sendgrid(batch))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"events": 5, "delivered": 3, "quarantined": 1, "ignored": 1}
    assert door.leads.calls == [
        ("suppress", "robin@prospect.example", "bounced", "sendgrid:ev-bounce-1"),
        ("send", "L-1", "bounce", {"event_id": "sendgrid:ev-bounce-1", "detail": "5.1.1 550 5.1.1 The email account "
                                   "that you tried to reach does not exist"}, "sendgrid"),
        ("opt_out", "L-2", "sendgrid:ev-spam-1"),
        # A block is a soft bounce: counted by the lead, the address not listed.
        ("send", "L-1", "soft_bounce", {"event_id": "sendgrid:ev-blocked", "detail": "SendGrid bounce"}, "sendgrid"),
    ]
    [kept] = door.quarantined()
    assert (kept["source"], kept["reason"]) == (
        "sendgrid", "sendgrid bounce: no lead matches (no cadence Message-ID or token in it)")
    assert json.loads((door.quarantine / kept["file"]).read_bytes())["sg_event_id"] == "ev-stranger"
    # SendGrid's retry of the same batch gives the leads the same event ids: their histories add nothing.
    again = await door.http.post("/webhooks/sendgrid", **sendgrid(batch))
    assert again.status_code == 200 and door.leads.calls[4:] == door.leads.calls[:4]
    assert len(door.quarantined()) == 1


async def test_sendgrid_dropped_events_say_why(door: Door) -> None:
    batch = [{"email": "a@b.example", "event": "dropped", "reason": reason, "sg_event_id": f"d{i}",
              "smtp-id": SENT_TO_L1}
             for i, reason in enumerate(["Bounced Address", "Unsubscribed Address", "Spam Reporting Address",
                                         "Exceeded rate limit"])]
    answer = await door.http.post("/webhooks/sendgrid", **sendgrid(batch))
    assert answer.json() == {"events": 4, "delivered": 3, "quarantined": 0, "ignored": 1}
    assert [c[:3] for c in door.leads.calls] == [("suppress", "a@b.example", "bounced"), ("send", "L-1", "bounce"),
                                                 ("opt_out", "L-1", "sendgrid:d1"), ("opt_out", "L-1", "sendgrid:d2")]


async def test_forged_stale_or_unsigned_sendgrid_batches_change_nothing(door: Door) -> None:
    batch = [{"email": "robin@prospect.example", "event": "bounce", "type": "bounce", "sg_event_id": "x",
              "smtp-id": SENT_TO_L1}]
    other_key = ec.generate_private_key(ec.SECP256R1())
    forged = await door.http.post("/webhooks/sendgrid", **sendgrid(batch, key=other_key))
    assert (forged.status_code, forged.text) == (
        403, "the signature does not match the body (not from SendGrid, or altered)\n")
    genuine = sendgrid(batch)
    altered = await door.http.post("/webhooks/sendgrid", content=genuine["content"].replace(b"bounce", b"bounc3"),
                                   headers=genuine["headers"])
    assert altered.status_code == 403
    stale = await door.http.post("/webhooks/sendgrid", **sendgrid(batch, at=now() - 301))
    assert (stale.status_code, stale.text) == (
        403, "signature timestamp is more than 5 minutes from now (a replay, or a clock to fix)\n")
    unsigned = await door.http.post("/webhooks/sendgrid", content=genuine["content"])
    assert (unsigned.status_code, unsigned.text) == (401, "missing X-Twilio-Email-Event-Webhook-Signature\n")
    garbage = await door.http.post("/webhooks/sendgrid", content=genuine["content"], headers={
        **genuine["headers"], "X-Twilio-Email-Event-Webhook-Signature": "%%% not base64 %%%"})
    assert garbage.status_code == 403
    assert door.leads.calls == [] and door.quarantined() == []
    assert door.gateway.intake.counts["refused"] == 5


# ------------------------------------------------------------------ Postmark


def postmark_bounce(bounce_type: str, **extra: Any) -> dict[str, Any]:
    return {"RecordType": "Bounce", "ID": 4323372036854775807, "Type": bounce_type, "TypeCode": 1,
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Description": "The server was unable to deliver",
            "Details": "smtp;550 5.1.1 user unknown", "Email": "robin@prospect.example", "Inactive": True,
            "BouncedAt": "2027-02-03T15:00:00Z", "MessageStream": "outbound", **extra}


async def test_postmark_records_find_their_lead_by_metadata_or_the_returned_message(door: Door) -> None:
    auth = httpx.BasicAuth(*POSTMARK_AUTH)
    hard = postmark_bounce("HardBounce", Metadata={"cadence_token": lead_token("L-1", SECRET)})
    assert (await door.http.post("/webhooks/postmark", json=hard, auth=auth)).json() == {
        "events": 1, "delivered": 1, "quarantined": 0, "ignored": 0}
    content = f"Received: by mx\r\nMessage-ID: {SENT_TO_L1}\r\nX-Cadence-Token: {lead_token('L-1', SECRET)}\r\n"
    complaint = {**postmark_bounce("SpamComplaint", Content=content), "RecordType": "SpamComplaint", "ID": 77}
    assert (await door.http.post("/webhooks/postmark", json=complaint, auth=auth)).json()["delivered"] == 1
    change = {"RecordType": "SubscriptionChange", "MessageID": "m-1", "ChangedAt": "2027-02-03T15:00:00Z",
              "Recipient": "sam@prospect.example", "Origin": "Recipient", "SuppressSending": True,
              "SuppressionReason": "ManualSuppression", "Metadata": {"cadence_token": lead_token("L-2", SECRET)}}
    assert (await door.http.post("/webhooks/postmark", json=change, auth=auth)).json()["delivered"] == 1
    soft = postmark_bounce("SoftBounce", ID=88, Metadata={"cadence_token": lead_token("L-1", SECRET)})
    assert (await door.http.post("/webhooks/postmark", json=soft, auth=auth)).json()["delivered"] == 1
    delay = postmark_bounce("Transient", ID=89, Metadata={"cadence_token": lead_token("L-1", SECRET)})
    assert (await door.http.post("/webhooks/postmark", json=delay, auth=auth)).json()["ignored"] == 1
    assert door.leads.calls == [
        ("suppress", "robin@prospect.example", "bounced", "postmark:Bounce:4323372036854775807"),
        ("send", "L-1", "bounce", {"event_id": "postmark:Bounce:4323372036854775807",
                                   "detail": "HardBounce The server was unable to deliver"}, "postmark"),
        ("opt_out", "L-1", "postmark:SpamComplaint:77"),
        ("opt_out", "L-2", "postmark:SubscriptionChange:m-1:2027-02-03T15:00:00Z"),
        ("send", "L-1", "soft_bounce", {"event_id": "postmark:Bounce:88",
                                        "detail": "SoftBounce The server was unable to deliver"}, "postmark"),
    ]


async def test_postmark_without_the_right_credential_changes_nothing(door: Door) -> None:
    hard = postmark_bounce("HardBounce", Metadata={"cadence_token": lead_token("L-1", SECRET)})
    missing = await door.http.post("/webhooks/postmark", json=hard)
    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, 'Basic realm="cadence"')
    wrong = await door.http.post("/webhooks/postmark", json=hard, auth=httpx.BasicAuth("postmark", "guess"))
    assert (wrong.status_code, wrong.text) == (403, "wrong basic auth credential\n")
    bearer = await door.http.post("/webhooks/postmark", json=hard, headers={"Authorization": "Bearer pm-pass-1"})
    assert bearer.status_code == 403
    assert door.leads.calls == []


# ------------------------------------------------------------------ Mailgun


def mailgun_failure(severity: str = "permanent", event_id: str = "mg-1", **extra: Any) -> dict[str, Any]:
    return {"event": "failed", "id": event_id, "severity": severity, "reason": "bounce",
            "recipient": "robin@prospect.example", "timestamp": now(),
            "message": {"headers": {"message-id": SENT_TO_L1.strip("<>"), "subject": "Hello"}},
            "delivery-status": {"code": 550, "message": "5.1.1 user unknown", "description": ""}, **extra}


async def test_mailgun_events_are_verified_fresh_and_used_once(door: Door) -> None:
    first = await door.http.post("/webhooks/mailgun", **mailgun(mailgun_failure(), token="a" * 50))
    assert first.status_code == 200 and first.json()["delivered"] == 1
    assert door.leads.calls[1] == ("send", "L-1", "bounce", {"event_id": "mailgun:mg-1",
                                                            "detail": "550 5.1.1 user unknown"}, "mailgun")
    replayed = await door.http.post("/webhooks/mailgun", **mailgun(mailgun_failure(), token="a" * 50))
    assert (replayed.status_code, replayed.text) == (403, "this signature token was already used (a replay)\n")
    stale = await door.http.post("/webhooks/mailgun", **mailgun(mailgun_failure(), token="b" * 50, at=now() - 600))
    assert stale.status_code == 403 and "more than 5 minutes" in stale.text
    forged = await door.http.post("/webhooks/mailgun", **mailgun(mailgun_failure(), token="c" * 50, key="guessed"))
    assert (forged.status_code, forged.text) == (403, "the signature does not match (not from Mailgun, or altered)\n")
    tampered = mailgun(mailgun_failure(), token="d" * 50)
    tampered["json"]["signature"]["token"] = "e" * 50
    assert (await door.http.post("/webhooks/mailgun", **tampered)).status_code == 403
    unsigned = await door.http.post("/webhooks/mailgun", json={"event-data": mailgun_failure()})
    assert unsigned.status_code == 401
    assert len(door.leads.calls) == 2  # only the first, genuine request changed anything


async def test_a_mailgun_retry_after_a_503_is_not_a_replay(door: Door) -> None:
    request = mailgun({"event": "complained", "id": "mg-2", "recipient": "robin@prospect.example",
                       "message": {"headers": {"message-id": SENT_TO_L1}}}, token="f" * 50)
    door.leads.down = 1
    down = await door.http.post("/webhooks/mailgun", **request)
    assert (down.status_code, down.headers["retry-after"]) == (503, "30")
    retried = await door.http.post("/webhooks/mailgun", **request)
    assert retried.status_code == 200 and door.leads.calls == [("opt_out", "L-1", "mailgun:mg-2")]
    temporary = await door.http.post("/webhooks/mailgun", **mailgun(mailgun_failure("temporary", "mg-3"),
                                                                       token="g" * 50))
    assert temporary.json() == {"events": 1, "delivered": 0, "quarantined": 0, "ignored": 1}
    # Retried until Mailgun gave the message up: a soft bounce for the lead, the address not listed.
    gave_up = await door.http.post("/webhooks/mailgun", **mailgun(
        mailgun_failure("permanent", "mg-4", reason="old", **{"delivery-status": {"code": 421, "message": ""}}),
        token="h" * 50))
    assert gave_up.json()["delivered"] == 1
    assert door.leads.calls[1:] == [("send", "L-1", "soft_bounce", {"event_id": "mailgun:mg-4", "detail": "421"},
                                     "mailgun")]


# ------------------------------------------------------------------ Calendly


async def test_a_meeting_booked_through_the_leads_link_reaches_it_once(door: Door) -> None:
    booked = await door.http.post("/webhooks/calendly", **calendly(invitee_created(lead_token("L-1", SECRET))))
    assert booked.json() == {"outcome": "delivered", "lead_id": "L-1", "kind": "meeting_booked", "detail": None}
    assert door.leads.calls == [("send", "L-1", "meeting_booked", {
        "event_id": "calendly:https://api.calendly.com/scheduled_events/E1/invitees/I1",
        "detail": "meeting booked: Intro call at 2027-02-05T16:00:00.000000Z"}, "calendly")]
    # A reschedule: Calendly cancels the old invitee (rescheduled: true) and creates a new one naming it.
    cancel = {"event": "invitee.canceled", "payload": {**invitee_created(lead_token("L-1", SECRET))["payload"],
                                                        "rescheduled": True}}
    assert (await door.http.post("/webhooks/calendly", **calendly(cancel))).json()["outcome"] == "ignored"
    moved = invitee_created(lead_token("L-1", SECRET), uri="https://api.calendly.com/scheduled_events/E2/invitees/I2",
                            old_invitee="https://api.calendly.com/scheduled_events/E1/invitees/I1")
    answer = (await door.http.post("/webhooks/calendly", **calendly(moved))).json()
    assert answer == {"outcome": "ignored", "lead_id": None, "kind": None,
                      "detail": "a rescheduled meeting: booked already (one meeting, not two)"}
    assert len(door.leads.calls) == 1
    stranger = await door.http.post("/webhooks/calendly", **calendly(invitee_created(None)))
    assert stranger.json()["outcome"] == "quarantined"
    forged_token = lead_token("L-1", "another deployment's key")
    assert (await door.http.post("/webhooks/calendly", **calendly(invitee_created(forged_token)))).json()[
        "outcome"] == "quarantined"
    assert len(door.leads.calls) == 1


async def test_the_scheduling_link_in_an_email_carries_the_token_calendly_echoes(door: Door) -> None:
    import re
    from urllib.parse import parse_qs, urlsplit

    from cadence.channels.email import build_email
    from cadence.channels.requests import EmailRequest, Rendered
    from cadence.channels.settings import ChannelSettings

    lead = {"id": "L-1", "email": "robin@prospect.example", "first_name": "Robin"}
    body = Rendered("emails/book.html.j2", '<p>Hi {{ lead.first_name }}, <a href="https://calendly.com/dana/intro'
                                           '?utm_source=cadence&utm_content={{ lead_token }}">pick a time</a>.</p>')
    built = build_email(EmailRequest(workflow_id="lead-L-1", lead=lead, step_id="book", iteration=0, body=body,
                                     subject="A time to talk", context={"lead": lead}, message_id=SENT_TO_L1),
                        ChannelSettings(unsubscribe_secret=SECRET))
    html = built.message.get_body(("html",)).get_content()
    link = re.search(r'href="([^"]+)"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    [token] = parse_qs(urlsplit(link).query)["utm_content"]
    answer = await door.http.post("/webhooks/calendly", **calendly(invitee_created(token)))
    assert answer.json()["lead_id"] == "L-1" and door.leads.calls[0][2] == "meeting_booked"


async def test_unsigned_forged_or_stale_calendly_hooks_change_nothing(door: Door) -> None:
    hook = invitee_created(lead_token("L-1", SECRET))
    forged = await door.http.post("/webhooks/calendly", **calendly(hook, key="not-the-key"))
    assert (forged.status_code, forged.text) == (
        403, "the signature does not match the body (not from Calendly, or altered)\n")
    stale = await door.http.post("/webhooks/calendly", **calendly(hook, at=now() - 3600))
    assert stale.status_code == 403
    missing = await door.http.post("/webhooks/calendly", json=hook)
    assert (missing.status_code, missing.text) == (401, "missing Calendly-Webhook-Signature (t=...,v1=...)\n")
    assert door.leads.calls == [] and door.quarantined() == []


# ------------------------------------------------------------------ POST /events


async def test_a_signed_event_from_a_crm_reaches_the_lead_and_says_what_happened(door: Door) -> None:
    meeting = {"id": "crm-7781", "lead": "L-1", "kind": "meeting", "detail": "demo on Thursday"}
    answer = await door.http.post("/events", **signed_event(meeting))
    assert answer.json() == {"outcome": "delivered", "lead_id": "L-1", "kind": "meeting_booked", "detail": None}
    away = {"id": "crm-7782", "lead": "L-2", "kind": "out_of_office", "until": "2027-02-15"}
    assert (await door.http.post("/events", **signed_event(away))).json()["outcome"] == "delivered"
    assert door.leads.calls == [
        ("send", "L-1", "meeting_booked", {"event_id": "events:crm-7781", "detail": "demo on Thursday"}, "webhook"),
        ("send", "L-2", "out_of_office", {"until": "2027-02-15", "event_id": "events:crm-7782"}, "webhook"),
    ]
    unknown_lead = await door.http.post("/events", **signed_event({"id": "crm-1", "lead": "L-404", "kind": "reply"}))
    assert unknown_lead.status_code == 200 and unknown_lead.json() == {
        "outcome": "quarantined", "lead_id": None, "kind": "reply",
        "detail": "lead L-404 could not take it: lead L-404 is not enrolled"}
    door.leads.down = 1
    down = await door.http.post("/events", **signed_event({"id": "crm-2", "lead": "L-1", "kind": "reply"}))
    assert down.status_code == 503


@pytest.mark.parametrize(("event", "reason"), [
    ({"id": "1", "lead": "L-1", "kind": "party"}, "unknown kind 'party'; expected one of: reply, meeting_booked, "
     "callback_requested, unsubscribe, bounce, lead_updated, out_of_office, soft_bounce"),
    ({"id": "1", "lead": "L-1", "kind": "reply", "leadid": "x"},
     "unknown field 'leadid'; expected: detail, fields, id, kind, lead, until"),
    ({"lead": "L-1", "kind": "reply"}, "'id' must be a string of 1 to 200 characters"),
    ({"id": "1", "lead": "L-1", "kind": "out_of_office", "until": "next week"},
     "'until' must be an ISO date like 2027-02-15"),
    ({"id": "1", "lead": "L-1", "kind": "lead_updated"}, "lead_updated needs 'fields' (the changed lead fields)"),
    (["not", "an", "object"], 'not an event: expected a JSON object like {"id": ..., "lead": ..., "kind": ...}'),
])
async def test_a_signed_body_that_is_not_an_event_is_400_in_one_line(door: Door, event: Any, reason: str) -> None:
    answer = await door.http.post("/events", **signed_event(event))
    assert (answer.status_code, answer.text) == (400, reason + "\n")
    assert door.leads.calls == []


async def test_unsigned_forged_or_stale_events_change_nothing(door: Door) -> None:
    event = {"id": "crm-9", "lead": "L-1", "kind": "unsubscribe"}
    forged = await door.http.post("/events", **signed_event(event, secret="guessed"))
    assert forged.status_code == 403 and forged.text.startswith("X-Cadence-Signature does not match")
    stale = await door.http.post("/events", **signed_event(event, at=now() - 301))
    assert stale.status_code == 403
    # A minute past the tolerance: on a busy machine seconds pass between signing and checking.
    future = await door.http.post("/events", **signed_event(event, at=now() + TOLERANCE_SECONDS + 60))
    assert future.status_code == 403
    genuine = signed_event(event)
    swapped = await door.http.post("/events", content=json.dumps({**event, "lead": "L-2"}).encode(),
                                   headers=genuine["headers"])
    assert swapped.status_code == 403
    no_stamp = await door.http.post("/events", content=genuine["content"], headers={
        "X-Cadence-Signature": genuine["headers"]["X-Cadence-Signature"]})
    assert (no_stamp.status_code, no_stamp.text) == (401, "missing X-Cadence-Timestamp\n")
    bad_stamp = await door.http.post("/events", content=genuine["content"], headers={
        **genuine["headers"], "X-Cadence-Timestamp": "yesterday"})
    assert bad_stamp.status_code == 403  # the signature covers the timestamp
    assert door.leads.calls == []


# ------------------------------------------------------------------ every door


async def test_doors_without_a_key_are_off(tmp_path: Path) -> None:
    gateway = Gateway(GatewayOptions(quarantine_dir=tmp_path / "q"), Leads())  # type: ignore[arg-type]
    async with running(gateway, port=0) as url, httpx.AsyncClient(base_url=url) as http:
        for path, variable in [("/events", "CADENCE_EVENTS_SECRET"),
                               ("/webhooks/sendgrid", "CADENCE_SENDGRID_VERIFICATION_KEY"),
                               ("/webhooks/postmark", "CADENCE_POSTMARK_WEBHOOK_AUTH"),
                               ("/webhooks/mailgun", "CADENCE_MAILGUN_SIGNING_KEY"),
                               ("/webhooks/calendly", "CADENCE_CALENDLY_SIGNING_KEY")]:
            answer = await http.post(path, content=b"{}")
            assert answer.status_code == 404 and answer.text.endswith(f" is off: set {variable}\n"), answer.text


async def test_hostile_bodies_get_a_one_line_4xx(door: Door) -> None:
    huge = await door.http.post("/events", content=b"{" * (64 * 1024 + 1), headers={
        "X-Cadence-Timestamp": str(now()), "X-Cadence-Signature": "sha256=00"})
    assert (huge.status_code, huge.text) == (413, "request body too large\n")
    deep = signed_event({"id": "1", "lead": "L-1", "kind": "reply"})
    deep_body = b"[" * 30_000 + b"]" * 30_000
    mac = hmac.new(EVENTS_SECRET.encode(), deep["headers"]["X-Cadence-Timestamp"].encode() + b"." + deep_body,
                   hashlib.sha256).hexdigest()
    nested = await door.http.post("/events", content=deep_body, headers={**deep["headers"],
                                                                          "X-Cadence-Signature": f"sha256={mac}"})
    assert (nested.status_code, nested.text) == (400, "not JSON: nested too deeply\n")
    not_json = sendgrid([])
    not_json["content"] = b"\xff\xfe not json"
    signature = SENDGRID_KEY.sign(not_json["headers"]["X-Twilio-Email-Event-Webhook-Timestamp"].encode()
                                  + not_json["content"], ec.ECDSA(hashes.SHA256()))
    not_json["headers"]["X-Twilio-Email-Event-Webhook-Signature"] = base64.b64encode(signature).decode()
    answer = await door.http.post("/webhooks/sendgrid", **not_json)
    assert answer.status_code == 400 and answer.text.startswith("not JSON: ") and answer.text.count("\n") == 1
    assert door.leads.calls == []


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
                         ["event", "type", "id", "lead", "kind", "payload", "event-data", "RecordType", "Type",
                          "smtp-id", "Metadata", "tracking", "utm_content", "message", "headers", "sg_event_id",
                          "severity", "until", "fields", "detail", "x"]) | st.text(max_size=8), inner, max_size=5),
                     max_leaves=25)


@settings(max_examples=60, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(value=_JSON, junk=st.binary(max_size=200), use_junk=st.booleans())
def test_genuinely_signed_garbage_is_2xx_or_a_one_line_4xx(tmp_path: Path, value: Any, junk: bytes,
                                                         use_junk: bool) -> None:
    body = junk if use_junk else json.dumps(value).encode()
    leads = Leads()
    options = GatewayOptions(unsubscribe_secret=SECRET, quarantine_dir=tmp_path / "quarantine",
                             sendgrid_verification_key=SENDGRID_PUBLIC, postmark_webhook_auth=":".join(POSTMARK_AUTH),
                             mailgun_signing_key=MAILGUN_KEY, calendly_signing_key=CALENDLY_KEY,
                             events_secret=EVENTS_SECRET)
    app = build_app(Gateway(options, leads))  # type: ignore[arg-type]
    stamp = str(now())
    requests = {
        "/events": {"X-Cadence-Timestamp": stamp, "X-Cadence-Signature": "sha256=" + hmac.new(
            EVENTS_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()},
        "/webhooks/sendgrid": {"X-Twilio-Email-Event-Webhook-Timestamp": stamp,
                               "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(SENDGRID_KEY.sign(
                                   stamp.encode() + body, ec.ECDSA(hashes.SHA256()))).decode()},
        "/webhooks/postmark": {"Authorization": "Basic " + base64.b64encode(":".join(POSTMARK_AUTH).encode()).decode()},
        "/webhooks/calendly": {"Calendly-Webhook-Signature": f"t={stamp},v1=" + hmac.new(
            CALENDLY_KEY.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()},
        "/webhooks/mailgun": {},  # its signature is inside the body: random bodies carry none
    }

    async def post_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway") as http:
            return [await http.post(path, content=body, headers=headers) for path, headers in requests.items()]

    for answer in asyncio.run(post_all()):
        assert answer.status_code in (200, 400, 401, 413), (answer.request.url.path, answer.status_code, answer.text)
        if answer.status_code != 200:
            assert answer.text.endswith("\n") and answer.text.count("\n") == 1
        else:
            answer.json()
    assert all(call[1] in leads.enrolled or call[0] == "suppress" for call in leads.calls)


def test_one_time_tokens_are_forgotten_after_the_window_and_the_guard_stays_bounded() -> None:
    from cadence.gateway.webhooks.verify import ReplayGuard

    guard = ReplayGuard(window=300, limit=3)
    guard.remember("a", now=1000.0)
    assert guard.seen("a", now=1299.0) and not guard.seen("a", now=1301.0)
    for token in "bcde":
        guard.remember(token, now=2000.0)
    assert [guard.seen(t, now=2001.0) for t in "bcde"] == [False, True, True, True]
