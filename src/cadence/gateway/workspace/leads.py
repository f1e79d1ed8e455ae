"""What the workspace asks of leads, and its one implementation over the client API (:mod:`cadence.client`).

Pages depend on :class:`WorkspaceLeads` only, so they are tested against the
pure engine without a server. Every method raises :class:`cadence.client.ActionRefused`
with the workflow's own words when a lead refuses, and :class:`cadence.client.Unreachable`
or :class:`cadence.client.NoWorker` when nobody can answer now.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from cadence import client as api
from cadence import ir
from cadence.gateway.leads import LeadPort


@dataclass(frozen=True)
class CadenceTerms:
    """What a lead's cadence says about ending it: read from the plan the lead runs."""

    disqualify_reasons: tuple[str, ...] = ()
    """Reasons an operator may disqualify with."""
    acceptance_deadline: str = ""
    """How long sales has to accept (``2 business days``); empty: the handoff ends the nurture."""
    escalate_to: str = ""
    """Who gets the lead after a first missed deadline; empty: it is recycled at once."""
    recycle: str = ""
    """The track rejected and unaccepted leads go back to."""


class WorkspaceLeads(Protocol):
    """The leads as the workspace reads and changes them."""

    async def open_tasks(self, assignees: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The state (:func:`cadence.client.state`) of every running lead with an open call or voicemail task;
        with ``assignees``, at least those whose task is assigned to one of them (callers still check)."""
        ...

    async def state(self, lead_id: str) -> dict[str, Any]:
        """One lead's state; ActionRefused when never enrolled."""
        ...

    async def terms(self, lead_id: str) -> CadenceTerms:
        """What the lead's current cadence says about disqualifying and accepting it."""
        ...

    async def log_outcome(self, task_id: str, outcome: str, notes: str, learned: dict[str, str], by: str) -> str:
        """Record a task's outcome; the workflow's confirmation."""
        ...

    async def operate(self, lead_id: str, action: str, by: str, *, reason: str = "", note: str = "",
                      to: str = "") -> str:
        """``accept``, ``reject``, ``pause``, ``resume``, ``handoff`` or ``disqualify``; the workflow's confirmation."""
        ...


class TemporalLeads:
    """:class:`WorkspaceLeads` over the gateway's Temporal client."""

    def __init__(self, port: LeadPort) -> None:
        self.port = port

    async def open_tasks(self, assignees: Collection[str] | None = None) -> list[dict[str, Any]]:
        """See :meth:`WorkspaceLeads.open_tasks`: one visibility query by assignee, then each listed lead's state."""
        return await api.open_task_states(await self.port.client(), assignees)

    async def state(self, lead_id: str) -> dict[str, Any]:
        """See :meth:`WorkspaceLeads.state`."""
        return await api.state(await self.port.client(), lead_id)

    async def terms(self, lead_id: str) -> CadenceTerms:
        """See :meth:`WorkspaceLeads.terms`: read from the input of the lead's latest run."""
        inp = await api.started_input(await self.port.client(), lead_id)
        if inp is None:
            return CadenceTerms()
        plan = ir.plan_from_dict_cached(inp["plan"])
        acceptance = plan.acceptance
        if acceptance is None:
            return CadenceTerms(plan.disqualify_reasons)
        return CadenceTerms(plan.disqualify_reasons, str(acceptance.deadline), acceptance.escalate_to,
                            acceptance.recycle)

    async def log_outcome(self, task_id: str, outcome: str, notes: str, learned: dict[str, str], by: str) -> str:
        """See :meth:`WorkspaceLeads.log_outcome`."""
        client = await self.port.client()
        result = await api.log_outcome(client, task_id, outcome, notes=notes, learned=learned, by=by)
        return result.message

    async def operate(self, lead_id: str, action: str, by: str, *, reason: str = "", note: str = "",
                      to: str = "") -> str:
        """See :meth:`WorkspaceLeads.operate`."""
        client = await self.port.client()
        if action == "accept":
            result = await api.accept(client, lead_id, note=note, by=by)
        elif action == "reject":
            result = await api.reject(client, lead_id, reason, by=by)
        elif action == "pause":
            result = await api.pause(client, lead_id, by=by)
        elif action == "resume":
            result = await api.resume(client, lead_id, by=by)
        elif action == "handoff":
            result = await api.force_handoff(client, lead_id, to=to, note=note, by=by)
        elif action == "disqualify":
            result = await api.disqualify(client, lead_id, reason, note=note, by=by)
        else:
            raise ValueError(f"unknown action {action!r}")
        return result.message


__all__ = ["CadenceTerms", "TemporalLeads", "WorkspaceLeads"]
