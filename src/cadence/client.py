"""Client-side library API: enroll leads and act on running nurtures.

The CLI is a thin layer over these functions; so can be a CRM webhook or a
notebook. Every refusal comes back as :class:`ActionRefused` with the
workflow's one-line reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.api.workflow.v1 import WorkflowExecutionInfo
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import (
    Client,
    RPCError,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.client import WorkflowExecution as ExecutionInfo
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCStatusCode

from cadence import ir, suppression, utc, visibility
from cadence import vocabulary as vocab
from cadence.contacts import ContactKeys
from cadence.errors import Refusal
from cadence.lead import Lead
from cadence.messages import (
    DEFAULT_TASK_QUEUE,
    INTERPRETER_GENERATION,
    QUERY_STATE,
    SIGNAL_EVENT,
    UPDATE_ACCEPT,
    UPDATE_CONTACT_KEYS,
    UPDATE_DISQUALIFY,
    UPDATE_HANDOFF,
    UPDATE_LEAD,
    UPDATE_LOG_OUTCOME,
    UPDATE_MIGRATE,
    UPDATE_PAUSE,
    UPDATE_REJECT,
    UPDATE_RESUME,
    WORKFLOW_NAME,
    ContactKeysInput,
    EventInput,
    LeadUpdateInput,
    MigrateInput,
    OperatorInput,
    OutcomeInput,
    UpdateResult,
    workflow_id_for,
)
from cadence.visibility import SEARCH_ATTRIBUTES

_INDEXED = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    "KeywordList": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
}


class ActionRefused(Refusal):
    """The workflow (or the server) refused an action; the message says why."""


class Unreachable(ActionRefused):
    """The Temporal server did not answer: nothing was recorded; try again later."""


class NoAddress(ActionRefused):
    """The lead has no email address, so nothing keyed by one (a contact key) applies to it."""


class NoWorker(ActionRefused):
    """No worker answered a query in time: only what visibility knows is available."""


async def register_search_attributes(client: Client, namespace: str = "default") -> list[str]:
    """Register cadence's search attributes that the namespace lacks; returns the names added."""
    try:
        existing = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
        known = set(existing.custom_attributes) | set(existing.system_attributes)
    except RPCError as exc:
        if exc.status != RPCStatusCode.UNIMPLEMENTED:  # the time-skipping test server cannot list
            raise
        known = set()
    missing = {name: _INDEXED[kind] for name, kind in SEARCH_ATTRIBUTES.items() if name not in known}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)


# ---------------------------------------------------------------- enrollment


@dataclass(frozen=True)
class EnrollResult:
    """What happened to one lead."""

    lead_id: str
    status: Literal["enrolled", "already_enrolled", "rejected"]
    message: str = ""
    line: int = 0
    """Line of the source file the lead came from (0 when not from a file)."""
    handle: WorkflowHandle[Any, Any] | None = field(default=None, compare=False, repr=False)
    """The started workflow, when this call started it."""


def _initial_attributes(plan: ir.Plan, lead: Lead, contacts: ContactKeys | None) -> TypedSearchAttributes:
    values: dict[str, Any] = {
        visibility.NAME: plan.name,
        visibility.VERSION: plan.short_version,
        visibility.STAGE: vocab.PREQUALIFY,
        visibility.OUTCOME: visibility.ACTIVE,
        visibility.SOURCE: str(lead.fields.get("source", "marketing")),
    }
    if lead.fields.get("owner"):
        values[visibility.OWNER] = str(lead.fields["owner"])
    if contacts is not None and (found := contacts.of_lead(lead.fields)):
        values[visibility.CONTACT_KEYS] = list(found)
    keys = visibility.keys()
    return TypedSearchAttributes([SearchAttributePair(keys[name], value) for name, value in values.items()])


def static_details(plan: ir.Plan) -> str:
    """Markdown shown in the UI for the whole life of the workflow: the cadence it runs."""
    touches = [f"{s.kind} `{s.id}`" for s in plan.steps if s.kind in ir.TOUCH_KINDS]
    return "\n".join(
        [
            f"**Cadence:** {plan.name} (version `{plan.short_version}`{', ' + plan.version_label if plan.version_label else ''})",
            f"**Owner:** {plan.owner or '-'}",
            f"{plan.description}".strip(),
            f"**Touches ({len(touches)}):** " + ", ".join(touches),
        ]
    )


