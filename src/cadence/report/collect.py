"""Read the report's lead records from Temporal visibility.

One ``list_workflows`` over the nurture workflows, filtered by the search
attributes; each row's memo (kept by the workflow, see
:mod:`cadence.report.records`) holds the stages, touches and outcome, so no
lead is queried. A lead that continued as new is listed once per run: the
latest run wins (its memo carries the whole stage log forward).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.client import Client, WorkflowExecution

from cadence import utc, visibility
from cadence.messages import WORKFLOW_NAME
from cadence.report.records import LeadRecord, record_from_memo


def report_query(*, since: datetime | None = None, cadence: str | None = None, source: str | None = None,
                 owner: str | None = None) -> str:
    """The visibility query for a report (also usable in the Temporal UI).

    Leads that ended before ``since`` cannot count in the period and are left
    out; leads enrolled after the period are left to :func:`~cadence.report.figures.compute`
    (a lead that moved to a long-term track has a later run start than its enrollment).
    """
    query = visibility.leads_query(WORKFLOW_NAME, **{visibility.NAME: cadence, visibility.SOURCE: source,
                                                     visibility.OWNER: owner})
    if since is not None:
        query += f" AND (ExecutionStatus = 'Running' OR CloseTime >= '{utc.iso(since.replace(microsecond=0))}')"
    return query


async def record_of(wf: WorkflowExecution) -> LeadRecord:
    """The record of one listed workflow execution (decodes its memo; no round trip)."""
    attributes: dict[str, Any] = {pair.key.name: pair.value for pair in wf.typed_search_attributes
                                  if pair.key.name in visibility.SEARCH_ATTRIBUTES}
    memo = await wf.memo()
    return record_from_memo(
        wf.id,
        memo,
        attributes=attributes,
        status=wf.status.name.lower() if wf.status else "running",
        start_time=wf.start_time,
        close_time=wf.close_time,
    )


async def collect(client: Client, *, since: datetime | None = None, cadence: str | None = None,
                  source: str | None = None, owner: str | None = None, page_size: int = 1000) -> list[LeadRecord]:
    """Every lead that can count in a report from ``since`` on, filtered by cadence, source and owner.

    Args:
        client: a connected Temporal client.
        since: start of the report period (leads that ended before it are skipped).
        cadence: only this cadence (``CadenceName``).
        source: only ``marketing`` or ``sales`` generated leads.
        owner: only this rep's leads.
        page_size: visibility page size.
    """
    query = report_query(since=since, cadence=cadence, source=source, owner=owner)
    latest: dict[str, tuple[datetime, LeadRecord]] = {}
    async for wf in client.list_workflows(query, page_size=page_size):
        record = await record_of(wf)
        started = wf.start_time or record.enrolled_at
        kept = latest.get(wf.id)
        if kept is None or started >= kept[0]:
            latest[wf.id] = (started, record)
    return [record for _, record in latest.values()]


__all__ = ["collect", "record_of", "report_query"]
