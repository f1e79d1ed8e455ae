"""Inbound mail, from bytes to a lead's history: classify, find the lead, give it the event, or quarantine.

Used by the SMTP listener and by ``POST /inbound/mime`` alike. Matching, in
order: the thread's Message-IDs against cadence's own (a bounce: the returned
message's), then a signed cadence token in the message, then (only where
``inbound_match_sender`` is on) the one running lead with the sender's address
(a bounce: the failed recipient's). What matches no lead,
or a lead that can no longer take it, is kept in the quarantine for a person
(``cadence event`` routes it); nothing is dropped except receipts, which carry
nothing to act on. The same message twice adds nothing: its Message-ID is the
event's id.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from cadence import client as api
from cadence import metrics
from cadence.channels.ids import workflow_of_message_id
from cadence.channels.signing import lead_of_token
from cadence.contacts import ContactKeys
from cadence.gateway.inbound import Bounce, BouncedRecipient, InboundError, OutOfOffice, Reply, classify
from cadence.gateway.leads import LeadPort
from cadence.gateway.quarantine import Quarantine
from cadence.vocabulary import lead_id_of_workflow

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Taken:
    """What became of one inbound message."""

    outcome: Literal["delivered", "quarantined", "ignored"]
    lead_id: str = ""
    kind: str = ""
    """The event the lead took (``reply``, ``out_of_office``, ``bounce``, ``unsubscribe``)."""
    detail: str = ""
    """Why it was quarantined or ignored, in words."""


class Intake:
    """Turns inbound messages into lead events.

    Args:
        leads: the door to leads.
        quarantine: where unmatched messages are kept.
        secret: the signing secret of cadence's tokens (``unsubscribe_secret``).
        clock: the current instant (return dates like "back on 14 January" are read against it);
            default: the wall clock.
        contacts: the keys of leads' addresses, when a message may be matched by its sender's.
    """

    def __init__(self, leads: LeadPort, quarantine: Quarantine, secret: str | None,
                 clock: Callable[[], datetime] | None = None, meter: Any = None,
                 contacts: ContactKeys | None = None) -> None:
        self.leads = leads
        self.contacts = contacts
        self.quarantine = quarantine
        self.secret = secret
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.counter = meter.create_counter(metrics.INBOUND) if meter is not None else None
        self.counts: Counter[str] = Counter()
        """Outcomes since this process started (``delivered``, ``quarantined``, ``ignored``, ``refused``)."""

    async def take(self, raw: bytes, source: str) -> Taken:
        """Give ``raw`` to its lead or keep it (counted in ``cadence_inbound_messages_total``).

        Raises:
            api.Unreachable: Temporal cannot be reached; nothing was recorded (answer "try again").
        """
        try:
            taken = await self._take(raw, source)
        except Exception:
            self.counts["refused"] += 1  # the sender is told to try again
            raise
        self.count(taken, source)
        return taken

    def count(self, taken: Taken, source: str) -> None:
        """Count what became of one inbound item (here and in ``cadence_inbound_messages_total``)."""
        self.counts[taken.outcome] += 1
        if self.counter is not None:
            self.counter.add(1, {"outcome": taken.outcome, "kind": taken.kind, "source": metrics.source_label(source)})

    async def deliver(self, lead_id: str, kind: str, data: dict[str, Any], source: str, *,
                      bounced: Sequence[tuple[str, str]] = ()) -> None:
        """Give ``lead_id`` the event ``kind`` (``data["event_id"]`` makes a redelivery add nothing).

        ``unsubscribe`` (a complaint too) opts the lead out for good: its address goes on the
        do-not-contact list. ``bounced`` addresses (with a note) are listed first.

        Raises:
            api.Unreachable: try again later. api.ActionRefused: the lead cannot take it.
        """
        event_id = str(data.get("event_id") or "")
        for address, note in bounced:
            await self.leads.suppress(address, "bounced", source_id=event_id, note=note[:200])
        if kind == "unsubscribe":
            await self.leads.opt_out(lead_id, event_id=event_id)
        else:
            await self.leads.send(lead_id, kind, data, source, contacts=self.contacts)

    async def _take(self, raw: bytes, source: str) -> Taken:
        try:
            verdict = classify(raw, now=self.clock())
        except InboundError as exc:
            return self._keep(raw, f"not a message cadence can read: {exc.reason}", source)
        if isinstance(verdict, OutOfOffice) and verdict.evidence.startswith("report-type=disposition-notification"):
            return Taken("ignored", detail="a read receipt")
        if isinstance(verdict, Bounce) and verdict.severity != "hard" and _gave_up(verdict) is None:
            # A delay notice or a report of delivery: nothing to act on yet (the sender keeps retrying).
            return Taken("ignored", detail="a delay or delivery report, not a bounce")
        lead_id = self._lead_of(verdict)
        if lead_id is None and self.contacts is not None:
            lead_id, unmatched = await self._lead_by_address(verdict, self.contacts)
            if lead_id is None:
                return self._keep(raw, unmatched, source)
        if lead_id is None:
            return self._keep(raw, "no lead matches (no cadence Message-ID or token in it)", source)
        kind, data = _event(verdict)
        bounced = [(r.address, f"lead {lead_id}: {r.status} {r.diagnostic}") for r in verdict.recipients
                   if r.severity == "hard"] if isinstance(verdict, Bounce) else []
        try:
            await self.deliver(lead_id, kind, data, source, bounced=bounced)
        except api.Unreachable:
            raise
        except api.ActionRefused as exc:
            return self._keep(raw, f"lead {lead_id} could not take it: {exc}", source)
        return Taken("delivered", lead_id, kind)

    def _lead_of(self, verdict: Reply | OutOfOffice | Bounce) -> str | None:
        ids = list(verdict.thread_ids)
        if isinstance(verdict, Bounce) and verdict.original_message_id:
            ids.insert(0, verdict.original_message_id)
        return lead_of(ids, verdict.tokens, self.secret)

    async def _lead_by_address(self, verdict: Reply | OutOfOffice | Bounce,
                               contacts: ContactKeys) -> tuple[str | None, str]:
        """The one running lead with the sender's address (a bounce: a failed recipient's), or why none.

        Raises:
            api.Unreachable: visibility cannot be asked now.
        """
        if isinstance(verdict, Bounce):
            addresses, whose = [r.address for r in verdict.recipients if r.address], "the failed recipient's"
        else:
            addresses, whose = [verdict.sender] if verdict.sender else [], "the sender's"
        return await self.lead_by_address(addresses, whose, contacts)

    async def lead_by_address(self, addresses: Sequence[str], whose: str,
                              contacts: ContactKeys) -> tuple[str | None, str]:
        """The one running lead with one of ``addresses`` (the first that has any), or why none.

        Args:
            whose: whose address it is, for the reason (``the sender's``).

        Raises:
            api.Unreachable: visibility cannot be asked now.
        """
        for address in dict.fromkeys(a.strip().lower() for a in addresses if a.strip()):
            found = await self.leads.by_contact(contacts.of_address(address))
            if len(found) == 1:
                return found[0], ""
            if found:
                shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
                return None, f"{len(found)} running leads have {whose} address ({shown}): route it with cadence event"
        return None, "no lead matches (no cadence Message-ID or token in it, nor a running lead with its address)"

    def _keep(self, raw: bytes, reason: str, source: str) -> Taken:
        self.quarantine.keep(raw, reason, source)
        _log.info("inbound message quarantined: %s", reason)
        return Taken("quarantined", detail=reason)


def _gave_up(verdict: Bounce) -> BouncedRecipient | None:
    """A recipient the sending server stopped trying with a temporary failure (a soft bounce); a
    ``delayed`` notice is not one: that server is still trying."""
    return next((r for r in verdict.recipients if r.severity == "soft" and r.action != "delayed"), None)


def lead_of(message_ids: Iterable[str], tokens: Iterable[str], secret: str | None) -> str | None:
    """The lead that cadence's own Message-IDs (first) or a genuine signed token name; ``None``: no lead."""
    for message_id in message_ids:
        workflow_id = workflow_of_message_id(message_id)
        if workflow_id and (lead_id := lead_id_of_workflow(workflow_id)):
            return lead_id
    for token in tokens:
        if (lead_id := lead_of_token(token, secret)) is not None:
            return lead_id
    return None


def _event(verdict: Reply | OutOfOffice | Bounce) -> tuple[str, dict[str, str]]:
    """The lead event a verdict means, with the message's id as the event id."""
    data = {"event_id": verdict.message_id}
    if isinstance(verdict, Bounce):
        hard = next((r for r in verdict.recipients if r.severity == "hard"), None)
        if hard is None:  # the sending server gave up for now (4.x.x): the cadence counts these
            soft = _gave_up(verdict)
            assert soft is not None
            return "soft_bounce", {**data, "detail": f"{soft.status} {soft.diagnostic}".strip()[:500]}
        return "bounce", {**data, "detail": f"{hard.status} {hard.diagnostic}".strip()[:500]}
    if isinstance(verdict, OutOfOffice):
        if verdict.evidence.startswith("report-type=feedback-report"):
            return "unsubscribe", data  # a spam complaint: never email this address again
        return "out_of_office", {**data, "until": verdict.return_date.isoformat() if verdict.return_date else "",
                                 "detail": verdict.subject}
    return "reply", {**data, "detail": (verdict.text or verdict.subject)[:500]}


__all__ = ["Intake", "Taken", "lead_of"]
