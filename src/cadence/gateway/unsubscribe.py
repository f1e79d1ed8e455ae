"""One-click unsubscribe (RFC 8058, RFC 2369): the link every cadence email carries.

``GET`` shows a page with a button and changes nothing (mail scanners follow
links); ``POST`` (the button, or a mail client's one-click
``List-Unsubscribe=One-Click``) puts the lead's address on the do-not-contact
list and gives a running nurture the ``unsubscribe`` event. The token is the HMAC of the lead id, checked in constant time
before anything else; a forged or stale link gets 403 and changes nothing.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from cadence import client as api
from cadence.channels.email import verify_unsubscribe_token
from cadence.gateway.pages import page

MAX_BODY = 4096
"""A one-click body is ``List-Unsubscribe=One-Click``; anything much larger is not one."""
TITLE = "Email preferences"


def _checked(request: Request) -> str | None:
    """The lead id of a genuine link, else ``None``."""
    lead_id, token = request.query_params.get("lead", ""), request.query_params.get("token", "")
    secret = request.app.state.gateway.options.unsubscribe_secret
    if not lead_id or not token or len(lead_id) > 200 or len(token) > 200:
        return None
    return lead_id if verify_unsubscribe_token(lead_id, token, secret) else None


def _refused() -> Response:
    return page("message", 403, title=TITLE, message="This unsubscribe link is not valid. Use the link in the "
                                                      "latest email you received, or reply to it and ask.")


async def confirm(request: Request) -> Response:
    """``GET /unsubscribe``: the confirmation page (never unsubscribes by itself)."""
    if _checked(request) is None:
        return _refused()
    return page("unsubscribe", title=TITLE, action=str(request.url.path) + "?" + str(request.url.query))


async def unsubscribe(request: Request) -> Response:
    """``POST /unsubscribe``: the lead gets ``unsubscribe`` once, however often the link is used."""
    lead_id = _checked(request)
    if lead_id is None:
        return _refused()
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return PlainTextResponse("request body too large\n", status_code=413)
    leads = request.app.state.gateway.leads
    try:
        if await leads.already_opted_out(lead_id):
            return _done("You were already unsubscribed. You will not receive these emails again.")
        await leads.opt_out(lead_id, event_id=f"unsubscribe:{lead_id}")
    except api.Unreachable:
        return _unavailable()
    except api.ActionRefused:
        pass  # a link of a lead this deployment no longer knows: nothing is sent to it either way
    return _done("You are unsubscribed. You will not receive these emails again.")


def _done(message: str) -> Response:
    return page("message", title=TITLE, message=message)


def _unavailable() -> Response:
    response: Any = page("message", 503, title=TITLE,
                         message="We could not record your request just now. Please try again in a minute.")
    response.headers["Retry-After"] = "30"
    return response


__all__ = ["confirm", "unsubscribe"]
