"""From verified provider events to leads' histories, the way inbound mail goes (:mod:`cadence.gateway.intake`).

Every provider module turns its payload into :class:`ProviderEvent` values and
hands them to :func:`answer`, which finds each event's lead (the lead a signed
request names; else cadence's own Message-ID, which providers echo; else a
signed lead token the provider echoes from a custom header or argument; else,
only where sender matching is on, the one running lead with the event's
address), gives
it the event through :meth:`Intake.deliver <cadence.gateway.intake.Intake.deliver>`
and answers: 200 once every event was taken, ignored or quarantined; 503 while
Temporal is unreachable (the provider retries the whole request and events
already taken add nothing, since each carries its provider's id); the
refusal's status when the request did not prove where it came from. An event
that should move a lead but matches none is kept in the quarantine as JSON for
a person, never dropped; events with nothing to act on (delivered, opened) are
counted and ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from cadence import client as api
from cadence.gateway.intake import Intake, Taken, lead_of
from cadence.gateway.webhooks.verify import Refused

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProviderEvent:
    """One event a provider reported, in cadence's terms."""

    source: str
    """Who reported it (``sendgrid``, ``postmark``, ``mailgun``, ``calendly``, ``webhook``): the history's ``by``."""
    event_id: str
    """The provider's id for it, prefixed with the source: a redelivery adds nothing to the lead's history."""
    kind: str | None
    """The lead event it means (``bounce``, ``unsubscribe``, ``meeting_booked``, ...); ``None``: nothing to act on."""
    why: str = ""
    """Why nothing is done, when ``kind`` is ``None``."""
    lead_id: str | None = None
    """The lead, when the signed request names it (``POST /events``)."""
    message_ids: tuple[str, ...] = ()
    """``<Message-ID>`` values of the message the event is about (cadence's carry the lead's workflow id)."""
    tokens: tuple[str, ...] = ()
    """Lead tokens the provider echoed (unverified; only genuine ones name a lead)."""
    address: str = ""
    """The lead's address the event is about (the recipient; a meeting's invitee), for sender matching."""
    bounced: str = ""
    """The address that bounced for good (it goes on the do-not-contact list)."""
    detail: str = ""
    """What happened, in the provider's words (the lead's history shows it)."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """More event data (``until`` of an out-of-office, ``fields`` of a lead update)."""
    raw: Any = None
    """The event as received (a JSON value), kept in the quarantine when no lead takes it."""


def event_id(source: str, given: Any, raw: Any) -> str:
    """``source:<provider id>``, or ``source:sha256:<hash of the event>`` when the provider gave none."""
    text = " ".join(str(given).split())[:200] if given not in (None, "") else ""
    if text:
        return f"{source}:{text}"
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str).encode()
    return f"{source}:sha256:{hashlib.sha256(canonical).hexdigest()[:32]}"


def angle(message_id: Any) -> str:
    """A Message-ID with its angle brackets (providers echo it with or without)."""
    text = str(message_id or "").strip()
    if not text or len(text) > 998:
        return ""
    return text if text.startswith("<") else f"<{text}>"


async def take(intake: Intake, event: ProviderEvent) -> Taken:
    """Give ``event`` to its lead, or keep it, or ignore it (counted like inbound mail).

    Raises:
        api.Unreachable: nothing more was recorded; answer "try again".
    """
    taken = await _take(intake, event)
    intake.count(taken, event.source)
    return taken


async def _take(intake: Intake, event: ProviderEvent) -> Taken:
    if event.kind is None:
        return Taken("ignored", detail=event.why)
    lead_id = event.lead_id or lead_of(event.message_ids, event.tokens, intake.secret)
    if not lead_id and intake.contacts is not None and event.address:
        lead_id, unmatched = await intake.lead_by_address([event.address], "the event's", intake.contacts)
        if not lead_id:
            return _keep(intake, event, unmatched)
    if not lead_id:
        return _keep(intake, event, "no lead matches (no cadence Message-ID or token in it)")
    data: dict[str, Any] = {**event.data, "event_id": event.event_id}
    if event.detail:
        data["detail"] = event.detail
    bounced = [(event.bounced, f"lead {lead_id}: {event.detail}")] if event.bounced else []
    try:
        await intake.deliver(lead_id, event.kind, data, event.source, bounced=bounced)
    except api.Unreachable:
        raise
    except api.ActionRefused as exc:
        return _keep(intake, event, f"lead {lead_id} could not take it: {exc}")
    return Taken("delivered", lead_id, event.kind)


def _keep(intake: Intake, event: ProviderEvent, reason: str) -> Taken:
    raw = json.dumps(event.raw, sort_keys=True, ensure_ascii=False, default=str).encode()
    intake.quarantine.keep(raw, f"{event.source} {event.kind}: {reason}", event.source, suffix=".json")
    _log.info("%s event quarantined: %s", event.source, reason)
    return Taken("quarantined", kind=event.kind or "", detail=reason)


Read = Callable[[Request], Awaitable[Sequence[ProviderEvent]]]


async def answer(request: Request, source: str, read: Read, *, single: bool = False,
                 taken: Callable[[], None] | None = None) -> Response:
    """Verify and read a webhook with ``read``, give its events to their leads, and answer.

    Args:
        request: the webhook request.
        source: the provider (counts and logs).
        read: checks the request's proof and turns its body into events; raises :class:`Refused`.
        single: answer with the one event's outcome (``POST /events``, Calendly) rather than a summary.
        taken: called once every event was taken (Mailgun remembers the request's one-time token).
    """
    intake: Intake = request.app.state.gateway.intake
    try:
        events = await read(request)
    except Refused as exc:
        if exc.status != 404:  # a door that is off refuses nothing it was meant to take
            intake.counts["refused"] += 1
        _log.info("%s webhook refused (%s): %s", source, exc.status, exc.reason)
        headers = {"WWW-Authenticate": 'Basic realm="cadence"'} if exc.status == 401 and source == "postmark" else None
        return PlainTextResponse(exc.reason + "\n", status_code=exc.status, headers=headers)
    outcomes: list[Taken] = []
    try:
        for event in events:
            outcomes.append(await take(intake, event))
    except api.Unreachable:
        intake.counts["refused"] += 1
        return PlainTextResponse("cannot record the events right now; try again\n", status_code=503,
                                 headers={"Retry-After": "30"})
    if taken is not None:
        taken()
    if single and len(outcomes) == 1:
        one = outcomes[0]
        return JSONResponse({"outcome": one.outcome, "lead_id": one.lead_id or None, "kind": one.kind or None,
                             "detail": one.detail or None})
    summary = {"events": len(outcomes)}
    for outcome in ("delivered", "quarantined", "ignored"):
        summary[outcome] = sum(t.outcome == outcome for t in outcomes)
    return JSONResponse(summary)


def door_off(name: str, variable: str) -> Refused:
    """The refusal of a door whose key is not configured (404: nothing listens here)."""
    return Refused(404, f"{name} is off: set {variable}")


__all__ = ["ProviderEvent", "Read", "angle", "answer", "door_off", "event_id", "take"]