async def enroll(
    client: Client,
    plan: ir.Plan,
    lead: Lead,
    *,
    task_queue: str = DEFAULT_TASK_QUEUE,
    time_scale: float = 1.0,
    enrolled_by: str = "",
    history_limit: int | None = None,
    cadence_now: datetime | None = None,
    suppressed: dict[str, suppression.Suppressed] | None = None,
    contacts: ContactKeys | None = None,
) -> EnrollResult:
    """Start ``lead``'s nurture on ``plan``; a lead already enrolled is reported, never duplicated, and a lead
    whose address is on the do-not-contact list is rejected.

    Args:
        history_limit: continue-as-new past this many history events (default: the workflow's).
        cadence_now: the instant (timezone-aware) the lead's cadence clock starts at; the lead then
            lives that far ahead of (or behind) the server's clock. Tests and simulations state
            their start instant with it; default: the server's clock.
        suppressed: the do-not-contact list as :func:`cadence.suppression.snapshot` read it (many
            leads at once); default: the lead's address is looked up.
        contacts: when given (``inbound_match_sender``), the lead's address is published as its keyed
            digest, so the gateway can find the lead by who writes.
    """
    email = str(lead.fields.get("email") or "")
    if email:
        found = (suppression.suppressed_in(suppressed, email) if suppressed is not None
                 else await suppression.SuppressionList(client).check(email))
        if found is not None:
            return EnrollResult(lead.id, "rejected", f"{email} is {found.describe()}; not enrolled")
    extra: dict[str, Any] = {} if history_limit is None else {"history_limit": history_limit}
    if cadence_now is not None:
        if cadence_now.tzinfo is None:
            raise ValueError("cadence_now must be timezone-aware")
        extra["virtual_now"] = utc.iso(cadence_now)
    try:
        started = await client.start_workflow(
            WORKFLOW_NAME,
            # A plain dict with NurtureInput's fields: the converter deep-copies a dataclass, and the whole
            # plan in it, for every lead (what that costs: benchmarks/README.md).
            {"lead": lead.fields, "plan": ir.plan_for_input(plan), "time_scale": time_scale,
             "enrolled_by": enrolled_by, "interpreter_generation": INTERPRETER_GENERATION, **extra},
            id=workflow_id_for(lead.id),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=_initial_attributes(plan, lead, contacts),
            memo={"source": lead.fields.get("source", "marketing"), "campaign": lead.fields.get("campaign", ""),
                  "deal_size": lead.fields.get("deal_size"), "owner": lead.fields.get("owner", ""),
                  "cadence": plan.name},
            static_summary=f"{plan.name} · lead {lead.id}",
            static_details=static_details(plan),
        )
    except WorkflowAlreadyStartedError:
        return EnrollResult(lead.id, "already_enrolled", "already enrolled (one nurture per lead)")
    return EnrollResult(lead.id, "enrolled", handle=started)


