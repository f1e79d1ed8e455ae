"""``/leads/ID``: where a lead is and what happened to it, and the operator actions (each confirmed first).

``GET /leads/ID/ACTION`` asks for confirmation (and the reason or note the
action needs) and changes nothing; only its form's ``POST`` acts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from cadence import client as api
from cadence.gateway.workspace import access, views
from cadence.gateway.workspace.tasks import settle
from cadence.gateway.workspace.web import Visit, handler, handoff_url, lead_url, sentence, task_url

MAX_NOTE = 2000
"""Longest note an operator may give with an action."""


@dataclass(frozen=True)
class Action:
    """An operator action of the lead page."""

    name: str
    label: str
    """The button."""
    question: str
    """The confirmation question; ``{lead}`` is the lead's name."""
    done: str
    """The flash message after it worked."""


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("pause", "Pause", "Pause {lead}? No touch happens until someone resumes the lead.", "Paused."),
    Action("resume", "Resume", "Resume {lead}? Touches that came due while paused happen now.", "Resumed."),
    Action("handoff", "Hand off now", "Hand {lead} to sales now, with the dossier as it stands?", "Handed off."),
    Action("disqualify", "Disqualify", "Disqualify {lead}? The nurture ends with the reason you choose.",
           "Disqualified."),
)}


@handler()
async def lead_page(visit: Visit) -> Response:
    """``GET /leads/ID``: status, stage, next step, open task, qualification, history and the actions allowed."""
    found = await _load(visit)
    if isinstance(found, Response):
        return found
    return _page(visit, found, 200)


@handler()
async def confirm(visit: Visit) -> Response:
    """``GET /leads/ID/ACTION``: the confirmation (changes nothing)."""
    found = await _load(visit, operating=True)
    if isinstance(found, Response):
        return found
    return await _confirm(visit, found, 200)


@handler()
async def operate(visit: Visit) -> Response:
    """``POST /leads/ID/ACTION``: the confirmed action, through the workflow's update, attributed to the user."""
    form = await visit.posted()
    if isinstance(form, Response):
        return form
    found = await _load(visit, operating=True)
    if isinstance(found, Response):
        return found
    state = found
    action = ACTIONS[visit.request.path_params["action"]]
    reason, note, to = form.get("reason", "").strip(), form.get("note", "").strip(), form.get("to", "").strip()
    problem = _not_now(state, action.name)
    if problem:
        return _page(visit, state, 409, problem=problem)
    if action.name == "disqualify":
        reasons = (await visit.ws.leads.terms(str(state["lead_id"]))).disqualify_reasons
        if reason not in reasons:
            return await _confirm(visit, state, 422, form=form, problem=f"Choose a reason the cadence declares: "
                                  f"{', '.join(reasons)}. Nothing was changed.")
    if len(note) > MAX_NOTE or len(to) > 254:
        return await _confirm(visit, state, 422, form=form, problem=f"Keep the note under {MAX_NOTE} characters. "
                              "Nothing was changed.")
    assert visit.user is not None
    try:
        await visit.ws.leads.operate(str(state["lead_id"]), action.name, visit.user.name, reason=reason, note=note,
                                     to=to)
    except api.ActionRefused as exc:
        if isinstance(exc, (api.Unreachable, api.NoWorker)):
            raise
        return _page(visit, await visit.ws.leads.state(str(state["lead_id"])), 409,
                     problem=f"The lead refused this: {sentence(str(exc))} Nothing was changed.")
    await settle(visit.ws.leads, str(state["lead_id"]))
    visit.flash(action.done)
    return visit.redirect(lead_url(str(state["lead_id"])))


