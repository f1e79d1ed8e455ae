"""``POST /webhooks/mailgun``: Mailgun's event webhooks (permanent failures, complaints, unsubscribes).

Mailgun signs every event: ``signature.signature`` is the hex HMAC-SHA256 of
``signature.timestamp + signature.token`` with the HTTP webhook signing key
(``mailgun_signing_key``). The gateway refuses a timestamp more than five
minutes from its clock and a token it has already taken within that window
(a replay); the token is remembered only once the event was taken, so
Mailgun's retry after a 503 is no replay. The lead is found by the
``Message-ID`` cadence gave the email (Mailgun echoes it in
``message.headers.message-id``) or a ``cadence_token`` user variable (cadence
sends ``X-Mailgun-Variables: {"cadence_token":"<token>"}`` when ``smtp_service``
is ``mailgun``).

=========================================================  =================================
Mailgun event                                              lead event
=========================================================  =================================
``failed``, ``severity: permanent``                        ``bounce`` (address listed)
``failed``, permanent, ``reason: old`` or ``espblock``     ``soft_bounce`` (Mailgun gave the message
                                                           up; the address is not known bad)
``failed`` for a suppressed unsubscribe or complaint       ``unsubscribe``
``complained``, ``unsubscribed``                           ``unsubscribe`` (the lead is opted out)
``failed``, ``severity: temporary``; anything else         ignored
=========================================================  =================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cadence.channels.service_tags import TOKEN_KEY
from cadence.gateway.webhooks.delivery import ProviderEvent, angle, answer, door_off, event_id
from cadence.gateway.webhooks.verify import (
    Refused,
    ReplayGuard,
    fresh,
    hmac_hex,
    json_body,
    read_body,
    same,
    text,
)

SOURCE = "mailgun"
MAX_BODY = 1024 * 1024
"""Mailgun posts one event per request."""
GAVE_UP = frozenset({"old", "espblock"})
"""Permanent-failure reasons about the message, not the address: retried too long, or blocked by the receiver."""


async def mailgun_events(request: Request) -> Response:
    """Take one signed Mailgun event."""
    guard = _guard(request)
    used: list[str] = []

    async def read(request: Request) -> Sequence[ProviderEvent]:
        events, token = await _read(request, guard)
        used.append(token)
        return events

    def taken() -> None:
        for token in used:
            guard.remember(token)

    return await answer(request, SOURCE, read, taken=taken)


def _guard(request: Request) -> ReplayGuard:
    state = request.app.state
    if not hasattr(state, "mailgun_tokens"):
        state.mailgun_tokens = ReplayGuard()
    return state.mailgun_tokens


async def _read(request: Request, guard: ReplayGuard) -> tuple[list[ProviderEvent], str]:
    key = request.app.state.gateway.options.mailgun_signing_key
    if not key:
        raise door_off("Mailgun webhooks", "CADENCE_MAILGUN_SIGNING_KEY")
    # Mailgun puts the signature inside the JSON body: it is parsed (bounded) before it is verified,
    # and nothing in it is read before the signature matched.
    payload = json_body(await read_body(request, MAX_BODY))
    signed = payload.get("signature") if isinstance(payload, dict) else None
    if not isinstance(signed, dict):
        raise Refused(401, "missing signature (Mailgun's JSON webhook body has one)")
    timestamp, token, signature = (signed.get(name) for name in ("timestamp", "token", "signature"))
    if not all(isinstance(v, (str, int)) and str(v) for v in (timestamp, token, signature)):
        raise Refused(401, "incomplete signature: timestamp, token and signature are needed")
    timestamp, token, signature = str(timestamp), str(token)[:200], str(signature)[:200]
    if not same(signature, hmac_hex(key, f"{timestamp}{token}".encode())):
        raise Refused(403, "the signature does not match (not from Mailgun, or altered)")
    fresh(timestamp)
    if guard.seen(token):
        raise Refused(403, "this signature token was already used (a replay)")
    data = payload.get("event-data")
    if not isinstance(data, dict):
        raise Refused(400, "no event-data object")
    return [event(data)], token


def event(data: dict[str, Any]) -> ProviderEvent:
    """One Mailgun event in cadence's terms."""
    name = text(data.get("event"), 40)
    kind, why = _meaning(name, text(data.get("severity"), 20), text(data.get("reason"), 60))
    message = data.get("message")
    headers = message.get("headers") if isinstance(message, dict) else None
    message_id = angle(headers.get("message-id")) if isinstance(headers, dict) else ""
    variables = data.get("user-variables")
    token = variables.get(TOKEN_KEY) if isinstance(variables, dict) else None
    status = data.get("delivery-status")
    detail = ""
    if isinstance(status, dict):
        detail = " ".join(filter(None, [text(status.get("code"), 10),
                                        text(status.get("description") or status.get("message"))]))
    return ProviderEvent(
        source=SOURCE, event_id=event_id(SOURCE, data.get("id"), data), kind=kind, why=why,
        message_ids=(message_id,) if message_id else (), tokens=(token,) if isinstance(token, str) else (),
        address=text(data.get("recipient"), 320), bounced=text(data.get("recipient"), 320) if kind == "bounce" else "",
        detail=detail[:500] or f"Mailgun {name}", raw=data)


def _meaning(name: str, severity: str, reason: str) -> tuple[str | None, str]:
    if name in ("complained", "unsubscribed"):
        return "unsubscribe", ""
    if name == "failed":
        if severity != "permanent":
            return None, "a temporary failure: Mailgun keeps trying"
        if reason in ("suppress-unsubscribe", "suppress-complaint"):
            return "unsubscribe", ""
        if reason in GAVE_UP:
            return "soft_bounce", ""
        return "bounce", ""
    return None, f"nothing to act on ({name or 'no event name'})"


__all__ = ["mailgun_events"]
