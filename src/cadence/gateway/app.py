"""The gateway's ASGI app: routes, the shared state every endpoint reaches through ``request.app``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cadence.gateway import unsubscribe
from cadence.gateway.leads import LeadPort


@dataclass(frozen=True)
class GatewayOptions:
    """What the gateway needs from the settings (:mod:`cadence.config` owns them)."""

    unsubscribe_secret: str | None = field(default=None, repr=False)
    """Key of the unsubscribe links' HMAC (the worker signs with the same)."""
    quarantine_dir: Path = Path(".cadence/quarantine")
    """Where inbound items that match no lead are kept for a person to route."""


@dataclass
class Gateway:
    """The state behind the app: options and the door to leads. Holds nothing that must survive it."""

    options: GatewayOptions
    leads: LeadPort


async def health(request: Request) -> Response:
    """``GET /healthz``: the process answers (a load balancer's probe)."""
    return JSONResponse({"ok": True})


def build_app(gateway: Gateway) -> Starlette:
    """The ASGI app of ``gateway``."""
    app = Starlette(routes=[
        Route("/healthz", health, methods=["GET"]),
        Route("/unsubscribe", unsubscribe.confirm, methods=["GET"]),
        Route("/unsubscribe", unsubscribe.unsubscribe, methods=["POST"]),
    ])
    app.state.gateway = gateway
    return app


__all__ = ["Gateway", "GatewayOptions", "build_app"]
