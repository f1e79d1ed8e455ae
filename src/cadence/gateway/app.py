"""The gateway's ASGI app: routes, the shared state every endpoint reaches through ``request.app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cadence.gateway import unsubscribe, workspace
from cadence.gateway.intake import Intake
from cadence.gateway.leads import LeadPort
from cadence.gateway.mime_endpoint import inbound_mime
from cadence.gateway.quarantine import Quarantine


@dataclass(frozen=True)
class GatewayOptions:
    """What the gateway needs from the settings (:mod:`cadence.config` owns them)."""

    unsubscribe_secret: str | None = field(default=None, repr=False)
    """Key of the unsubscribe links' and tokens' HMAC (the worker signs with the same)."""
    quarantine_dir: Path = Path(".cadence/quarantine")
    """Where inbound items that match no lead are kept for a person to route."""
    inbound_token: str | None = field(default=None, repr=False)
    """Bearer token of ``POST /inbound/mime``; ``None``: that endpoint is off."""
    users_file: Path = Path(".cadence/users.json")
    """The workspace's people (names, roles, queues, password hashes)."""
    auth_header: str | None = None
    """A trusted sign-in proxy's header naming the person; ``None``: password sign-in."""
    workspace_secret: str | None = field(default=None, repr=False)
    """Key of the workspace's session cookies and handoff links (the worker signs links with the same)."""
    public_url: str | None = None
    """The gateway's address as people reach it (``https:`` makes the session cookie HTTPS-only)."""


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

    def __post_init__(self) -> None:
        self.intake = Intake(self.leads, Quarantine(self.options.quarantine_dir), self.options.unsubscribe_secret,
                             clock=self.clock, meter=self.meter)


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
        *workspace.routes(),
    ])
    app.state.gateway = gateway
    workspace.install(app, gateway)
    return app


__all__ = ["Gateway", "GatewayOptions", "build_app"]
