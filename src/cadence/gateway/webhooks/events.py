"""``POST /events``: any event a cadence handles, signed by a CRM, a scheduler or another tool.

The body is one JSON object::

    {"id": "crm-7781", "lead": "L-1", "kind": "meeting_booked", "detail": "demo on Thursday"}

``id`` is the sender's id of the event (the same id twice adds nothing to the
lead's history), ``lead`` the lead's id, ``kind`` one of the events a cadence
handles (``reply``, ``meeting_booked``, ``callback_requested``,
``unsubscribe``, ``bounce``, ``lead_updated``, ``out_of_office``; aliases like
``meeting`` too). Optional: ``detail`` (text the lead's history shows),
``until`` (an ``out_of_office`` return date, ISO) and ``fields`` (the changed
fields of a ``lead_updated``).

The sender signs it with the shared ``events_secret``::

    X-Cadence-Timestamp: <unix seconds>
    X-Cadence-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">

A timestamp more than five minutes from the gateway's clock is refused (a
replay). The answer is 200 with what became of the event (``delivered``, or
``quarantined`` with why when the lead cannot take it), 503 while Temporal is
unreachable, 4xx with a one-line reason for a request that is not signed
right or not an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cadence import ir
from cadence.client import EVENT_ALIASES
from cadence.gateway.webhooks.delivery import ProviderEvent, answer, door_off
from cadence.gateway.webhooks.verify import Refused, fresh, hmac_hex, json_body, read_body, same

SOURCE = "webhook"
SIGNATURE = "X-Cadence-Signature"
TIMESTAMP = "X-Cadence-Timestamp"
MAX_BODY = 64 * 1024
FIELDS = frozenset({"id", "lead", "kind", "detail", "until", "fields"})


def sign(secret: str, timestamp: int | str, body: bytes) -> dict[str, str]:
    """The headers that sign ``body`` for ``POST /events`` (for senders written in Python, and tests)."""
    return {TIMESTAMP: str(timestamp), SIGNATURE: "sha256=" + hmac_hex(secret, f"{timestamp}.".encode() + body)}


async def events(request: Request) -> Response:
    """Take one signed event."""
    return await answer(request, SOURCE, _read, single=True)


async def _read(request: Request) -> Sequence[ProviderEvent]:
    secret = request.app.state.gateway.options.events_secret
    if not secret:
        raise door_off("POST /events", "CADENCE_EVENTS_SECRET")
    timestamp, signature = request.headers.get(TIMESTAMP, "")[:40], request.headers.get(SIGNATURE, "")[:200]
    if not timestamp or not signature:
        raise Refused(401, f"missing {SIGNATURE if not signature else TIMESTAMP}")
    body = await read_body(request, MAX_BODY)
    expected = "sha256=" + hmac_hex(secret, timestamp.encode() + b"." + body)
    if not same(signature, expected):
        raise Refused(403, f"{SIGNATURE} does not match (sha256=<hex HMAC-SHA256 of \"<timestamp>.<body>\">)")
    fresh(timestamp)
    return [event(json_body(body))]


def event(given: Any) -> ProviderEvent:
    """The event of a verified body.

    Raises:
        Refused: 400 (one line) when it is not an event a lead can take.
    """
    if not isinstance(given, dict):
        raise Refused(400, 'not an event: expected a JSON object like {"id": ..., "lead": ..., "kind": ...}')
    unknown = sorted(set(given) - FIELDS)
    if unknown:
        raise Refused(400, f"unknown field {unknown[0]!r}; expected: {', '.join(sorted(FIELDS))}")
    for name in ("id", "lead", "kind"):
        value = given.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise Refused(400, f"{name!r} must be a string of 1 to 200 characters")
    kind = given["kind"].strip().replace("-", "_")
    kind = EVENT_ALIASES.get(kind, kind)
    if kind not in ir.SYSTEM_EVENT_KINDS:
        raise Refused(400, f"unknown kind {given['kind']!r}; expected one of: {', '.join(ir.SYSTEM_EVENT_KINDS)}")
    data: dict[str, Any] = {}
    detail = given.get("detail", "")
    if not isinstance(detail, str):
        raise Refused(400, "'detail' must be a string")
    if "until" in given:
        try:
            data["until"] = date.fromisoformat(str(given["until"])).isoformat()
        except ValueError:
            raise Refused(400, "'until' must be an ISO date like 2027-02-15") from None
    if "fields" in given:
        if kind != "lead_updated" or not isinstance(given["fields"], dict):
            raise Refused(400, "'fields' must be an object, and only with kind lead_updated")
        data["fields"] = given["fields"]
    elif kind == "lead_updated":
        raise Refused(400, "lead_updated needs 'fields' (the changed lead fields)")
    return ProviderEvent(source=SOURCE, event_id=f"events:{given['id'].strip()}", kind=kind,
                         lead_id=given["lead"].strip(), detail=" ".join(detail.split())[:500], data=data, raw=given)


__all__ = ["SIGNATURE", "TIMESTAMP", "events", "sign"]
