"""``POST /inbound/mime``: a raw RFC 5322 message from an MTA or a provider's inbound-parse webhook.

The caller proves itself with ``Authorization: Bearer <inbound_token>``
(checked in constant time, before the body is read); without a configured
token the endpoint is off. The answer comes once the lead took the message or
it was quarantined: 200 with what happened, 503 while Temporal is unreachable.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from cadence import client as api
from cadence.gateway.inbound import MAX_BYTES


async def inbound_mime(request: Request) -> Response:
    """Take one raw message."""
    gateway = request.app.state.gateway
    token = gateway.options.inbound_token
    if not token:
        return PlainTextResponse("inbound HTTP is off: set CADENCE_INBOUND_TOKEN\n", status_code=404)
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return PlainTextResponse("missing or wrong bearer token\n", status_code=401,
                                 headers={"WWW-Authenticate": "Bearer"})
    if int(request.headers.get("content-length") or 0) > MAX_BYTES:
        return PlainTextResponse("message too large\n", status_code=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BYTES:
            return PlainTextResponse("message too large\n", status_code=413)
    try:
        taken = await gateway.intake.take(bytes(body), "http")
    except api.Unreachable:
        return PlainTextResponse("cannot record the message right now; try again\n", status_code=503,
                                 headers={"Retry-After": "30"})
    return JSONResponse({"outcome": taken.outcome, "lead_id": taken.lead_id or None, "kind": taken.kind or None,
                         "detail": taken.detail or None})


__all__ = ["inbound_mime"]