async def enroll_many(
    client: Client,
    plan: ir.Plan,
    leads: Iterable[tuple[int, Lead | str]],
    *,
    task_queue: str = DEFAULT_TASK_QUEUE,
    time_scale: float = 1.0,
    concurrency: int = 64,
    enrolled_by: str = "",
    on_result: Callable[[EnrollResult], None] | None = None,
    contacts: ContactKeys | None = None,
) -> list[EnrollResult]:
    """Enroll many leads with bounded concurrency.

    Args:
        leads: ``(line, lead)`` pairs; a string instead of a lead is a rejection message.
        on_result: called once per lead as it completes (progress bars, rejects files).
        contacts: see :func:`enroll`.
    """
    suppressed = await suppression.snapshot(client)
    results: list[EnrollResult] = []
    queue: asyncio.Queue[tuple[int, Lead | str] | None] = asyncio.Queue(maxsize=concurrency * 2)

    def done(result: EnrollResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    async def worker() -> None:
        while (item := await queue.get()) is not None:
            line, lead = item
            if isinstance(lead, str):
                done(EnrollResult("", "rejected", lead, line))
                continue
            result = await enroll(client, plan, lead, task_queue=task_queue, time_scale=time_scale,
                                  enrolled_by=enrolled_by, suppressed=suppressed,
                                  contacts=contacts)
            done(EnrollResult(result.lead_id, result.status, result.message, line))

    workers = [asyncio.create_task(worker()) for _ in range(max(1, concurrency))]
    try:
        for item in leads:
            await queue.put(item)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    finally:
        for w in workers:
            w.cancel()
    return results


# ---------------------------------------------------------------- acting on a lead


def handle(client: Client, lead_id: str) -> WorkflowHandle[Any, Any]:
    """The handle of ``lead_id``'s nurture (latest run)."""
    return client.get_workflow_handle(workflow_id_for(lead_id))


def lead_id_of_task(task_id: str) -> str:
    """The lead a task belongs to (:func:`cadence.vocabulary.task_id_for` made the id).

    Raises:
        ActionRefused: when ``task_id`` is not a cadence task id.
    """
    workflow_id = vocab.workflow_id_of_task(task_id)
    lead_id = vocab.lead_id_of_workflow(workflow_id) if workflow_id else None
    if lead_id is None:
        example = vocab.task_id_for(workflow_id_for("L-1001"), "intro-call", 1)
        raise ActionRefused(f"{task_id!r} is not a task id (they look like {example})")
    return lead_id


QUERY_TIMEOUT = timedelta(seconds=10)
"""How long ``cadence status`` waits for a worker to answer the state query."""
UPDATE_TIMEOUT = timedelta(seconds=20)
"""How long a person waits for a worker to take their input before being told none is running."""


async def _update(client: Client, lead_id: str, name: str, arg: Any,
                  timeout: timedelta = UPDATE_TIMEOUT) -> UpdateResult:
    try:
        return await handle(client, lead_id).execute_update(name, arg, result_type=UpdateResult, rpc_timeout=timeout)
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        # Input is written to history only once a worker accepts it, so nothing was recorded.
        raise ActionRefused(f"no worker took the request for lead {lead_id} within {timeout.total_seconds():.0f} s; "
                            "nothing was recorded. Is `cadence worker` running? Run the command again when it is") from None
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        while isinstance(cause, ApplicationError) and cause.__cause__ is not None:
            cause = cause.__cause__
        raise ActionRefused(str(getattr(cause, "message", None) or cause or exc)) from None
    except RPCError as exc:
        raise ActionRefused(await _explain(client, exc, lead_id)) from None


async def _explain(client: Client, exc: RPCError, lead_id: str) -> str:
    """Say why a lead could not be reached: never enrolled, or already ended (and how)."""
    if exc.status != RPCStatusCode.NOT_FOUND and "completed" not in str(exc).lower():
        return str(exc)
    status = await _status(client, lead_id)
    if status is None:
        return f"lead {lead_id} is not enrolled"
    if status == WorkflowExecutionStatus.RUNNING:
        return str(exc)
    return f"lead {lead_id} has already ended ({status.name.lower()}); nothing was recorded"


async def _status(client: Client, lead_id: str) -> WorkflowExecutionStatus | None:
    """The status of the lead's latest run, or ``None`` when never enrolled (no search attributes decoded)."""
    try:
        raw = await client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(namespace=client.namespace,
                                             execution=WorkflowExecution(workflow_id=workflow_id_for(lead_id))))
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return WorkflowExecutionStatus(raw.workflow_execution_info.status)


async def log_outcome(client: Client, task_id: str, outcome: str, *, notes: str = "",
                      learned: dict[str, str] | None = None, by: str = "") -> UpdateResult:
    """A rep records the outcome of a call or voicemail task."""
    lead_id = lead_id_of_task(task_id)
    return await _update(client, lead_id, UPDATE_LOG_OUTCOME,
                         OutcomeInput(task_id=task_id, outcome=outcome, notes=notes, learned=learned or {}, by=by))


