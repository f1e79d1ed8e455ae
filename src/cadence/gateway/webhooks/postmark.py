"""``POST /webhooks/postmark``: Postmark's bounce, spam-complaint and subscription-change webhooks.

Postmark authenticates its webhooks with HTTP basic auth only: put the
credential in the webhook URL (``https://user:password@gateway.example.com/webhooks/postmark``)
and the same ``user:password`` in ``postmark_webhook_auth``; it is compared in
constant time before the body is read. Postmark signs nothing and sends no
timestamp, so a captured request could be sent again: every event carries
Postmark's id, so a replay adds nothing to the lead's history.

Postmark's own ``MessageID`` is not cadence's; the lead is found by a
``cadence_token`` metadata value (cadence sends the header
``X-PM-Metadata-cadence_token: <token>`` when ``smtp_service`` is ``postmark``),
or by cadence's Message-ID or ``X-Cadence-Token`` in the returned message when
"include bounce content" is on.

==========================================================  ====================================
Postmark record                                             lead event
==========================================================  ====================================
``Bounce`` of type ``HardBounce``, ``BadEmailAddress``,      ``bounce`` (address listed)
``ManuallyDeactivated``
``Bounce`` of type ``SpamComplaint``, ``Unsubscribe``;      ``unsubscribe`` (the lead is opted out)
``SpamComplaint``
``SubscriptionChange`` suppressing (``HardBounce``)         ``bounce`` (address listed)
``SubscriptionChange`` suppressing (complaint, manual)      ``unsubscribe``
``Bounce`` of type ``SoftBounce``, ``DnsError``, ``Blocked``  ``soft_bounce`` (counted; the cadence's
                                                            ``inbound.soft_bounces`` of them are a bounce)
other bounce types (transient delays, auto-responder ...),  ignored
``Delivery``, ``Open``, ``Click``, reactivations
==========================================================  ====================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cadence.channels.service_tags import TOKEN_KEY
from cadence.gateway.webhooks.delivery import ProviderEvent, answer, door_off, event_id
from cadence.gateway.webhooks.verify import Refused, basic_auth_ok, json_body, read_body, text

SOURCE = "postmark"
MAX_BODY = 1024 * 1024
"""Postmark posts one record per request; the bounce content it may include is the largest part."""
HARD = frozenset({"HardBounce", "BadEmailAddress", "ManuallyDeactivated"})
"""Bounce types after which Postmark sends to the address no more."""
OPT_OUT = frozenset({"SpamComplaint", "Unsubscribe"})
SOFT = frozenset({"SoftBounce", "DnsError", "Blocked"})
"""Bounce types after which this message was given up, though the address may work another day."""

_MESSAGE_ID = re.compile(r"<[^<>\s@]{1,500}@[^<>\s@]{1,255}>")
_TOKEN = re.compile(r"^X-Cadence-Token:[ \t]*([a-z2-7]+-[0-9a-f]{20})\s*$", re.IGNORECASE | re.MULTILINE)


async def postmark_events(request: Request) -> Response:
    """Take one Postmark webhook record."""
    return await answer(request, SOURCE, _read)


async def _read(request: Request) -> Sequence[ProviderEvent]:
    credential = request.app.state.gateway.options.postmark_webhook_auth
    if not credential:
        raise door_off("Postmark webhooks", "CADENCE_POSTMARK_WEBHOOK_AUTH")
    given = request.headers.get("authorization", "")
    if not given:
        raise Refused(401, "missing basic auth (put user:password in the webhook URL)")
    if not basic_auth_ok(given, credential):
        raise Refused(403, "wrong basic auth credential")
    record = json_body(await read_body(request, MAX_BODY))
    if not isinstance(record, dict):
        raise Refused(400, "not a Postmark webhook record (a JSON object)")
    return [event(record)]


def event(record: dict[str, Any]) -> ProviderEvent:
    """One Postmark record in cadence's terms."""
    record_type = text(record.get("RecordType"), 40)
    kind, why = _meaning(record_type, record)
    metadata = record.get("Metadata")
    token = metadata.get(TOKEN_KEY) if isinstance(metadata, dict) else None
    content = record.get("Content")
    content = content[:MAX_BODY] if isinstance(content, str) else ""
    given_id = record.get("ID")
    if given_id in (None, "") and record_type == "SubscriptionChange":
        given_id = f"{text(record.get('MessageID'), 100)}:{text(record.get('ChangedAt'), 40)}"
    address = text(record.get("Email") or record.get("Recipient"), 320)
    return ProviderEvent(
        source=SOURCE, event_id=event_id(SOURCE, f"{record_type}:{given_id}" if given_id not in (None, "") else "",
                                         record),
        kind=kind, why=why,
        message_ids=tuple(dict.fromkeys(_MESSAGE_ID.findall(content)))[:20],
        tokens=tuple(filter(None, [token if isinstance(token, str) else "", *_TOKEN.findall(content)[:5]])),
        address=address, bounced=address if kind == "bounce" else "",
        detail=" ".join(filter(None, [text(record.get("Type") or record.get("SuppressionReason"), 40),
                                      text(record.get("Description") or record.get("Details"))]))[:500]
        or f"Postmark {record_type}",
        raw=record)


def _meaning(record_type: str, record: dict[str, Any]) -> tuple[str | None, str]:
    if record_type == "SpamComplaint":
        return "unsubscribe", ""
    if record_type == "Bounce":
        bounce_type = text(record.get("Type"), 40)
        if bounce_type in HARD:
            return "bounce", ""
        if bounce_type in OPT_OUT:
            return "unsubscribe", ""
        if bounce_type in SOFT:
            return "soft_bounce", ""
        return None, f"a {bounce_type or 'untyped'} bounce: nothing to act on (neither hard nor soft)"
    if record_type == "SubscriptionChange":
        if record.get("SuppressSending") is not True:
            return None, "a reactivation: cadence lifts no opt-out by itself (cadence suppress remove)"
        if text(record.get("SuppressionReason"), 40) == "HardBounce":
            return "bounce", ""
        return "unsubscribe", ""
    return None, f"nothing to act on ({record_type or 'no RecordType'})"


__all__ = ["postmark_events"]
