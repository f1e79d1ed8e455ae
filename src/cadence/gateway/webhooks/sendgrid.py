"""``POST /webhooks/sendgrid``: SendGrid's Signed Event Webhook (bounces, drops, complaints, unsubscribes).

SendGrid signs ``timestamp + body`` with ECDSA (P-256, SHA-256) and sends the
signature in ``X-Twilio-Email-Event-Webhook-Signature`` and the timestamp in
``X-Twilio-Email-Event-Webhook-Timestamp``; the gateway verifies it with the
public key set as ``sendgrid_verification_key`` before it reads the batch.
Each event is matched by ``smtp-id`` (the Message-ID cadence gave the email,
which SendGrid echoes) or a ``cadence_token`` custom argument (cadence sends it
in ``X-SMTPAPI`` when ``smtp_service`` is ``sendgrid``).

========================================  ==========================================
SendGrid event                            lead event
========================================  ==========================================
``bounce`` (``type: bounce``)             ``bounce`` (address listed)
``bounce`` (``type: blocked``)            ``soft_bounce`` (counted; the cadence's
                                          ``inbound.soft_bounces`` of them are a bounce)
``dropped`` (bounced or invalid address)  ``bounce`` (address listed)
``dropped`` (unsubscribed or complained)  ``unsubscribe``
``spamreport``                            ``unsubscribe`` (the lead is opted out)
``unsubscribe``, ``group_unsubscribe``    ``unsubscribe``
``deferred``; anything else (delivered,   ignored (SendGrid is still trying, or
open, ...)                                nothing to act on)
========================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cadence.channels.service_tags import TOKEN_KEY
from cadence.gateway.webhooks.delivery import ProviderEvent, angle, answer, door_off, event_id
from cadence.gateway.webhooks.verify import Refused, ecdsa_ok, fresh, json_body, public_key, read_body, text

SOURCE = "sendgrid"
SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
MAX_EVENTS = 10_000
"""Most events read from one batch (SendGrid sends up to about a thousand)."""


async def sendgrid_events(request: Request) -> Response:
    """Take one signed batch of SendGrid events."""
    return await answer(request, SOURCE, _read)


async def _read(request: Request) -> Sequence[ProviderEvent]:
    key_text = request.app.state.gateway.options.sendgrid_verification_key
    if not key_text:
        raise door_off("SendGrid events", "CADENCE_SENDGRID_VERIFICATION_KEY")
    try:
        key = public_key(key_text)
    except ValueError:
        # Answered 500 so that SendGrid keeps the batch and retries once the setting is fixed.
        raise Refused(500, "CADENCE_SENDGRID_VERIFICATION_KEY is not an ECDSA public key") from None
    signature, timestamp = request.headers.get(SIGNATURE, ""), request.headers.get(TIMESTAMP, "")
    if not signature or not timestamp:
        raise Refused(401, f"missing {SIGNATURE if not signature else TIMESTAMP}")
    body = await read_body(request)
    if not ecdsa_ok(key, timestamp.encode() + body, signature):
        raise Refused(403, "the signature does not match the body (not from SendGrid, or altered)")
    fresh(timestamp)
    batch = json_body(body)
    if not isinstance(batch, list) or not all(isinstance(item, dict) for item in batch):
        raise Refused(400, "not a SendGrid event batch (a JSON array of objects)")
    if len(batch) > MAX_EVENTS:
        raise Refused(413, f"more than {MAX_EVENTS} events in one batch")
    return [event(item) for item in batch]


def event(item: dict[str, Any]) -> ProviderEvent:
    """One SendGrid event in cadence's terms."""
    name = text(item.get("event"), 40)
    reason = text(item.get("reason"))
    kind, why = _meaning(name, text(item.get("type"), 40).lower(), reason.lower())
    token = item.get(TOKEN_KEY)
    return ProviderEvent(
        source=SOURCE, event_id=event_id(SOURCE, item.get("sg_event_id"), item), kind=kind, why=why,
        message_ids=tuple(filter(None, [angle(item.get("smtp-id"))])),
        tokens=(token,) if isinstance(token, str) else (),
        address=text(item.get("email"), 320), bounced=text(item.get("email"), 320) if kind == "bounce" else "",
        detail=" ".join(filter(None, [text(item.get("status"), 20), reason])) or f"SendGrid {name}",
        raw=item)


def _meaning(name: str, bounce_type: str, reason: str) -> tuple[str | None, str]:
    if name == "bounce":
        # A block is about this message (content, reputation), not the address: SendGrid gives it up.
        return ("soft_bounce" if bounce_type == "blocked" else "bounce"), ""
    if name == "dropped":
        if "unsubscribe" in reason or "spam" in reason:
            return "unsubscribe", ""
        if "bounce" in reason or "invalid" in reason:
            return "bounce", ""
        return None, "dropped for a reason that says nothing about the address"
    if name in ("spamreport", "unsubscribe", "group_unsubscribe"):
        return "unsubscribe", ""
    if name == "deferred":
        return None, "a delay: SendGrid keeps trying"
    return None, f"nothing to act on ({name or 'no event name'})"


__all__ = ["SIGNATURE", "TIMESTAMP", "sendgrid_events"]
