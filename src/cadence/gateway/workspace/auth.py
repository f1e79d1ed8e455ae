"""Signing in and out with a password from the users file (in proxy mode the proxy signs people in)."""

from __future__ import annotations

import asyncio

from starlette.responses import Response

from cadence.gateway.workspace import sessions
from cadence.gateway.workspace.passwords import verify_password
from cadence.gateway.workspace.throttle import in_words
from cadence.gateway.workspace.web import Visit, handler, safe_next

MAX_CREDENTIAL = 1024
"""Longer names or passwords are refused without hashing them (scrypt of megabytes is a denial of service)."""


@handler(signed_in=False)
async def signin_page(visit: Visit) -> Response:
    """``GET /signin``: the sign-in form (already signed in: on to where they were going)."""
    target = safe_next(visit.request.query_params.get("next", "/tasks"))
    if visit.ws.auth_header:
        return visit.redirect(target) if visit.user else visit.to_signin()
    if visit.user is not None:
        return visit.redirect(target)
    return visit.render("signin", title="Sign in", target=target, username="", problem="")


@handler(signed_in=False)
async def signin(visit: Visit) -> Response:
    """``POST /signin``: check the password; a new session (a new id) for the signed-in user."""
    form = await visit.form()
    if isinstance(form, Response):
        return form
    if visit.ws.auth_header:
        return visit.to_signin()
    refused = visit.csrf_refused(form)
    if refused is not None:
        return refused
    name, password = form.get("name", "").strip(), form.get("password", "")
    target = safe_next(form.get("next", "/tasks"))
    address = visit.request.client.host if visit.request.client else ""
    wait = visit.ws.throttle.wait(name[:MAX_CREDENTIAL], address, visit.now)
    if wait is not None:  # refused without looking at the password: guessing gains nothing meanwhile
        shut = visit.render("signin", 429, title="Sign in", target=target, username=name[:200],
                            problem=f"Too many failed sign-ins for this name or from this address. "
                                    f"Try again in {in_words(wait)}.")
        shut.headers["Retry-After"] = str(max(1, int(wait.total_seconds())))
        return shut
    user = visit.ws.users.find(name) if 0 < len(name) <= MAX_CREDENTIAL else None
    stored = user.password if user and user.password else None
    # scrypt takes a tenth of a second on purpose: not on the event loop, where every page waits.
    ok = len(password) <= MAX_CREDENTIAL and await asyncio.to_thread(verify_password, password, stored)
    if user is None or not ok:
        visit.ws.throttle.failed(name[:MAX_CREDENTIAL], address, visit.now)
        return visit.render("signin", 401, title="Sign in", target=target, username=name[:200],
                            problem="That name and password do not match a workspace user.")
    visit.ws.throttle.succeeded(name)
    visit.replace_session(sessions.new_session(visit.now, user=user.name, fingerprint=user.fingerprint(),
                                               grants=visit.session.grants if visit.session else ()))
    return visit.redirect(target)


@handler(signed_in=False)
async def signout(visit: Visit) -> Response:
    """``POST /signout``: forget the user (and the session id, so its CSRF tokens die with it)."""
    form = await visit.posted()
    if isinstance(form, Response):
        return form
    visit.replace_session(sessions.new_session(visit.now, flash="You are signed out."))
    return visit.redirect("/signin")


__all__ = ["signin", "signin_page", "signout"]