async def update_lead(client: Client, lead_id: str, fields: dict[str, Any], by: str = "", *,
                      contacts: ContactKeys | None = None) -> UpdateResult:
    """Change lead fields (validated like enrollment data).

    Args:
        contacts: as for :func:`enroll`: a changed address replaces the lead's contact key.
    """
    keys = contacts.of_change(fields) if contacts is not None else None
    return await _update(client, lead_id, UPDATE_LEAD, LeadUpdateInput(fields=fields, by=by, contact_keys=keys))


async def force_handoff(client: Client, lead_id: str, *, to: str = "", note: str = "", by: str = "") -> UpdateResult:
    """Hand the lead to sales now."""
    return await _update(client, lead_id, UPDATE_HANDOFF, OperatorInput(to=to, note=note, by=by))


async def disqualify(client: Client, lead_id: str, reason: str, *, note: str = "", by: str = "") -> UpdateResult:
    """Disqualify the lead with a reason its cadence declares."""
    return await _update(client, lead_id, UPDATE_DISQUALIFY, OperatorInput(reason=reason, note=note, by=by))


async def accept(client: Client, lead_id: str, *, note: str = "", by: str = "") -> UpdateResult:
    """Sales accepts a handed-off lead."""
    return await _update(client, lead_id, UPDATE_ACCEPT, OperatorInput(note=note, by=by))


async def reject(client: Client, lead_id: str, reason: str, *, by: str = "") -> UpdateResult:
    """Sales rejects a handed-off lead; it goes back to nurture with its history."""
    return await _update(client, lead_id, UPDATE_REJECT, OperatorInput(reason=reason, by=by))


async def migrate(client: Client, lead_id: str, root: ir.Plan, migration_id: str, *,
                  mapping: dict[str, str] | None = None, by: str = "") -> UpdateResult:
    """Move a running lead onto ``root`` (a version of its root cadence) at the mapped position."""
    return await _update(client, lead_id, UPDATE_MIGRATE, MigrateInput(
        plan=ir.plan_for_input(root), migration_id=migration_id, mapping=dict(mapping or {}), by=by))


async def pause(client: Client, lead_id: str, by: str = "") -> UpdateResult:
    """Stop the lead's touches until resumed."""
    return await _update(client, lead_id, UPDATE_PAUSE, OperatorInput(by=by))


async def resume(client: Client, lead_id: str, by: str = "") -> UpdateResult:
    """Resume a paused lead."""
    return await _update(client, lead_id, UPDATE_RESUME, OperatorInput(by=by))


EVENT_ALIASES = {
    "meeting": "meeting_booked",
    "callback": "callback_requested",
    "call_back": "callback_requested",
    "opt_out": "unsubscribe",
    "optout": "unsubscribe",
    "ooo": "out_of_office",
    "update": "lead_updated",
}


async def send_event(client: Client, lead_id: str, kind: str, data: dict[str, Any] | None = None,
                     source: str = "cli", *, contacts: ContactKeys | None = None) -> None:
    """Signal a system event (reply, meeting, callback, unsubscribe, bounce, lead data update).

    Args:
        contacts: as for :func:`enroll`: a ``lead_updated`` that changes the address replaces the
            lead's contact key.

    Raises:
        ActionRefused: unknown event kind, lead not enrolled or already ended.
    """
    kind = EVENT_ALIASES.get(kind.replace("-", "_"), kind.replace("-", "_"))
    if kind not in ir.SYSTEM_EVENT_KINDS:
        raise ActionRefused(f"unknown event {kind!r}; expected one of: {', '.join(ir.SYSTEM_EVENT_KINDS)}")
    fields = (data or {}).get("fields")
    keys = (contacts.of_change(fields) if contacts is not None and kind == "lead_updated" and isinstance(fields, dict)
            else None)
    try:
        # One call: a lead never enrolled or already ended makes the signal fail, and _explain says which.
        await handle(client, lead_id).signal(SIGNAL_EVENT, EventInput(kind=kind, data=data or {}, source=source,
                                                                      contact_keys=keys))
    except RPCError as exc:
        if exc.status in _UNREACHABLE:
            raise Unreachable(f"the Temporal server did not answer ({exc.status.name if exc.status else exc}); "
                              f"nothing was recorded for lead {lead_id}") from None
        raise ActionRefused(await _explain(client, exc, lead_id)) from None


