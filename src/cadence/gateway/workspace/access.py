"""Who may see and do what in the workspace: pure rules over a user and a lead's state.

Reps see and complete their own tasks and their queues'; they see the leads
they work (owner, assignee of the open task or handoff, or who logged a touch).
Managers see everything and alone may pause, resume, hand off and disqualify.
A handoff may be answered by a manager, by its assignee, or through the link
emailed to the assignee.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cadence.gateway.workspace.sessions import Grant
from cadence.gateway.workspace.users import User


def may_work_task(user: User, assignee: str) -> bool:
    """Whether ``user`` may open and complete a task assigned to ``assignee``."""
    return user.manager or user.is_assignee(assignee)


def handoff_assignee(state: Mapping[str, Any]) -> str:
    """Who the lead's handoff is (or was last) assigned to; empty when never handed off."""
    acceptance = state.get("acceptance") or {}
    outcome = state.get("outcome") or {}
    if acceptance.get("to"):
        return str(acceptance["to"])
    return str(outcome.get("to") or "") if outcome.get("kind") == "handoff" else ""


def may_see_lead(user: User, state: Mapping[str, Any]) -> bool:
    """Whether ``user`` may open the lead's page."""
    if user.manager:
        return True
    task = state.get("open_task") or {}
    lead = state.get("lead") or {}
    if any(user.is_assignee(str(a)) for a in (lead.get("owner") or "", task.get("assignee") or "",
                                              handoff_assignee(state)) if a):
        return True
    return any(h.get("kind") == "touch" and h.get("by") == user.name for h in state.get("history") or [])


def may_operate(user: User) -> bool:
    """Whether ``user`` may pause, resume, hand off or disqualify a lead."""
    return user.manager


def may_answer_handoff(user: User, state: Mapping[str, Any]) -> bool:
    """Whether ``user`` may accept or reject the lead's handoff (by role or assignment)."""
    assignee = handoff_assignee(state)
    return user.manager or (bool(assignee) and user.is_assignee(assignee))


def handoff_started(state: Mapping[str, Any]) -> str:
    """When the lead's current handoff began (ISO UTC of its ``handed_off`` stage; empty: none)."""
    for stage in reversed(state.get("stages") or []):
        if stage.get("stage") == "handed_off":
            return str(stage.get("entered_at") or "")
        if stage.get("stage") != "accepted":  # anything else: back in nurture, or not delivered yet
            return ""
    return ""


def grant_covers(grant: Grant, state: Mapping[str, Any], now: datetime) -> bool:
    """Whether an emailed link's grant reaches the lead's current handoff (not an earlier one) at ``now``.

    A link names the deadline its email gave; that deadline lies after the start of
    the handoff it belongs to, and before the start of any later handoff of the lead.
    """
    if grant.expires <= now.timestamp():
        return False
    started = handoff_started(state)
    if not started:
        return False
    if not grant.answer_by:  # a cadence without acceptance: the link shows the dossier of the ended handoff
        return (state.get("outcome") or {}).get("kind") == "handoff"
    return _instant(grant.answer_by) > _instant(started)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


__all__ = ["grant_covers", "handoff_assignee", "handoff_started", "may_answer_handoff", "may_operate",
           "may_see_lead", "may_work_task"]
