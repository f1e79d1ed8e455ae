"""Custom search attributes: what operators filter on in the Temporal UI, and the queries over them.

The names, their types and their typed keys are defined here once: the server
launcher registers them, enrollment sets the first values, the workflow
upserts them, and listings and the report read them and filter on them.
Never personal data: search attributes are stored unencrypted.

Listings of many leads read raw visibility pages (:func:`pages`) and decode a
page's values in one go (:func:`page_attributes`, :func:`page_memos`): the SDK's
``list_workflows`` decodes every search attribute twice and every memo field with
a call of its own, which was most of the time of ``cadence list`` and ``cadence
report`` at 20,000 leads (benchmarks/README.md, figure 11).

Standard library at import time (the CLI and the launcher import it without
the SDK); :func:`keys` and the page readers import ``temporalio`` on first use.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

NAME = "CadenceName"
"""The cadence (plan name) the lead runs."""
VERSION = "CadenceVersion"
"""The plan's short sha256."""
STAGE = "CadenceStage"
"""The lead's stage (:data:`cadence.vocabulary.STAGES`, ``track:NAME``)."""
TOUCHES = "CadenceTouches"
SCORE = "CadenceScore"
NEXT_ACTION_AT = "CadenceNextActionAt"
OUTCOME = "CadenceOutcome"
"""How the lead ended (:data:`cadence.vocabulary.OUTCOME_KINDS`), or while it runs :data:`ACTIVE`,
:data:`PAUSED` or :data:`AWAITING_ACCEPTANCE`."""
REASON = "CadenceReason"
"""The disqualification reason."""
OWNER = "CadenceOwner"
SOURCE = "CadenceSource"
OPEN_TASK = "CadenceOpenTask"
"""The kind of the open task (``call``, ``voicemail``), empty when none is open."""
TASK_ASSIGNEE = "CadenceTaskAssignee"
"""Who the open task waits for (a rep's name, ``queue:NAME``), empty when none is open: a rep's queue is
one visibility query, not a look at every lead."""
CONTACT_KEYS = "CadenceContactKeys"
"""Keyed digests of the lead's addresses (:mod:`cadence.contacts`), set at enrollment only where
``inbound_match_sender`` is on: the gateway finds a lead by who writes without any address stored here."""

ACTIVE = "active"
"""``CadenceOutcome`` of a lead being worked."""
PAUSED = "paused"
"""``CadenceOutcome`` of a lead an operator paused."""
AWAITING_ACCEPTANCE = "awaiting_acceptance"
"""``CadenceOutcome`` of a lead handed off and waiting for sales to accept it."""

SEARCH_ATTRIBUTES: dict[str, str] = {
    NAME: "Keyword",
    VERSION: "Keyword",
    STAGE: "Keyword",
    TOUCHES: "Int",
    SCORE: "Int",
    NEXT_ACTION_AT: "Datetime",
    OUTCOME: "Keyword",
    REASON: "Keyword",
    OWNER: "Keyword",
    SOURCE: "Keyword",
    OPEN_TASK: "Keyword",
    TASK_ASSIGNEE: "Keyword",
    # A list (a lead may have several addresses) and not one more Keyword: the dev server's SQLite
    # visibility holds ten custom Keyword attributes, and the nine above use all but one.
    CONTACT_KEYS: "KeywordList",
}
"""Attribute name -> Temporal type (as ``temporal server start-dev --search-attribute`` spells it)."""
ENROLLMENT_ONLY: frozenset[str] = frozenset({CONTACT_KEYS})
"""Attributes set when a lead is enrolled and never upserted by its workflow (they outlive continue-as-new)."""

LATEST_RUN = "ExecutionStatus != 'ContinuedAsNew'"
"""Visibility clause every listing of leads adds: a lead that continued as new (a track switch, a
recycle after sales said no, a long history) leaves its earlier runs behind with the values they
had then; only a lead's latest run tells where it is."""
RUNNING = "ExecutionStatus = 'Running'"
"""Visibility clause of workflows still running (leads in flight; listed addresses)."""

_KEYS: dict[str, Any] = {}


def keys() -> dict[str, Any]:
    """Attribute name -> its ``temporalio.common.SearchAttributeKey`` (built once per process)."""
    if not _KEYS:
        from temporalio.common import SearchAttributeKey

        factories = {"Keyword": SearchAttributeKey.for_keyword, "Int": SearchAttributeKey.for_int,
                     "Datetime": SearchAttributeKey.for_datetime,
                     "KeywordList": SearchAttributeKey.for_keyword_list}
        _KEYS.update({name: factories[kind](name) for name, kind in SEARCH_ATTRIBUTES.items()})
    return _KEYS


def quote(value: str) -> str:
    """``value`` as the inside of a single-quoted visibility-query string."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def leads_query(workflow_type: str, **equal: str | None) -> str:
    """The visibility query over the latest runs of ``workflow_type`` whose attributes equal the given values.

    Args:
        workflow_type: the workflow type name (:data:`cadence.messages.WORKFLOW_NAME`).
        equal: attribute name -> value; ``None`` or empty leaves the attribute out.
    """
    clauses = [f"WorkflowType = '{workflow_type}'", LATEST_RUN]
    clauses += [f"{attr} = '{quote(value)}'" for attr, value in equal.items() if value]
    return " AND ".join(clauses)


PAGE_SIZE = 1000
"""Rows per visibility page: the frontend's default maximum (``frontend.visibilityMaxPageSize``)."""

