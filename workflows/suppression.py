"""The do-not-contact list: one long-lived workflow per suppressed address or ``*@domain`` pattern.

It lives in Temporal, where every worker and gateway sees it, and it keeps
running until someone removes the address, so no retention period deletes it.
Its id is a hash of the pattern (no personal data in ids); the pattern and the
reasons are in its input and memo, which the codec encrypts when configured.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from cadence.messages import (
        QUERY_STATE,
        SUPPRESSION_WORKFLOW,
        UPDATE_SUPPRESS,
        UPDATE_UNSUPPRESS,
        OperatorInput,
        SuppressionEntry,
        UpdateResult,
    )

RENEW_EVERY = timedelta(days=365)
"""A run lasts at most this long, then continues as new with its entries."""
MAX_ENTRIES = 50
"""Reasons kept per pattern (the first and the latest ones matter; a flood of duplicates must not grow it)."""


@workflow.defn(name=SUPPRESSION_WORKFLOW)
class SuppressionWorkflow:
    """Holds one pattern's suppression until :data:`UPDATE_UNSUPPRESS`."""

    @workflow.init
    def __init__(self, entries: list[SuppressionEntry]) -> None:
        self.entries: list[SuppressionEntry] = list(entries)
        self.removed_by: str | None = None

    @workflow.run
    async def run(self, entries: list[SuppressionEntry]) -> dict[str, Any]:
        """Wait until removed; continue as new every year or when the history grows long, so no run
        timeout a server imposes ever ends a suppression."""
        try:
            await workflow.wait_condition(lambda: self.removed_by is not None
                                          or workflow.info().is_continue_as_new_suggested(),
                                          timeout=RENEW_EVERY, timeout_summary="renew the suppression")
        except asyncio.TimeoutError:
            pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self.removed_by is None:
            workflow.continue_as_new(self.entries)
        return {"pattern": self.entries[0].pattern if self.entries else "", "removed_by": self.removed_by}

    @workflow.update(name=UPDATE_SUPPRESS)
    def suppress(self, entry: SuppressionEntry) -> UpdateResult:
        """Add a reason (the same ``source_id`` twice adds nothing)."""
        if entry.source_id and any(e.source_id == entry.source_id for e in self.entries):
            return UpdateResult(True, "already suppressed")
        kept = [*self.entries, entry]
        self.entries = kept if len(kept) <= MAX_ENTRIES else [kept[0], *kept[-(MAX_ENTRIES - 1):]]
        workflow.upsert_memo({"entries": [dataclasses.asdict(e) for e in self.entries]})
        return UpdateResult(True, f"suppressed: {entry.reason}")

    @suppress.validator
    def _check_suppress(self, entry: SuppressionEntry) -> None:
        if self.removed_by is not None:
            raise ApplicationError("this suppression is being removed; add it again in a moment", type="RejectedInput",
                                   non_retryable=True)
        if self.entries and entry.pattern != self.entries[0].pattern:
            raise ApplicationError("pattern does not match this suppression", type="RejectedInput", non_retryable=True)

    @workflow.update(name=UPDATE_UNSUPPRESS)
    def unsuppress(self, inp: OperatorInput) -> UpdateResult:
        """Remove the pattern from the list (the workflow ends)."""
        self.removed_by = inp.by or "operator"
        return UpdateResult(True, "removed")

    @workflow.query(name=QUERY_STATE)
    def state(self) -> dict[str, Any]:
        """The pattern's reasons."""
        return {"entries": [dataclasses.asdict(e) for e in self.entries], "removed_by": self.removed_by}


__all__ = ["SuppressionWorkflow"]
