"""The do-not-contact list: who may never be emailed again, by any cadence, however long ago it left.

An unsubscribe, a hard bounce or a spam complaint puts an address on it;
operators add addresses and ``*@domain`` patterns (a competitor) and take them
off. Each pattern is one :class:`workflows.suppression.SuppressionWorkflow`
whose id is a hash of the pattern, so checking an address is a handful of
``describe`` calls (the address, then ``*@`` its domain and each parent domain)
that need no worker.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio.client import Client, RPCError, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCStatusCode

from cadence import utc, visibility
from cadence.errors import Refusal
from cadence.messages import (
    DEFAULT_TASK_QUEUE,
    SUPPRESSION_ID_PREFIX,
    SUPPRESSION_WORKFLOW,
    UPDATE_SUPPRESS,
    UPDATE_UNSUPPRESS,
    OperatorInput,
    SuppressionEntry,
    UpdateResult,
)

REASONS: tuple[str, ...] = ("unsubscribed", "bounced", "complained", "manual")
"""Why an address is on the list."""

_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
_LOCAL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")


class SuppressionError(Refusal, ValueError):
    """A pattern that is neither an address nor ``*@domain``; the message says so in one line."""


def pattern_of(text: str) -> str:
    """``text`` as a canonical pattern: a lowercased address, or ``*@domain``.

    Raises:
        SuppressionError: anything else (other wildcards are not supported).
    """
    value = text.strip().lower()
    local, sep, domain = value.rpartition("@")
    if not sep or not _DOMAIN.match(domain) or not (local == "*" or _LOCAL.match(local)):
        raise SuppressionError(f"{text[:80]!r} is not an email address or *@domain")
    return value


def candidates(address: str) -> list[str]:
    """The patterns that suppress ``address``: itself, ``*@`` its domain, ``*@`` each parent domain."""
    exact = pattern_of(address)
    domain = exact.rpartition("@")[2]
    labels = domain.split(".")
    return [exact, *(f"*@{'.'.join(labels[i:])}" for i in range(len(labels) - 1))]


def suppression_id(pattern: str) -> str:
    """The workflow id of ``pattern`` (a hash: no address in ids or the UI's list)."""
    return f"{SUPPRESSION_ID_PREFIX}{hashlib.sha256(pattern.encode()).hexdigest()[:40]}"


@dataclass(frozen=True)
class Suppressed:
    """Why an address may not be contacted."""

    pattern: str
    """The pattern that matched (the address itself or ``*@domain``)."""
    reason: str
    at: str
    by: str

    def describe(self) -> str:
        """``on the do-not-contact list (unsubscribed 2026-12-02 by gateway)``."""
        what = f" as {self.pattern}" if self.pattern.startswith("*@") else ""
        return f"on the do-not-contact list{what} ({self.reason} {self.at[:10]} by {self.by or 'unknown'})"


async def add(client: Client, pattern: str, reason: str, *, by: str = "", source_id: str = "", note: str = "",
              task_queue: str = DEFAULT_TASK_QUEUE, now: datetime | None = None) -> UpdateResult:
    """Put ``pattern`` on the list (starting its workflow if it is not there yet); adding it again keeps
    one entry per ``source_id``.

    Raises:
        SuppressionError: a bad pattern or reason.
    """
    canonical = pattern_of(pattern)
    if reason not in REASONS:
        raise SuppressionError(f"reason {reason!r} is not one of {', '.join(REASONS)}")
    entry = SuppressionEntry(pattern=canonical, reason=reason, by=by, source_id=source_id, note=note[:300],
                             at=utc.iso(now) if now else utc.now())
    try:
        handle = await client.start_workflow(
            # Started empty: the update below records the entry, once, whoever started the workflow.
            SUPPRESSION_WORKFLOW, [], id=suppression_id(canonical), task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            memo={"entries": [dataclasses.asdict(entry)]}, static_summary=f"do not contact · {reason}")
    except WorkflowAlreadyStartedError:
        handle = client.get_workflow_handle(suppression_id(canonical))
    return await handle.execute_update(UPDATE_SUPPRESS, entry, result_type=UpdateResult)


async def remove(client: Client, pattern: str, *, by: str = "") -> bool:
    """Take ``pattern`` off the list; ``False`` when it was not on it.

    Raises:
        SuppressionError: a bad pattern.
    """
    handle = client.get_workflow_handle(suppression_id(pattern_of(pattern)))
    try:
        await handle.execute_update(UPDATE_UNSUPPRESS, OperatorInput(by=by), result_type=UpdateResult)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def check(client: Client, address: str) -> Suppressed | None:
    """Whether ``address`` is on the list (the address itself or its domains); no worker needed.

    Raises:
        SuppressionError: ``address`` is not an address.
    """
    for pattern in candidates(address):
        try:
            described = await client.get_workflow_handle(suppression_id(pattern)).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                continue
            raise
        if described.status == WorkflowExecutionStatus.RUNNING:
            memo = await described.memo()
            first = (memo.get("entries") or [{}])[0]
            return Suppressed(pattern, str(first.get("reason", "")), str(first.get("at", "")), str(first.get("by", "")))
    return None


async def listed(client: Client, limit: int | None = None) -> list[dict[str, Any]]:
    """Every pattern on the list with its first reason, newest first."""
    rows: list[dict[str, Any]] = []
    query = f"WorkflowType = '{SUPPRESSION_WORKFLOW}' AND {visibility.RUNNING}"
    async for wf in client.list_workflows(query):
        entries = (await wf.memo()).get("entries") or [{}]
        rows.append({**entries[0], "reasons": len(entries)})
        if limit is not None and len(rows) >= limit:
            break
    return rows


class SuppressionList:
    """The list as the channels and the gateway use it: bound to a client and the workers' task queue."""

    def __init__(self, client: Client, task_queue: str = DEFAULT_TASK_QUEUE) -> None:
        self.client = client
        self.task_queue = task_queue

    async def check(self, address: str) -> Suppressed | None:
        """See :func:`check`; an unusable address is not on the list."""
        try:
            return await check(self.client, address)
        except SuppressionError:
            return None

    async def add(self, address: str, reason: str, *, by: str, source_id: str = "", note: str = "") -> None:
        """See :func:`add`; an unusable address is skipped (nothing could be sent to it anyway)."""
        try:
            await add(self.client, address, reason, by=by, source_id=source_id, note=note, task_queue=self.task_queue)
        except SuppressionError:
            return


async def snapshot(client: Client) -> dict[str, Suppressed]:
    """Every pattern on the list now (for checking many addresses at once, e.g. a whole enrollment file)."""
    return {str(r.get("pattern", "")): Suppressed(str(r.get("pattern", "")), str(r.get("reason", "")),
                                                  str(r.get("at", "")), str(r.get("by", "")))
            for r in await listed(client)}


def suppressed_in(listed_now: dict[str, Suppressed], address: str) -> Suppressed | None:
    """Why ``address`` is on the list as :func:`snapshot` read it, or ``None``."""
    try:
        return next((listed_now[p] for p in candidates(address) if p in listed_now), None)
    except SuppressionError:
        return None


__all__ = ["REASONS", "Suppressed", "SuppressionError", "SuppressionList", "add", "candidates", "check", "listed",
           "pattern_of", "remove", "snapshot", "suppressed_in", "suppression_id"]
