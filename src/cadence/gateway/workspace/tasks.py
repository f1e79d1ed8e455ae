"""``/tasks`` (a rep's queue) and ``/tasks/ID`` (the brief, the lead's history and qualification, the outcome form)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from cadence import client as api
from cadence.gateway.workspace import access, views
from cadence.gateway.workspace.leads import WorkspaceLeads
from cadence.gateway.workspace.users import User
from cadence.gateway.workspace.web import Visit, handler, lead_url, sentence

MAX_NOTES = 5000
"""Call notes longer than this are refused (the dossier quotes them to sales)."""
MAX_FACT = 2000
"""The workflow's own limit on one qualification fact."""
SETTLE_SECONDS = 3.0
"""How long a page waits after an action for the lead to move (open its next task, hand off) before showing it."""
_SETTLED = frozenset({"task_open", "waiting", "loop_wait", "window", "acceptance", "ended"})


@handler()
async def queue(visit: Visit) -> Response:
    """``GET /tasks``: the user's open tasks and their queues' (a manager: everybody's), overdue first."""
    user = _user(visit)
    states = [st for st in await visit.ws.leads.open_tasks(None if user.manager else user.assignees())
              if access.may_work_task(user, str(st["open_task"].get("assignee", "")))]
    choices = list(user.assignees())
    if user.manager:
        choices += sorted({str(st["open_task"].get("assignee", "")) for st in states} - set(choices))
    wanted = visit.request.query_params.get("assignee", "")
    if wanted and wanted in choices:
        states = [st for st in states if st["open_task"].get("assignee") == wanted]
    else:
        wanted = ""
    rows = views.queue(states, visit.tz)
    return visit.render("queue", title="My queue", rows=rows, choices=choices, wanted=wanted)


@handler()
async def task_page(visit: Visit) -> Response:
    """``GET /tasks/ID``: an open task with its form, or how a closed one was closed."""
    task_id = visit.request.path_params["task_id"]
    found = await _find(visit, task_id)
    if isinstance(found, Response):
        return found
    state, task = found
    if task is None:
        return _closed(visit, state, task_id, 200, "")
    return _task(visit, state, task, 200)


@handler()
async def log_outcome(visit: Visit) -> Response:
    """``POST /tasks/ID``: record the outcome through the workflow's update; any refusal is shown in words and
    nothing is recorded (the update is one message: outcome, notes and facts together, or nothing)."""
    form = await visit.posted()
    if isinstance(form, Response):
        return form
    task_id = visit.request.path_params["task_id"]
    found = await _find(visit, task_id)
    if isinstance(found, Response):
        return found
    state, task = found
    if task is None:
        return _closed(visit, state, task_id, 409, "Nothing was recorded: this task was already closed.")
    user = _user(visit)
    outcome, notes = form.get("outcome", ""), form.get("notes", "").strip()
    learned = {k[len("learned."):]: v.strip() for k, v in form.items() if k.startswith("learned.") and v.strip()}
    problem = _problem(state, task, outcome, notes, learned)
    if problem:
        return _task(visit, state, task, 422, problem=problem, form=form)
    try:
        confirmed = await visit.ws.leads.log_outcome(task_id, outcome, notes, learned, user.name)
    except api.ActionRefused as exc:
        if isinstance(exc, (api.Unreachable, api.NoWorker)):
            raise
        return _task(visit, state, task, 409, form=form,
                     problem=f"The lead refused this: {sentence(str(exc))} Nothing was recorded.")
    await settle(visit.ws.leads, str(state["lead_id"]))
    visit.flash(f"Recorded: {outcome.replace('_', ' ')} ({confirmed}).")
    return visit.redirect(lead_url(str(state["lead_id"])))


