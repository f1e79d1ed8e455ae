"""``/handoffs/ID``: the dossier as a page with Accept and Reject; the handoff email's signed link opens it.

Opening a genuine link puts a grant for that handoff into the browser's session
and redirects to the plain address, so the token leaves the address bar (and
the history) at once. The grant answers that handoff only, as the person the
email went to, until the link expires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from starlette.responses import Response

from cadence import client as api
from cadence.channels.dossier import build_dossier, render_dossier_markdown
from cadence.channels.links import LinkRefused, read_handoff_token
from cadence.gateway.workspace import access, views
from cadence.gateway.workspace.sessions import Grant
from cadence.gateway.workspace.tasks import settle
from cadence.gateway.workspace.web import Visit, handler, handoff_url, sentence

MAX_ANSWER = 2000
"""Longest note or reason sales may give with an answer."""


@handler(signed_in=False)
async def handoff_page(visit: Visit) -> Response:
    """``GET /handoffs/ID[?link=TOKEN]``: the dossier, the deadline, and the answer forms while sales may answer."""
    lead_id = visit.request.path_params["lead_id"]
    token = visit.request.query_params.get("link")
    if token is not None:
        return _open_link(visit, lead_id, token)
    found = await _load(visit, lead_id)
    if isinstance(found, Response):
        return found
    state, may_answer = found
    return await _page(visit, state, may_answer, 200)


@handler(signed_in=False)
async def answer(visit: Visit) -> Response:
    """``POST /handoffs/ID/accept`` and ``/reject``: sales' answer, through the workflow's update."""
    form = await visit.posted()
    if isinstance(form, Response):
        return form
    lead_id, action = visit.request.path_params["lead_id"], visit.request.path_params["action"]
    if action not in ("accept", "reject"):
        return visit.message("No such answer", "A handoff is accepted or rejected.", 404)
    found = await _load(visit, lead_id, posting=True)
    if isinstance(found, Response):
        return found
    state, may_answer = found
    if not may_answer:
        return visit.message("Not your handoff", f"This handoff is assigned to {access.handoff_assignee(state)}. "
                             "Nothing was recorded.", 403)
    if not _waiting(state):
        return await _page(visit, state, may_answer, 409, problem=_why_not_waiting(visit, state))
    text = form.get("reason" if action == "reject" else "note", "").strip()
    if action == "reject" and not text:
        return await _page(visit, state, may_answer, 422, form=form, problem="A rejection needs a reason: say what is "
                           "missing or why the lead is not a fit. Nothing was recorded.")
    if len(text) > MAX_ANSWER:
        return await _page(visit, state, may_answer, 422, form=form,
                           problem=f"Keep it under {MAX_ANSWER} characters. Nothing was recorded.")
    try:
        confirmed = await visit.ws.leads.operate(lead_id, action, _by(visit, lead_id),
                                                 **({"reason": text} if action == "reject" else {"note": text}))
    except api.ActionRefused as exc:
        if isinstance(exc, (api.Unreachable, api.NoWorker)):
            raise
        return await _page(visit, await visit.ws.leads.state(lead_id), may_answer, 409, form=form,
                           problem=f"The lead refused this: {sentence(str(exc))} Nothing was recorded.")
    await settle(visit.ws.leads, lead_id)
    visit.flash(f"You {'accepted' if action == 'accept' else 'rejected'} the lead ({confirmed}).")
    return visit.redirect(handoff_url(lead_id))


def _open_link(visit: Visit, lead_id: str, token: str) -> Response:
    try:
        grant = read_handoff_token(token, visit.ws.link_secret, visit.now)
    except LinkRefused as exc:
        signin = f"/signin?next={handoff_url(lead_id)}"
        if exc.expired and exc.expired_at is not None:
            return visit.message("This link has expired", f"The link in the handoff email worked until "
                                 f"{views.local(exc.expired_at.isoformat(), visit.tz)}. Sign in to see the lead and "
                                 "answer the handoff.", 403, link=(signin, "Sign in"))
        return visit.message("This link is not valid", "This handoff link is damaged or was not made by this "
                             "workspace. Use the link in the latest handoff email, or sign in.", 403,
                             link=(signin, "Sign in"))
    if grant.lead_id != lead_id:
        return visit.message("This link is not valid", "This handoff link is for another lead. Use the link in the "
                             "latest handoff email, or sign in.", 403)
    session = visit.ensure_session()
    kept = tuple(g for g in session.grants if g.lead_id != lead_id)
    visit.replace_session(replace(session, grants=(*kept, Grant(grant.lead_id, grant.to, grant.answer_by,
                                                                int(grant.expires.timestamp())))))
    return visit.redirect(handoff_url(lead_id))


async def _load(visit: Visit, lead_id: str, *, posting: bool = False) -> tuple[dict[str, Any], bool] | Response:
    """The lead's state and whether the visitor may answer its handoff, or the page refusing them."""
    grant = visit.session.grant_for(lead_id, visit.now) if visit.session else None
    if visit.user is None and grant is None:
        if posting and not visit.ws.auth_header:
            return visit.message("Please sign in again", "Your sign-in or the handoff link has expired, so nothing "
                                 "was recorded. Sign in and answer again.", 401,
                                 link=(f"/signin?next={handoff_url(lead_id)}", "Sign in"))
        return visit.to_signin()
    try:
        state = await visit.ws.leads.state(lead_id)
    except api.ActionRefused as exc:
        if isinstance(exc, (api.Unreachable, api.NoWorker)):
            raise
        return visit.message("No such lead", f"{exc}.", 404)
    if not access.handoff_assignee(state):
        return visit.message("Not handed off", f"Lead {lead_id} has not been handed to sales (yet).", 404)
    by_link = grant is not None and access.grant_covers(grant, state, visit.now)
    user = visit.user
    if user is not None and (access.may_answer_handoff(user, state) or access.may_see_lead(user, state)):
        return state, access.may_answer_handoff(user, state) or by_link
    if by_link:
        return state, True
    if grant is not None and user is None:
        return visit.message("This link is for an earlier handoff", f"The link you opened was for an earlier handoff "
                             f"of lead {lead_id}, which is over. Sign in to see the lead.", 403,
                             link=(f"/signin?next={handoff_url(lead_id)}", "Sign in"))
    who = user.name if user else "you"
    return visit.message("Not your handoff", f"This handoff is assigned to {access.handoff_assignee(state)}, not to "
                         f"{who}. Nothing was recorded.", 403)


