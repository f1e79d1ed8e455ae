"""How the gateway reaches leads: the client API, connected lazily, failures sorted for HTTP and SMTP.

Every endpoint answers only after the lead's workflow took the event (a signal
the server accepted is in the lead's history), so a sender that got a 2xx or
a 250 never has to send again; while Temporal is unreachable the answer says
"try again" (HTTP 503, SMTP 451) and nothing is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from cadence import client as api


class LeadPort:
    """The gateway's one door to leads.

    Args:
        connect: makes a Temporal client; called again after a failure, so a gateway started
            before its server (or outliving a restart) recovers by itself.
    """

    def __init__(self, connect: Callable[[], Awaitable[Any]]) -> None:
        self._connect = connect
        self._client: Any = None
        self._lock = asyncio.Lock()

    async def client(self) -> Any:
        """The connected client.

        Raises:
            api.Unreachable: the server cannot be reached now.
        """
        from cadence.connect import NoServerError

        async with self._lock:
            if self._client is None:
                try:
                    self._client = await self._connect()
                except NoServerError as exc:
                    raise api.Unreachable(str(exc)) from None
            return self._client

    async def send(self, lead_id: str, kind: str, data: dict[str, Any], source: str) -> None:
        """Give ``lead_id`` an event; ``data["event_id"]`` makes a redelivery add nothing.

        Raises:
            api.Unreachable: try again later. api.ActionRefused: the lead cannot take it (not
            enrolled, ended).
        """
        client = await self.client()
        try:
            await api.send_event(client, lead_id, kind, data, source=source)
        except api.Unreachable:
            self._client = None  # reconnect next time
            raise

    async def row(self, lead_id: str) -> api.LeadRow | None:
        """What visibility knows of ``lead_id`` (``None``: never enrolled).

        Raises:
            api.Unreachable: try again later.
        """
        client = await self.client()
        try:
            return await api.lead_row(client, lead_id)
        except api.Unreachable:
            self._client = None
            raise


__all__ = ["LeadPort"]
