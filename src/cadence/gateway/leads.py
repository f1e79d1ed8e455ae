"""How the gateway reaches leads: the client API, connected lazily, failures sorted for HTTP and SMTP.

Every endpoint answers only after the lead's workflow took the event (a signal
the server accepted is in the lead's history), so a sender that got a 2xx or
a 250 never has to send again; while Temporal is unreachable the answer says
"try again" (HTTP 503, SMTP 451) and nothing is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio.service import RPCError

from cadence import client as api
from cadence import suppression
from cadence.contacts import ContactKeys
from cadence.messages import DEFAULT_TASK_QUEUE
from cadence.vocabulary import OPTED_OUT

T = TypeVar("T")


class LeadPort:
    """The gateway's one door to leads.

    Args:
        connect: makes a Temporal client; called again after a failure, so a gateway started
            before its server (or outliving a restart) recovers by itself.
        task_queue: the workers' task queue (the do-not-contact list's workflows run there).
    """

    def __init__(self, connect: Callable[[], Awaitable[Any]], task_queue: str = DEFAULT_TASK_QUEUE) -> None:
        self._connect = connect
        self.task_queue = task_queue
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

    async def _use(self, call: Callable[[Any], Awaitable[T]]) -> T:
        """``call(client)``; when the server did not answer, the next call connects again.

        Raises:
            api.Unreachable: try again later. api.ActionRefused: the lead or the server refused.
        """
        client = await self.client()
        try:
            return await call(client)
        except RPCError as exc:
            refused = api.refusal(exc)
            if isinstance(refused, api.Unreachable):
                self._client = None
            raise refused from None
        except api.Unreachable:
            self._client = None
            raise

    async def send(self, lead_id: str, kind: str, data: dict[str, Any], source: str, *,
                   contacts: ContactKeys | None = None) -> None:
        """Give ``lead_id`` an event; ``data["event_id"]`` makes a redelivery add nothing.

        ``contacts`` (sender matching on): a ``lead_updated`` that changes the address replaces the lead's key.

        Raises:
            api.Unreachable: try again later. api.ActionRefused: the lead cannot take it (not
            enrolled, ended).
        """
        await self._use(lambda client: api.send_event(client, lead_id, kind, data, source=source, contacts=contacts))

    async def by_contact(self, key: str) -> list[str]:
        """See :func:`cadence.client.leads_by_contact` (running leads with that address key).

        Raises:
            api.Unreachable: try again later.
        """
        return await self._use(lambda client: api.leads_by_contact(client, key))

    async def opt_out(self, lead_id: str, event_id: str) -> str:
        """See :func:`cadence.client.opt_out` (the address listed for good, a running nurture told).

        Raises:
            api.Unreachable: try again later. api.ActionRefused: the lead was never enrolled.
        """
        return await self._use(lambda client: api.opt_out(client, lead_id, source="gateway", event_id=event_id,
                                                          task_queue=self.task_queue))

    async def suppress(self, address: str, reason: str, *, source_id: str, note: str = "") -> None:
        """Put ``address`` on the do-not-contact list (a hard bounce, a complaint).

        Raises:
            api.Unreachable: try again later.
        """
        await self._use(lambda client: suppression.SuppressionList(client, self.task_queue).add(
            address, reason, by="gateway", source_id=source_id, note=note))

    async def already_opted_out(self, lead_id: str) -> bool:
        """Whether the lead's nurture ended on its opt-out, or its address is on the do-not-contact list.

        Raises:
            api.Unreachable: try again later.
        """
        async def look(client: Any) -> bool:
            row = await api.lead_row(client, lead_id)
            if row is not None and row.reason == OPTED_OUT:
                return True
            lead = await api.enrolled_lead(client, lead_id)
            email = str((lead or {}).get("email") or "")
            return bool(email) and await suppression.SuppressionList(client).check(email) is not None

        return await self._use(look)


__all__ = ["LeadPort"]
