"""Read the report's lead records from Temporal visibility.

One listing of the nurture workflows, filtered by the search attributes; each
row's memo (kept by the workflow, see :mod:`cadence.report.records`) holds the
stages, touches and outcome, so no lead is queried. A lead that continued as
new is listed once per run: the latest run wins (its memo carries the whole
stage log forward).

The listing reads raw pages and decodes each page's search attributes and memos
together (:func:`cadence.visibility.pages`): the same records as the SDK's
``list_workflows`` and its memo decoding give (tests/report hold the two to each
other), at a fraction of the cost
(figure 11 of benchmarks/README.md). Counts alone (``count_workflows``) cannot
replace the listing: the report's medians and stage flows need every lead's
stage times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from temporalio.api.workflow.v1 import WorkflowExecutionInfo
from temporalio.client import Client, WorkflowExecutionStatus

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
        query += f" AND ({visibility.RUNNING} OR CloseTime >= '{utc.iso(since.replace(microsecond=0))}')"
    return query


async def page_records(client: Client, rows: Sequence[WorkflowExecutionInfo]) -> list[tuple[datetime, LeadRecord]]:
    """The records of a raw visibility page, with each run's start."""
    out = []
    memos = await visibility.page_memos(client.data_converter, rows)
    for info, attributes, memo in zip(rows, visibility.page_attributes(rows), memos):
        start = info.start_time.ToDatetime(tzinfo=UTC)
        record = record_from_memo(
            info.execution.workflow_id,
            memo,
            attributes=attributes,
            status=WorkflowExecutionStatus(info.status).name.lower() if info.status else "running",
            start_time=start,
            close_time=info.close_time.ToDatetime(tzinfo=UTC) if info.HasField("close_time") else None,
        )
        out.append((start, record))
    return out


async def count(client: Client, *, since: datetime | None = None, cadence: str | None = None,
                source: str | None = None, owner: str | None = None) -> int:
    """How many visibility rows :func:`collect` reads for the same filters (one count query: a progress bar's total)."""
    return (await client.count_workflows(report_query(since=since, cadence=cadence, source=source, owner=owner))).count


async def collect(client: Client, *, since: datetime | None = None, cadence: str | None = None,
                  source: str | None = None, owner: str | None = None,
                  page_size: int = visibility.PAGE_SIZE,
                  on_page: Callable[[int], None] | None = None) -> list[LeadRecord]:
    """Every lead that can count in a report from ``since`` on, filtered by cadence, source and owner.

    Args:
        client: a connected Temporal client.
        since: start of the report period (leads that ended before it are skipped).
        cadence: only this cadence (``CadenceName``).
        source: only ``marketing`` or ``sales`` generated leads.
        owner: only this rep's leads.
        page_size: visibility page size.
        on_page: called with the number of visibility rows read so far, after each page (progress).
    """
    query = report_query(since=since, cadence=cadence, source=source, owner=owner)
    latest: dict[str, tuple[datetime, LeadRecord]] = {}
    read = 0
    async for rows in visibility.pages(client, query, page_size=page_size):
        for (started, record), info in zip(await page_records(client, rows), rows):
            kept = latest.get(info.execution.workflow_id)
            if kept is None or started >= kept[0]:
                latest[info.execution.workflow_id] = (started, record)
        read += len(rows)
        if on_page is not None:
            on_page(read)
    return [record for _, record in latest.values()]


__all__ = ["collect", "count", "page_records", "report_query"]