_UNREACHABLE = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED)


def refusal(exc: RPCError) -> ActionRefused:
    """The refusal for a failed call: :class:`Unreachable` when the server did not answer."""
    if exc.status in _UNREACHABLE:
        return Unreachable(f"the Temporal server did not answer ({exc.status.name if exc.status else exc})")
    return ActionRefused(str(exc))


async def state(client: Client, lead_id: str) -> dict[str, Any]:
    """The lead's full state (works for running and for ended nurtures)."""
    try:
        return await handle(client, lead_id).query(QUERY_STATE, result_type=dict, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ActionRefused(f"lead {lead_id} is not enrolled") from None
        if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
            raise NoWorker(f"no worker answered for lead {lead_id} within {QUERY_TIMEOUT.total_seconds():.0f} s; "
                           "is `cadence worker` running?") from None
        raise ActionRefused(str(exc)) from None


async def started_input(client: Client, lead_id: str, *, first_run: bool = False) -> dict[str, Any] | None:
    """The input the lead's latest run (``first_run``: its enrollment run) started with (lead record, plan;
    no worker needed); ``None`` when never enrolled.

    Raises:
        Unreachable: the server did not answer. ActionRefused: it refused the call.
    """
    try:
        lead = handle(client, lead_id)
        if first_run:
            described = await lead.describe()
            first = described.raw_description.workflow_execution_info.first_run_id
            lead = client.get_workflow_handle(workflow_id_for(lead_id), run_id=first or None)
        async for event in lead.fetch_history_events():
            payloads = event.workflow_execution_started_event_attributes.input.payloads
            [inp] = await client.data_converter.decode(payloads, [dict])
            return dict(inp)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise refusal(exc) from None
    return None


async def leads_by_contact(client: Client, key: str, *, limit: int = 10) -> list[str]:
    """Running leads whose address has the contact key ``key`` (:mod:`cadence.contacts`), at most ``limit``."""
    query = f"{visibility.leads_query(WORKFLOW_NAME, **{visibility.CONTACT_KEYS: key})} AND {visibility.RUNNING}"
    found: list[str] = []
    async for execution in client.list_workflows(query, limit=limit):
        if lead_id := vocab.lead_id_of_workflow(execution.id):
            found.append(lead_id)
    return found


def without_contact_keys_query() -> str:
    """Running leads that have no contact key: enrolled before sender matching was on, or with no address."""
    return f"{visibility.leads_query(WORKFLOW_NAME)} AND {visibility.RUNNING} AND {visibility.CONTACT_KEYS} IS NULL"


async def publish_contact_keys(client: Client, lead_id: str, contacts: ContactKeys, *, by: str = "") -> UpdateResult:
    """Give a running lead the contact key of its current address (it enrolled before sender matching was on).

    The key is computed here, where the secret is; the workflow refuses it if the lead's address changed
    in between. The lead's own history is untouched.

    Raises:
        NoWorker: no worker answered. NoAddress: the lead has no address. ActionRefused: the lead has
        ended, or changed its address meanwhile.
    """
    email = str((await state(client, lead_id)).get("lead", {}).get("email") or "")
    keys = list(contacts.of_lead({"email": email}))
    if not keys:
        raise NoAddress(f"lead {lead_id} has no email address; it has no contact key")
    return await _update(client, lead_id, UPDATE_CONTACT_KEYS, ContactKeysInput(email=email, keys=keys, by=by))


async def enrolled_lead(client: Client, lead_id: str) -> dict[str, Any] | None:
    """The lead record its latest run started with (no worker needed); ``None`` when never enrolled.

    Raises:
        Unreachable: the server did not answer.
    """
    inp = await started_input(client, lead_id)
    return None if inp is None else dict(inp.get("lead") or {})


async def opt_out(client: Client, lead_id: str, *, source: str, event_id: str = "",
                  task_queue: str = DEFAULT_TASK_QUEUE) -> str:
    """The lead asked for no more email (an unsubscribe link, a complaint, an operator): its address goes on
    the do-not-contact list, which every cadence honours for good, and a running nurture gets
    ``unsubscribe``. Safe to repeat: the list keeps one entry per ``event_id`` and the lead takes it once.

    Returns:
        What happened, in words.

    Raises:
        Unreachable: nothing was recorded; try again. ActionRefused: the lead was never enrolled.
    """
    lead = await enrolled_lead(client, lead_id)
    if lead is None:
        raise ActionRefused(f"lead {lead_id} is not enrolled")
    event_id = event_id or f"unsubscribe:{lead_id}"
    email = str(lead.get("email") or "")
    try:
        if email:
            await suppression.add(client, email, "unsubscribed", by=source, source_id=event_id,
                                  note=f"lead {lead_id}", task_queue=task_queue)
        if await _status(client, lead_id) == WorkflowExecutionStatus.RUNNING:
            await send_event(client, lead_id, "unsubscribe", {"event_id": event_id, "detail": f"opted out via {source}"},
                             source=source)
            return "unsubscribed; the lead's nurture stops"
    except RPCError as exc:
        raise refusal(exc) from None
    return "unsubscribed" + ("" if email else " (the lead has no email address)")


async def lead_row(client: Client, lead_id: str) -> LeadRow | None:
    """What visibility knows of a lead (no worker needed), or ``None`` when it was never enrolled."""
    try:
        described = await handle(client, lead_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise refusal(exc) from None
    return _row(described)


@dataclass(frozen=True)
class LeadRow:
    """One lead as the visibility store sees it (no query round trip)."""

    lead_id: str
    cadence: str
    version: str
    stage: str
    outcome: str
    reason: str
    touches: int
    score: int
    owner: str
    source: str
    open_task: str
    next_action_at: datetime | None
    status: str
    started_at: datetime | None


def list_query(cadence: str | None = None, stage: str | None = None, outcome: str | None = None,
               owner: str | None = None, open_task: bool = False) -> str:
    """The visibility query for ``cadence list`` filters (also usable in the Temporal UI): one row
    per lead, its latest run."""
    query = visibility.leads_query(WORKFLOW_NAME, **{visibility.NAME: cadence, visibility.STAGE: stage,
                                                     visibility.OUTCOME: outcome, visibility.OWNER: owner})
    if open_task:
        query += f" AND {visibility.OPEN_TASK} IN ({', '.join(repr(kind) for kind in vocab.TASK_KINDS)})"
    return query


async def list_leads(client: Client, query: str, limit: int | None = None) -> AsyncIterator[LeadRow]:
    """Leads matching a visibility ``query``, newest first."""
    async for page in list_lead_pages(client, query, limit):
        for row in page:
            yield row


async def list_lead_pages(client: Client, query: str, limit: int | None = None) -> AsyncIterator[list[LeadRow]]:
    """:func:`list_leads` a visibility page at a time, each page as soon as it arrives (the next one is on its way)."""
    async for page in visibility.pages(client, query, limit=limit):
        yield _rows(page)


def _row(wf: ExecutionInfo) -> LeadRow:
    return _rows([wf.raw_info])[0]


def _rows(page: Sequence[WorkflowExecutionInfo]) -> list[LeadRow]:
    """The rows of a raw visibility page, its search attributes decoded together (:func:`visibility.page_attributes`)."""
    rows = []
    for info, sa in zip(page, visibility.page_attributes(page)):
        rows.append(LeadRow(
            lead_id=vocab.lead_id_of_workflow(info.execution.workflow_id) or info.execution.workflow_id,
            cadence=sa.get(visibility.NAME) or "",
            version=sa.get(visibility.VERSION) or "",
            stage=sa.get(visibility.STAGE) or "",
            outcome=sa.get(visibility.OUTCOME) or "",
            reason=sa.get(visibility.REASON) or "",
            touches=sa.get(visibility.TOUCHES) or 0,
            score=sa.get(visibility.SCORE) or 0,
            owner=sa.get(visibility.OWNER) or "",
            source=sa.get(visibility.SOURCE) or "",
            open_task=sa.get(visibility.OPEN_TASK) or "",
            next_action_at=sa.get(visibility.NEXT_ACTION_AT),
            status=WorkflowExecutionStatus(info.status).name.lower() if info.status else "",
            started_at=info.start_time.ToDatetime(tzinfo=UTC) if info.HasField("start_time") else None,
        ))
    return rows


def open_task_query(assignees: Iterable[str] | None = None) -> str:
    """Running leads with an open call or voicemail task; with ``assignees``, only those assigned to one of them.

    Leads whose task opened before the task's assignee was a search attribute have none: they are
    listed for anyone until they next move (callers check the task's assignee in the lead's state).
    """
    query = f"{list_query(open_task=True)} AND {visibility.RUNNING}"
    if assignees is not None:
        names = ", ".join(f"'{visibility.quote(a)}'" for a in sorted(set(assignees))) or "''"
        query += f" AND ({visibility.TASK_ASSIGNEE} IN ({names}) OR {visibility.TASK_ASSIGNEE} IS NULL)"
    return query


STATE_CONCURRENCY = 16
"""Leads asked for their state at once when a listing needs each one's state."""


async def open_task_states(client: Client, assignees: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The state of each running lead with an open call or voicemail task (``assignees``': see
    :func:`open_task_query`), asked :data:`STATE_CONCURRENCY` at a time.

    Raises:
        NoWorker: no worker answers. Unreachable: the server does not (a lead that ended between the
            listing and its query is left out).
    """
    try:
        rows = [row async for row in list_leads(client, open_task_query(assignees))]
    except RPCError as exc:
        raise refusal(exc) from None
    gate = asyncio.Semaphore(STATE_CONCURRENCY)

    async def one(lead_id: str) -> dict[str, Any] | None:
        async with gate:
            try:
                return await state(client, lead_id)
            except (NoWorker, Unreachable):
                raise
            except ActionRefused:
                return None

    states = await asyncio.gather(*(one(row.lead_id) for row in rows))
    return [st for st in states if st is not None and st.get("open_task")]


async def open_tasks(client: Client, assignee: str | None = None) -> list[dict[str, Any]]:
    """Open call and voicemail tasks, each with its lead id and cadence, soonest due first (``assignee``'s only)."""
    states = await open_task_states(client, None if assignee is None else [assignee])
    tasks = [{**st["open_task"], "lead_id": st["lead_id"], "cadence": st["cadence"]} for st in states
             if assignee is None or st["open_task"]["assignee"] == assignee]
    tasks.sort(key=lambda t: t["due_at"])
    return tasks


async def task(client: Client, task_id: str) -> dict[str, Any]:
    """One task, open or not, with the lead id.

    Raises:
        ActionRefused: when no such task is open.
    """
    lead_id = lead_id_of_task(task_id)
    st = await state(client, lead_id)
    open_task = st.get("open_task")
    if not open_task or open_task["task_id"] != task_id:
        raise ActionRefused(f"task {task_id} is not open" + (f" (the open task is {open_task['task_id']})" if open_task else ""))
    return {**open_task, "lead_id": lead_id, "cadence": st.get("cadence")}


__all__ = [
    "STATE_CONCURRENCY",
    "ActionRefused",
    "accept",
    "EnrollResult",
    "LeadRow",
    "disqualify",
    "enroll",
    "enroll_many",
    "force_handoff",
    "enrolled_lead",
    "leads_by_contact",
    "refusal",
    "started_input",
    "lead_id_of_task",
    "lead_row",
    "list_lead_pages",
    "list_leads",
    "list_query",
    "log_outcome",
    "NoWorker",
    "NoAddress",
    "opt_out",
    "publish_contact_keys",
    "Unreachable",
    "open_task_query",
    "open_task_states",
    "open_tasks",
    "pause",
    "register_search_attributes",
    "reject",
    "resume",
    "send_event",
    "state",
    "task",
    "update_lead",
    "without_contact_keys_query",
]