async def _load(visit: Visit, *, operating: bool = False) -> dict[str, Any] | Response:
    user = visit.user
    assert user is not None
    lead_id = visit.request.path_params["lead_id"]
    if operating:
        if visit.request.path_params["action"] not in ACTIONS:
            action = visit.request.path_params["action"][:40]
            return visit.message("No such action", f"Leads have no action {action!r}.", 404)
        if not access.may_operate(user):
            return visit.message("Managers only", f"Only managers may pause, resume, hand off or disqualify a lead, "
                                 f"{user.name}. Nothing was changed.", 403,
                                 link=(lead_url(lead_id), "Back to the lead"))
    try:
        state = await visit.ws.leads.state(lead_id)
    except api.ActionRefused as exc:
        if isinstance(exc, (api.Unreachable, api.NoWorker)):
            raise
        return visit.message("No such lead", f"{exc}.", 404, link=("/tasks", "My queue"))
    if not access.may_see_lead(user, state):
        return visit.message("Not your lead", f"Lead {lead_id} is not one of yours, {user.name}: you see the leads you "
                             "own or work on.", 403, link=("/tasks", "My queue"))
    return state


def _not_now(state: Mapping[str, Any], action: str) -> str:
    """Why ``action`` cannot be done to the lead now, in words (empty: it can); the workflow checks again."""
    lead = views.lead_name(state.get("lead") or {})
    if state.get("status") == "ended":
        outcome = state.get("outcome") or {}
        return f"{lead} has already ended ({outcome.get('kind')}: {outcome.get('reason')}). Nothing was changed."
    if action == "pause" and state.get("status") == "paused":
        return f"{lead} is already paused{_last(state, 'paused')}. Nothing was changed."
    if action == "resume" and state.get("status") != "paused":
        return f"{lead} is not paused{_last(state, 'resumed')}. Nothing was changed."
    if action in ("handoff", "disqualify") and state.get("pending"):
        return f"{lead} is already being {'handed off' if action == 'handoff' else 'moved'}. Nothing was changed."
    return ""


def _last(state: Mapping[str, Any], outcome: str) -> str:
    entry = next((h for h in reversed(state.get("history") or []) if h.get("kind") == "operator"
                  and h.get("outcome") == outcome), None)
    return f" (by {entry.get('by') or 'someone'}, {entry.get('at')})" if entry else ""


def _page(visit: Visit, state: Mapping[str, Any], status: int, *, problem: str = "") -> Response:
    assert visit.user is not None
    lead = state.get("lead") or {}
    task = state.get("open_task")
    next_action = state.get("next_action") or {}
    actions = []
    if access.may_operate(visit.user) and state.get("status") != "ended":
        actions = [a for a in ACTIONS.values()
                   if not (a.name == "pause" and state.get("status") == "paused")
                   and not (a.name == "resume" and state.get("status") != "paused")]
    return visit.render(
        "lead", status, title=views.lead_name(lead), state=state, lead=lead, problem=problem, actions=actions,
        task=task, task_link=task_url(str(task["task_id"])) if task else "",
        may_work=bool(task) and access.may_work_task(visit.user, str(task.get("assignee", ""))),
        next_what=str(next_action.get("what") or ""), next_at=views.local(next_action.get("at"), visit.tz),
        next_in=views.relative(next_action.get("at"), state.get("now")),
        handoff_link=handoff_url(str(state["lead_id"])) if access.handoff_assignee(state) else "",
        attributes=views.qualification(state, visit.tz), history=views.history(state, visit.tz),
        lead_link=lead_url(str(state["lead_id"])), outcome=state.get("outcome") or {})


async def _confirm(visit: Visit, state: Mapping[str, Any], status: int, *, problem: str = "",
                   form: Mapping[str, str] | None = None) -> Response:
    action = ACTIONS[visit.request.path_params["action"]]
    lead = state.get("lead") or {}
    reasons: tuple[str, ...] = ()
    if action.name == "disqualify":
        reasons = (await visit.ws.leads.terms(str(state["lead_id"]))).disqualify_reasons
    return visit.render("confirm", status, title=f"{action.label}: {views.lead_name(lead)}", action=action,
                        question=action.question.format(lead=views.lead_name(lead)), state=state, reasons=reasons,
                        problem=problem or _not_now(state, action.name), form=dict(form or {}),
                        lead_link=lead_url(str(state["lead_id"])), owner=str(lead.get("owner") or ""))


__all__ = ["ACTIONS", "Action", "confirm", "lead_page", "operate"]