def _by(visit: Visit, lead_id: str) -> str:
    """Whom the answer is attributed to: the signed-in user, else the person the link was emailed to."""
    if visit.user is not None:
        return visit.user.name
    grant = visit.session.grant_for(lead_id, visit.now) if visit.session else None
    assert grant is not None
    known = visit.ws.users.find(grant.to)
    return known.name if known else grant.to


def _waiting(state: Mapping[str, Any]) -> bool:
    acceptance = state.get("acceptance") or {}
    return state.get("phase") == "acceptance" and bool(acceptance) and not acceptance.get("answer")


def _why_not_waiting(visit: Visit, state: Mapping[str, Any]) -> str:
    given = views.answered(state)
    pending = (state.get("acceptance") or {}).get("answer")
    if given is not None:
        return (f"This handoff was already answered: {given.get('outcome')} by {given.get('by')} at "
                f"{views.local(given.get('at'), visit.tz)}. Nothing was recorded.")
    if pending:
        word = "accepted" if pending.get("accepted") else "rejected"
        return f"This handoff was already answered: {word} by {pending.get('by')}. Nothing was recorded."
    return (f"Lead {state.get('lead_id')} is not waiting for sales to answer (stage {state.get('stage')}). "
            "Nothing was recorded.")


async def _page(visit: Visit, state: Mapping[str, Any], may_answer: bool, status: int, *, problem: str = "",
                form: Mapping[str, str] | None = None) -> Response:
    lead = state.get("lead") or {}
    acceptance: Mapping[str, Any] = state.get("acceptance") or {}
    outcome: Mapping[str, Any] = state.get("outcome") or {}
    terms = await visit.ws.leads.terms(str(state["lead_id"])) if acceptance else None
    dossier = build_dossier(lead, state, tuple(acceptance.get("sections") or ()),
                            assignee=access.handoff_assignee(state),
                            reason=str(acceptance.get("reason") or outcome.get("reason") or ""),
                            acceptance={"answer_by": str(acceptance.get("deadline") or "")})
    heading, _, body = render_dossier_markdown(dossier).partition("\n")
    return visit.render(
        "handoff", status, title=heading.lstrip("# ").strip(), state=state, lead=lead, acceptance=acceptance,
        terms=terms, dossier=views.markdown_html(body, below=0), waiting=_waiting(state), may_answer=may_answer,
        answered=views.answered(state), deadline=views.local(acceptance.get("deadline"), visit.tz),
        deadline_in=views.relative(acceptance.get("deadline"), state.get("now")), problem=problem,
        form=dict(form or {}), via_link=visit.user is None, to=access.handoff_assignee(state),
        ended_at=views.local(outcome.get("at"), visit.tz))


__all__ = ["answer", "handoff_page"]
