"""The gateway's ASGI app: routes, the shared state every endpoint reaches through ``request.app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cadence.contacts import ContactKeys
from cadence.gateway import unsubscribe, webhooks, workspace
from cadence.gateway.intake import Intake
from cadence.gateway.leads import LeadPort
from cadence.gateway.mime_endpoint import inbound_mime
from cadence.gateway.quarantine import Quarantine
from cadence.gateway.status import status

if TYPE_CHECKING:
    from cadence.config import Settings


@dataclass(frozen=True)
class GatewayOptions:
    """What the gateway needs from the settings (:mod:`cadence.config` owns them)."""

    unsubscribe_secret: str | None = field(default=None, repr=False)
    """Key of the unsubscribe links' and tokens' HMAC (the worker signs with the same)."""
    quarantine_dir: Path = Path(".cadence/quarantine")
    """Where inbound items that match no lead are kept for a person to route."""
    inbound_token: str | None = field(default=None, repr=False)
    """Bearer token of ``POST /inbound/mime``; ``None``: that endpoint is off."""
    match_sender: bool = False
    """Find the lead of an inbound message by its sender's address as a last resort (:mod:`cadence.contacts`)."""
    users_file: Path = Path(".cadence/users.json")
    """The workspace's people (names, roles, queues, password hashes)."""
    auth_header: str | None = None
    """A trusted sign-in proxy's header naming the person; ``None``: password sign-in."""
    workspace_secret: str | None = field(default=None, repr=False)
    """Key of the workspace's session cookies and handoff links (the worker signs links with the same)."""
    public_url: str | None = None
    """The gateway's address as people reach it (``https:`` makes the session cookie HTTPS-only)."""
    events_secret: str | None = field(default=None, repr=False)
    """Shared secret of ``POST /events`` (HMAC-SHA256 of ``timestamp.body``); ``None``: that endpoint is off."""
    sendgrid_verification_key: str | None = None
    """SendGrid's Signed Event Webhook public key; ``None``: ``POST /webhooks/sendgrid`` is off."""
    postmark_webhook_auth: str | None = field(default=None, repr=False)
    """``user:password`` of Postmark's webhooks (basic auth); ``None``: ``POST /webhooks/postmark`` is off."""
    mailgun_signing_key: str | None = field(default=None, repr=False)
    """Mailgun's webhook signing key; ``None``: ``POST /webhooks/mailgun`` is off."""
    calendly_signing_key: str | None = field(default=None, repr=False)
    """The Calendly webhook subscription's signing key; ``None``: ``POST /webhooks/calendly`` is off."""

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayOptions:
        """The gateway's options from cadence's settings (the quarantine under ``state_dir``)."""
        return cls(unsubscribe_secret=settings.unsubscribe_secret, quarantine_dir=settings.state_dir / "quarantine",
                   inbound_token=settings.inbound_token, match_sender=settings.inbound_match_sender,
                   users_file=settings.users_file or settings.state_dir / "users.json",
                   auth_header=settings.auth_header, workspace_secret=settings.workspace_secret,
                   public_url=settings.public_url, events_secret=settings.events_secret,
                   sendgrid_verification_key=settings.sendgrid_verification_key,
                   postmark_webhook_auth=settings.postmark_webhook_auth,
                   mailgun_signing_key=settings.mailgun_signing_key,
                   calendly_signing_key=settings.calendly_signing_key)


@dataclass
class Gateway:
    """The state behind the app: options, the door to leads, the inbound intake. Holds nothing that
    must survive it (the quarantine is on disk)."""

    options: GatewayOptions
    leads: LeadPort
    meter: Any = None
    """A ``temporalio.common.MetricMeter`` (the metrics runtime's) for the gateway's counters; ``None``: none."""
    clock: Callable[[], datetime] | None = None
    """The current instant inbound mail is read against ("back on 14 January"); ``None``: the wall clock."""
    intake: Intake = field(init=False)
    listening: list[str] = field(default_factory=list)
    """Where it serves (``http://host:port``, ``smtp://host:port``), set while it runs."""
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    """When this process's gateway was made (``GET /status`` counts since then)."""

    def __post_init__(self) -> None:
        contacts = ContactKeys(self.options.unsubscribe_secret) if self.options.match_sender else None
        self.intake = Intake(self.leads, Quarantine(self.options.quarantine_dir), self.options.unsubscribe_secret,
                             clock=self.clock, meter=self.meter, contacts=contacts)


async def health(request: Request) -> Response:
    """``GET /healthz``: the process answers (a load balancer's probe)."""
    return JSONResponse({"ok": True})


def build_app(gateway: Gateway) -> Starlette:
    """The ASGI app of ``gateway``."""
    app = Starlette(routes=[
        Route("/healthz", health, methods=["GET"]),
        Route("/unsubscribe", unsubscribe.confirm, methods=["GET"]),
        Route("/unsubscribe", unsubscribe.unsubscribe, methods=["POST"]),
        Route("/inbound/mime", inbound_mime, methods=["POST"]),
        Route("/status", status, methods=["GET"]),
        *webhooks.routes(),
        *workspace.routes(),
    ])
    app.state.gateway = gateway
    workspace.install(app, gateway)
    return app


__all__ = ["Gateway", "GatewayOptions", "build_app"]
