"""``GET /status``: is this gateway healthy, and what has it taken since it started (``cadence gateway --status``).

Who may ask: with ``inbound_token`` set, whoever sends it as
``Authorization: Bearer <inbound_token>`` (from anywhere, a reverse proxy on the
same host included); without it, loopback clients only. The answer is JSON,
200 when Temporal answers and 503 when it does not: the addresses the gateway
listens on, whether Temporal is reachable, the inbound items it acknowledged
(``delivered``, ``ignored``, ``quarantined``) and refused (told to try again,
or unsigned, forged, stale) since it started, and the quarantine's size.
Nothing in it is personal data.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import timedelta
from ipaddress import ip_address
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from cadence import client as api
from cadence import utc

CHECK_SECONDS = 3.0
"""How long the Temporal check may take before the server counts as unreachable."""


def allowed(request: Request) -> Response | None:
    """``None`` when the caller may see the status, else the refusal."""
    token = request.app.state.gateway.options.inbound_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return PlainTextResponse("missing or wrong bearer token (CADENCE_INBOUND_TOKEN)\n", status_code=401,
                                     headers={"WWW-Authenticate": "Bearer"})
        return None
    host = request.client.host if request.client else ""
    try:
        loopback = ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return PlainTextResponse("GET /status answers loopback clients only; set CADENCE_INBOUND_TOKEN to ask "
                                 "from elsewhere\n", status_code=403)
    return None


async def temporal_reachable(leads: Any) -> tuple[bool, str]:
    """Whether the gateway's Temporal server answers a health check now, and where it is (or why not)."""
    try:
        client = await asyncio.wait_for(leads.client(), CHECK_SECONDS)
        target = str(getattr(getattr(client.service_client, "config", None), "target_host", "") or "")
        healthy = await client.service_client.check_health(timeout=timedelta(seconds=CHECK_SECONDS))
    except api.Unreachable as exc:
        return False, str(exc).splitlines()[0][:300]
    except TimeoutError:
        return False, f"no answer within {CHECK_SECONDS:g} s"
    except Exception as exc:  # noqa: BLE001 - any failure of the check means "not reachable", said in one line
        return False, (" ".join(str(exc).split()) or type(exc).__name__)[:300]
    return healthy, target if healthy else f"{target}: the workflow service is not serving"


async def status(request: Request) -> Response:
    """``GET /status``."""
    refused = allowed(request)
    if refused is not None:
        return refused
    gateway = request.app.state.gateway
    reachable, where = await temporal_reachable(gateway.leads)
    counts = gateway.intake.counts
    body = {
        "ok": reachable,
        "since": utc.iso(gateway.started),
        "listening": list(gateway.listening),
        "temporal": {"reachable": reachable, "detail": where},
        "events": {name: counts.get(name, 0) for name in ("delivered", "ignored", "quarantined", "refused")},
        "quarantine": {"items": gateway.intake.quarantine.count(),
                       "directory": str(gateway.intake.quarantine.directory)},
    }
    return JSONResponse(body, status_code=200 if reachable else 503)


__all__ = ["CHECK_SECONDS", "allowed", "status", "temporal_reachable"]