_JSON = b"json/plain"
_NULL = b"binary/null"


async def pages(client: Any, query: str, *, page_size: int = PAGE_SIZE,
                limit: int | None = None) -> AsyncIterator[Sequence[Any]]:
    """Raw visibility rows matching ``query``, a page at a time, newest first.

    The next page is asked for before this one is handed over, so the server finds it
    while the caller decodes (on a small box they share the cores).

    Args:
        client: a connected ``temporalio.client.Client``.
        query: the visibility query.
        page_size: rows per page asked for.
        limit: at most this many rows in all.

    Yields:
        ``temporalio.api.workflow.v1.WorkflowExecutionInfo`` rows, one page at a time.
    """
    from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest

    def ask(token: bytes, left: int | None) -> asyncio.Future[Any]:
        size = page_size if left is None else min(page_size, left)
        request = ListWorkflowExecutionsRequest(namespace=client.namespace, page_size=size, next_page_token=token,
                                                query=query)
        return asyncio.ensure_future(client.workflow_service.list_workflow_executions(request, retry=True))

    if limit is not None and limit <= 0:
        return
    left = limit
    pending: asyncio.Future[Any] | None = ask(b"", left)
    try:
        while pending is not None:
            page = await pending
            rows = page.executions if left is None else page.executions[:left]
            if left is not None:
                left -= len(rows)
            more = bool(page.next_page_token) and (left is None or left > 0)
            pending = ask(page.next_page_token, left) if more else None
            if rows:
                yield rows
    finally:
        if pending is not None:
            pending.cancel()


def _json_values(data: list[bytes]) -> list[Any]:
    # One parse for a page's values: a json.loads per value cost more than the parse itself.
    return json.loads(b"[" + b",".join(data) + b"]") if data else []


def page_attributes(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The values of :data:`SEARCH_ATTRIBUTES` set on each raw visibility row (others are left out).

    Values are as the SDK's typed search attributes give them: ``str``, ``int``, aware
    ``datetime``, a list of ``str``; a value of the wrong type is left out, as the SDK leaves it out.
    """
    where: list[tuple[int, str]] = []
    data: list[bytes] = []
    for i, row in enumerate(rows):
        for name, payload in row.search_attributes.indexed_fields.items():
            if name in SEARCH_ATTRIBUTES and payload.metadata.get("encoding") == _JSON:
                where.append((i, name))
                data.append(payload.data)
    out: list[dict[str, Any]] = [{} for _ in rows]
    for (i, name), value in zip(where, _json_values(data)):
        kind = SEARCH_ATTRIBUTES[name]
        if kind == "KeywordList":
            if isinstance(value, list):
                out[i][name] = value
            continue
        if isinstance(value, list):  # the server may hand a single value back as a one-item list
            if len(value) != 1:
                continue
            value = value[0]
        if kind == "Datetime" and isinstance(value, str):
            out[i][name] = datetime.fromisoformat(value)
        elif (kind == "Int" and isinstance(value, int) and not isinstance(value, bool)) or (
                kind == "Keyword" and isinstance(value, str)):
            out[i][name] = value
    return out


async def page_memos(converter: Any, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Each raw visibility row's memo, decoded as ``WorkflowExecution.memo()`` would, with one codec call per page.

    Args:
        converter: the client's ``temporalio.converter.DataConverter`` (its payload codec, if any, decrypts).
        rows: raw visibility rows.
    """
    where: list[tuple[int, str]] = []
    payloads: list[Any] = []
    for i, row in enumerate(rows):
        for key, payload in row.memo.fields.items():
            where.append((i, key))
            payloads.append(payload)
    if converter.payload_codec is not None and payloads:
        payloads = await converter.payload_codec.decode(payloads)
    plain = [k for k, p in enumerate(payloads) if p.metadata.get("encoding") == _JSON]
    values: list[Any] = [None] * len(payloads)
    for k, value in zip(plain, _json_values([payloads[k].data for k in plain])):
        values[k] = value
    for k, payload in enumerate(payloads):
        if payload.metadata.get("encoding") not in (_JSON, _NULL):
            values[k] = converter.payload_converter.from_payloads([payload])[0]
    out: list[dict[str, Any]] = [{} for _ in rows]
    for (i, key), value in zip(where, values):
        out[i][key] = value
    return out


__all__ = [
    "ACTIVE",
    "AWAITING_ACCEPTANCE",
    "CONTACT_KEYS",
    "ENROLLMENT_ONLY",
    "LATEST_RUN",
    "NAME",
    "NEXT_ACTION_AT",
    "OPEN_TASK",
    "OUTCOME",
    "OWNER",
    "PAGE_SIZE",
    "PAUSED",
    "REASON",
    "RUNNING",
    "SCORE",
    "SEARCH_ATTRIBUTES",
    "SOURCE",
    "STAGE",
    "TASK_ASSIGNEE",
    "TOUCHES",
    "VERSION",
    "keys",
    "leads_query",
    "page_attributes",
    "page_memos",
    "pages",
    "quote",
]
