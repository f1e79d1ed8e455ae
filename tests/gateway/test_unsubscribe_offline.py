"""The unsubscribe endpoint while Temporal is unreachable: 503 and nothing lost (the sender retries)."""

from __future__ import annotations

import httpx

from cadence.channels.email import unsubscribe_token
from cadence.connect import NoServerError
from cadence.gateway.app import Gateway, GatewayOptions
from cadence.gateway.leads import LeadPort
from cadence.gateway.serve import GatewayError, running

SECRET = "offline-test-key"


async def _unreachable() -> object:
    raise NoServerError("no Temporal server reachable at 127.0.0.1:1 (start one with `cadence server` or `cadence dev`)")


async def test_a_valid_click_while_temporal_is_down_is_refused_for_now_and_a_forged_one_for_good() -> None:
    gateway = Gateway(GatewayOptions(unsubscribe_secret=SECRET), LeadPort(_unreachable))
    async with running(gateway, port=0) as url, httpx.AsyncClient(base_url=url) as http:
        link = f"/unsubscribe?lead=L-1&token={unsubscribe_token('L-1', SECRET)}"
        down = await http.post(link, content=b"List-Unsubscribe=One-Click")
        assert down.status_code == 503 and down.headers["retry-after"] == "30"
        assert "Please try again in a minute." in down.text
        page = await http.get(link)  # the page itself needs no server
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        forged = await http.post(f"/unsubscribe?lead=L-1&token={unsubscribe_token('L-2', SECRET)}")
        assert forged.status_code == 403
        huge = await http.post(link, content=b"x" * 10_000)
        assert huge.status_code == 413 and huge.text == "request body too large\n"
        assert (await http.get("/healthz")).json() == {"ok": True}


async def test_a_port_in_use_is_one_line() -> None:
    gateway = Gateway(GatewayOptions(), LeadPort(_unreachable))
    async with running(gateway, port=0) as url:
        port = int(url.rsplit(":", 1)[1])
        try:
            async with running(gateway, port=port):
                raise AssertionError("a second gateway took the same port")
        except GatewayError as exc:
            assert str(exc) == f"cannot listen on 127.0.0.1:{port}: Address already in use; choose another with --port"
