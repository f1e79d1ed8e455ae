"""The report's record of a lead as the SDK lists it: the reference the page readers are held to."""

from __future__ import annotations

from typing import Any

from temporalio.client import WorkflowExecution

from cadence import visibility
from cadence.report.records import LeadRecord, record_from_memo


async def record_of(wf: WorkflowExecution) -> LeadRecord:
    """The record of one workflow execution from ``list_workflows`` (its typed search attributes and memo)."""
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
