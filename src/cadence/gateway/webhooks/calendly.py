"""``POST /webhooks/calendly``: a lead booked a meeting through a Calendly link (``invitee.created``).

Calendly signs ``t + "." + body`` with HMAC-SHA256 and the subscription's
signing key (``calendly_signing_key``) and sends
``Calendly-Webhook-Signature: t=<unix time>,v1=<hex>``; a ``t`` more than five
minutes from the gateway's clock is refused. The lead is found by its signed
token in the scheduling link's ``utm_content`` parameter, which Calendly echoes
as ``payload.tracking.utm_content``: link to
``https://calendly.com/you/intro?utm_content={{ lead_token }}`` in a template.

A reschedule reaches Calendly's subscribers as ``invitee.canceled`` (with
``rescheduled: true``) and an ``invitee.created`` naming the ``old_invitee``:
one meeting, not two, so neither is given to the lead again. A plain
cancellation is ignored too (cadence has no event for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cadence.gateway.webhooks.delivery import ProviderEvent, answer, door_off, event_id
from cadence.gateway.webhooks.verify import Refused, fresh, hmac_hex, json_body, read_body, same, text

SOURCE = "calendly"
SIGNATURE = "Calendly-Webhook-Signature"
MAX_BODY = 256 * 1024


async def calendly_events(request: Request) -> Response:
    """Take one signed Calendly webhook."""
    return await answer(request, SOURCE, _read, single=True)


def parse_signature(header: str) -> tuple[str, str]:
    """``(t, v1)`` of a ``t=...,v1=...`` header; empty strings for what is missing."""
    parts = dict(item.strip().partition("=")[::2] for item in header.split(",")[:10])
    return parts.get("t", ""), parts.get("v1", "")


async def _read(request: Request) -> Sequence[ProviderEvent]:
    key = request.app.state.gateway.options.calendly_signing_key
    if not key:
        raise door_off("Calendly webhooks", "CADENCE_CALENDLY_SIGNING_KEY")
    timestamp, signature = parse_signature(request.headers.get(SIGNATURE, "")[:500])
    if not timestamp or not signature:
        raise Refused(401, f"missing {SIGNATURE} (t=...,v1=...)")
    body = await read_body(request, MAX_BODY)
    if not same(signature, hmac_hex(key, timestamp.encode() + b"." + body)):
        raise Refused(403, "the signature does not match the body (not from Calendly, or altered)")
    fresh(timestamp)
    hook = json_body(body)
    if not isinstance(hook, dict) or not isinstance(hook.get("payload"), dict):
        raise Refused(400, "not a Calendly webhook (a JSON object with a payload)")
    return [event(hook)]


def event(hook: dict[str, Any]) -> ProviderEvent:
    """One Calendly webhook in cadence's terms."""
    name = text(hook.get("event"), 60)
    payload: dict[str, Any] = hook["payload"]
    tracking = payload.get("tracking")
    token = tracking.get("utm_content") if isinstance(tracking, dict) else None
    kind: str | None = None
    why = f"nothing to act on ({name or 'no event name'})"
    if name == "invitee.created":
        if payload.get("old_invitee"):
            why = "a rescheduled meeting: booked already (one meeting, not two)"
        else:
            kind, why = "meeting_booked", ""
    elif name == "invitee.canceled":
        why = ("a reschedule's cancellation (one meeting, not two)" if payload.get("rescheduled")
               else "a cancelled meeting: cadence has no event for it")
    scheduled = payload.get("scheduled_event")
    detail = "meeting booked"
    if isinstance(scheduled, dict):
        detail = " ".join(filter(None, ["meeting booked:", text(scheduled.get("name"), 200),
                                        f"at {text(scheduled.get('start_time'), 40)}"
                                        if scheduled.get("start_time") else ""]))
    return ProviderEvent(
        source=SOURCE, event_id=event_id(SOURCE, payload.get("uri"), hook), kind=kind, why=why,
        tokens=(token,) if isinstance(token, str) else (), address=text(payload.get("email"), 320), detail=detail,
        raw=hook)


__all__ = ["SIGNATURE", "calendly_events", "parse_signature"]