async def settle(leads: WorkspaceLeads, lead_id: str, seconds: float = SETTLE_SECONDS) -> None:
    """Wait (a little) until the lead has acted on what a person just told it, so the next page shows where it went."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            state = await leads.state(lead_id)
        except api.ActionRefused:
            return
        if _settled(state):
            return
        if asyncio.get_running_loop().time() > deadline:
            return
        await asyncio.sleep(0.1)


def _settled(state: Mapping[str, Any]) -> bool:
    """Whether the lead rests: nothing queued, not between a closed task and the next, no dossier on its way."""
    if state.get("pending") or state.get("stage") == "sales_ready":
        return False
    if state.get("phase") == "task_open":
        return bool(state.get("open_task"))
    return state.get("phase") in _SETTLED


def _user(visit: Visit) -> User:
    assert visit.user is not None  # handler() lets only signed-in visits through
    return visit.user


async def _find(visit: Visit, task_id: str) -> tuple[dict[str, Any], dict[str, Any] | None] | Response:
    """The lead's state and the task when open (``None``: closed), or the page refusing to show it."""
    user = _user(visit)
    try:
        lead_id = api.lead_id_of_task(task_id)
        state = await visit.ws.leads.state(lead_id)
    except api.ActionRefused as exc:
        if isinstance(exc, (api.Unreachable, api.NoWorker)):
            raise
        return visit.message("No such task", f"There is no task {task_id}: {exc}.", 404, link=("/tasks", "My queue"))
    task = state.get("open_task")
    if task and task.get("task_id") == task_id:
        if not access.may_work_task(user, str(task.get("assignee", ""))):
            return _not_yours(visit, task)
        return state, task
    if views.closed_task(state, task_id) is None:
        return visit.message("No such task", f"Lead {lead_id} has no task {task_id}.", 404, link=("/tasks", "My queue"))
    if not access.may_see_lead(user, state):
        return visit.message("Not your task", f"This task is not yours, {user.name}: you can open your own tasks "
                             "and your queues'.", 403, link=("/tasks", "My queue"))
    return state, None


def _not_yours(visit: Visit, task: Mapping[str, Any]) -> Response:
    user = _user(visit)
    queues = ", ".join(user.queues) or "none"
    return visit.message("Not your task", f"This task is assigned to {task.get('assignee')}, not to you, {user.name} "
                         f"(your queues: {queues}). Nothing was recorded.", 403, link=("/tasks", "My queue"))


def _problem(state: Mapping[str, Any], task: Mapping[str, Any], outcome: str, notes: str,
             learned: Mapping[str, str]) -> str:
    """What is wrong with the form, in words (empty: nothing); checked before the workflow sees it."""
    outcomes = [str(o) for o in task.get("outcomes") or []]
    if outcome not in outcomes:
        shown = f"“{outcome[:60]}” is not" if outcome else "No outcome was chosen: pick"
        return (f"{shown} an outcome of this {task.get('kind')}; choose one of: {', '.join(outcomes)}. "
                "Nothing was recorded.")
    if len(notes) > MAX_NOTES:
        return f"The notes are {len(notes)} characters long; keep them under {MAX_NOTES}. Nothing was recorded."
    tracked = {a.name for a in views.qualification(state, "UTC")}
    for name, value in learned.items():
        if name not in tracked:
            return f"“{name[:60]}” is not a qualification attribute of this cadence. Nothing was recorded."
        if len(value) > MAX_FACT:
            return (f"What was learned about {name} is {len(value)} characters long; keep it under {MAX_FACT}. "
                    "Nothing was recorded.")
    return ""


def _task(visit: Visit, state: Mapping[str, Any], task: Mapping[str, Any], status: int, *, problem: str = "",
          form: Mapping[str, str] | None = None) -> Response:
    lead = state.get("lead") or {}
    return visit.render(
        "task", status, title=f"{str(task.get('kind', 'task')).capitalize()}: {views.lead_name(lead)}",
        state=state, task=task, lead=lead, brief=views.markdown_html(str(task.get("brief") or ""), below=2),
        history=views.history(state, visit.tz), attributes=views.qualification(state, visit.tz),
        row=views.queue_row(state, visit.tz), problem=problem, form=dict(form or {}))


def _closed(visit: Visit, state: Mapping[str, Any], task_id: str, status: int, problem: str) -> Response:
    entry = views.closed_task(state, task_id) or {}
    when = views.local(entry.get("at"), visit.tz)
    if entry.get("kind") == "touch":
        outcome = str(entry.get("outcome", "")).replace("_", " ")
        how = f"{outcome} was logged by {entry.get('by') or 'someone'} at {when}"
    elif entry.get("outcome") == "missed":
        how = f"it was not completed by its due time ({when})"
    else:
        how = f"it was closed at {when}: {str(entry.get('detail', '')).split(': ', 1)[-1]}"
    lead = state.get("lead") or {}
    return visit.render("task_closed", status, title="Task closed", task_id=task_id, how=how, problem=problem,
                        lead=lead, lead_link=lead_url(str(state.get("lead_id") or lead.get("id") or "")),
                        notes=str(entry.get("notes") or ""))


__all__ = ["MAX_FACT", "MAX_NOTES", "log_outcome", "queue", "settle", "task_page"]
