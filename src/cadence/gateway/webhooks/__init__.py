"""Signed webhooks: email providers' events, booked meetings and any tool's events reach leads by themselves.

One module per sender (:mod:`.sendgrid`, :mod:`.postmark`, :mod:`.mailgun`,
:mod:`.calendly`, and the generic :mod:`.events`), the checks they share in
:mod:`.verify` and the way to leads in :mod:`.delivery` (the inbound intake's:
same lead events, same do-not-contact list, same quarantine). Every door is off
until its key is set, checks its sender's proof before it reads the body, and
answers 2xx only once every event was taken, ignored or quarantined.
"""

from __future__ import annotations

from starlette.routing import Route

from cadence.gateway.webhooks.calendly import calendly_events
from cadence.gateway.webhooks.delivery import ProviderEvent
from cadence.gateway.webhooks.events import events
from cadence.gateway.webhooks.mailgun import mailgun_events
from cadence.gateway.webhooks.postmark import postmark_events
from cadence.gateway.webhooks.sendgrid import sendgrid_events


def routes() -> list[Route]:
    """The webhook routes of the gateway's app."""
    return [
        Route("/events", events, methods=["POST"]),
        Route("/webhooks/sendgrid", sendgrid_events, methods=["POST"]),
        Route("/webhooks/postmark", postmark_events, methods=["POST"]),
        Route("/webhooks/mailgun", mailgun_events, methods=["POST"]),
        Route("/webhooks/calendly", calendly_events, methods=["POST"]),
    ]


__all__ = ["ProviderEvent", "routes"]
