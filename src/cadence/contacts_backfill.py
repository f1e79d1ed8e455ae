"""Contact keys for leads that enrolled before sender matching was turned on.

Enrollment publishes a lead's ``CadenceContactKeys`` only where
``inbound_match_sender`` is on, so a deployment that turns it on later has
running leads the gateway cannot find by who writes. :func:`backfill` gives
each of them the key of its current address, through the workflow (only a
workflow may set its search attributes) and without touching the lead's own
history: the run can be repeated, and a second run meets only the leads
that have no address.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from temporalio.client import Client

from cadence import client as api
from cadence import vocabulary as vocab
from cadence.contacts import ContactKeys

CONCURRENCY = 8
"""Leads asked at once (each a state query, which may replay the lead, and an update)."""


@dataclass(frozen=True)
class BackfillResult:
    """What a backfill did."""

    found: int
    """Running leads without a contact key when it started."""
    published: int = 0
    """Leads given their key."""
    without_address: list[str] = field(default_factory=list)
    """Leads with no email address (nothing to key; the gateway finds them by Message-ID or token only)."""
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(lead id, why) for leads that refused (ended meanwhile, changed address meanwhile)."""


async def without_keys(client: Client) -> list[str]:
    """Ids of the running leads that have no contact key, read in full before any changes the set."""
    found: list[str] = []
    async for execution in client.list_workflows(api.without_contact_keys_query()):
        if lead_id := vocab.lead_id_of_workflow(execution.id):
            found.append(lead_id)
    return found


async def backfill(client: Client, contacts: ContactKeys, *, by: str = "", concurrency: int = CONCURRENCY,
                   on_progress: Callable[[int, int], None] | None = None) -> BackfillResult:
    """Give every running lead without a contact key the key of its current address.

    Args:
        contacts: the deployment's keys (the gateway's secret).
        by: who runs it, kept in the workflow's update.
        on_progress: called with (leads done, leads found) as the work goes (first with the count of
            leads to do, before their ids are read).

    Raises:
        api.NoWorker: no worker answered (the leads done so far keep their keys; run it again).
        api.Unreachable: the server did not answer.
    """
    if on_progress is not None:  # the count first: reading every id takes a while at 100,000 leads
        on_progress(0, (await client.count_workflows(api.without_contact_keys_query())).count)
    lead_ids = await without_keys(client)
    published: list[str] = []
    without_address: list[str] = []
    refused: list[tuple[str, str]] = []
    pending = iter(lead_ids)

    async def work() -> None:
        for lead_id in pending:  # shared by the workers: each lead is taken once
            try:
                await api.publish_contact_keys(client, lead_id, contacts, by=by)
            except api.NoAddress:
                without_address.append(lead_id)
            except (api.NoWorker, api.Unreachable):
                raise
            except api.ActionRefused as exc:
                refused.append((lead_id, str(exc)))
            else:
                published.append(lead_id)
            if on_progress is not None:
                on_progress(len(published) + len(without_address) + len(refused), len(lead_ids))

    workers = [asyncio.create_task(work()) for _ in range(max(1, concurrency))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:  # the first that cannot go on (no worker, no server) stops the others
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return BackfillResult(len(lead_ids), len(published), sorted(without_address), sorted(refused))


__all__ = ["CONCURRENCY", "BackfillResult", "backfill", "without_keys"]
