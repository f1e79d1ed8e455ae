"""The workspace's request plumbing: who is asking, their session cookie, forms, CSRF, pages and refusals.

Every page goes through :class:`Visit`: it decodes the session, knows the
signed-in user (a password sign-in, or a trusted proxy's header), renders
templates with the CSRF token and the security headers, and writes the cookie
back when the session changed.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from cadence import client as api
from cadence.gateway.pages import page
from cadence.gateway.workspace import sessions
from cadence.gateway.workspace.throttle import SignInThrottle
from cadence.gateway.workspace.leads import WorkspaceLeads
from cadence.gateway.workspace.sessions import Session, SessionKeys
from cadence.gateway.workspace.users import User, UsersFile, UsersFileError

MAX_FORM = 64 * 1024
"""Larger form bodies are refused (413) before they are read: notes and facts are far shorter."""
_log = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Workspace:
    """What the workspace's pages share, kept on ``app.state.workspace``."""

    users: UsersFile
    """The users file."""
    keys: SessionKeys = field(repr=False)
    """Session cookie and CSRF keys."""
    leads: WorkspaceLeads
    """The door to leads."""
    auth_header: str | None = None
    """The trusted proxy's header naming the person; ``None``: password sign-in."""
    link_secret: str | None = field(default=None, repr=False)
    """``workspace_secret``: checks the links in handoff emails; ``None``: such links are refused."""
    secure_cookies: bool = False
    """Send the session cookie over HTTPS only (the public URL is https)."""
    clock: Callable[[], datetime] = sessions.now_utc
    """Real time: sessions and links expire by it (tests move it)."""
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    """Failed sign-ins by name and client address."""


class Visit:
    """One request to the workspace: its session, its user, and how it answers."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.ws: Workspace = request.app.state.workspace
        self.now = self.ws.clock()
        self._cookie = request.cookies.get(sessions.COOKIE)
        self.session: Session | None = sessions.decode(self._cookie, self.ws.keys, self.now)
        self._changed = False
        self.user: User | None = None
        self.proxy_name = ""
        """The name the trusted proxy sent (proxy mode), known or not."""

    # -- identity --------------------------------------------------------------
    def identify(self) -> User | None:
        """The signed-in user, from the proxy's header or the session.

        Raises:
            UsersFileError: the users file is unusable.
        """
        header = self.ws.auth_header
        if header:
            self.proxy_name = self.request.headers.get(header, "").strip()
            self.user = self.ws.users.find(self.proxy_name) if self.proxy_name else None
            return self.user
        if self.session is None or not self.session.user:
            return None
        user = self.ws.users.find(self.session.user)
        if user is None or user.name != self.session.user or user.fingerprint() != self.session.fingerprint:
            return None  # removed, or password or role changed since: sign in again
        self.user = user
        return user

    @property
    def tz(self) -> str:
        """The reader's zone."""
        return self.user.timezone if self.user else "UTC"

    # -- session ---------------------------------------------------------------
    def ensure_session(self) -> Session:
        """The session, a new anonymous one when the browser has none."""
        if self.session is None:
            self.session = sessions.new_session(self.now)
            self._changed = True
        return self.session

    def replace_session(self, session: Session) -> None:
        """Use ``session`` from now on (sign-in, sign-out, a new grant)."""
        self.session, self._changed = session, True

    def flash(self, message: str, kind: str = "ok") -> None:
        """Show ``message`` on the next page."""
        self.replace_session(replace(self.ensure_session(), flash=message, flash_kind=kind))

    def _take_flash(self) -> tuple[str, str]:
        if self.session is None or not self.session.flash:
            return "", "ok"
        message, kind = self.session.flash, self.session.flash_kind
        self.replace_session(replace(self.session, flash="", flash_kind="ok"))
        return message, kind

    @property
    def csrf(self) -> str:
        """The CSRF token forms of this page carry."""
        return sessions.csrf_token(self.ensure_session(), self.ws.keys)

    # -- forms -------------------------------------------------------------------
    async def form(self) -> dict[str, str] | Response:
        """The posted form (URL-encoded, first value of each field), or the refusal of an oversized one."""
        if int(self.request.headers.get("content-length") or 0) > MAX_FORM:
            return PlainTextResponse("form too large\n", status_code=413)
        body = b""
        async for chunk in self.request.stream():
            body += chunk
            if len(body) > MAX_FORM:
                return PlainTextResponse("form too large\n", status_code=413)
        fields: dict[str, str] = {}
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            fields.setdefault(key, value)
        return fields

    def csrf_refused(self, form: dict[str, str]) -> Response | None:
        """The refusal of a form without this session's CSRF token; ``None`` when it carries it."""
        if sessions.csrf_ok(self.session, form.get("csrf", ""), self.ws.keys):
            return None
        return self.message("This form has expired", "This form could not be checked: it is out of date or did not "
                            "come from this site. Nothing was recorded. Reload the page and submit it again.", 403)

    async def posted(self) -> dict[str, str] | Response:
        """The posted form when it carries this session's CSRF token, else the refusal to answer with."""
        form = await self.form()
        if isinstance(form, Response):
            return form
        return self.csrf_refused(form) or form

    # -- answers -------------------------------------------------------------------
    def finish(self, response: Response) -> Response:
        """Write the session cookie back when it changed; workspace pages are never cached or framed."""
        if self._changed and self.session is not None:
            response.set_cookie(sessions.COOKIE, sessions.encode(self.session, self.ws.keys),
                                max_age=int(sessions.SESSION_LIFETIME.total_seconds()), path="/", httponly=True,
                                samesite="lax", secure=self.ws.secure_cookies)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Handoff links carry their token in the URL: no page may pass it on to another site.
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def render(self, template: str, status: int = 200, /, **context: Any) -> Response:
        """Template ``workspace/<name>.html.j2`` with the visit's user, CSRF token and flash message."""
        nonce = secrets.token_urlsafe(12)
        flash, flash_kind = self._take_flash()
        context.setdefault("title", "cadence")
        response = page(f"workspace/{template}", status, user=self.user, csrf=self.csrf, nonce=nonce, flash=flash,
                        flash_kind=flash_kind, tz=self.tz, path=self.request.url.path, **context)
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        return self.finish(response)

    def message(self, title: str, message: str, status: int = 200, *, link: tuple[str, str] | None = None) -> Response:
        """A page saying ``message`` (a refusal, a problem), with an optional ``(href, text)`` way on."""
        return self.render("message", status, title=title, message=message, link=link)

    def redirect(self, url: str) -> Response:
        """303 to ``url`` (after a form: the browser then GETs it, so a reload never posts twice)."""
        return self.finish(RedirectResponse(url, status_code=303))

    def to_signin(self) -> Response:
        """The way to sign in, coming back here afterwards."""
        if self.ws.auth_header:
            if not self.proxy_name:
                return self.message("Not signed in", f"The sign-in proxy did not say who you are (no "
                                    f"{self.ws.auth_header} header). Open the workspace through your company's "
                                    "sign-in address.", 401)
            return self.message("Not a workspace user", f"You are signed in as {self.proxy_name}, who is not a user "
                                "of this workspace. Ask an operator to add you (cadence users add).", 403)
        target = self.request.url.path + (f"?{self.request.url.query}" if self.request.url.query else "")
        return self.redirect(f"/signin?next={quote(target, safe='')}")


def lead_url(lead_id: str) -> str:
    """The lead's page."""
    return f"/leads/{quote(lead_id, safe='')}"


def task_url(task_id: str) -> str:
    """The task's page."""
    return f"/tasks/{quote(task_id, safe='')}"


def handoff_url(lead_id: str) -> str:
    """The lead's handoff page."""
    return f"/handoffs/{quote(lead_id, safe='')}"


def sentence(text: str) -> str:
    """``text`` ending as a sentence (messages of the workflow and the client API have no full stop)."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else f"{text}."


def safe_next(target: str) -> str:
    """A place to go back to after signing in: a path of this site, else the queue."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 2000:
        return target
    return "/tasks"


def handler(*, signed_in: bool = True) -> Callable[[Callable[[Visit], Awaitable[Response]]], Handler]:
    """A page: gets a :class:`Visit` (with a user when ``signed_in``), and turns an unreachable server, a
    silent worker or a broken users file into a page saying so (nothing was recorded)."""

    def wrap(fn: Callable[[Visit], Awaitable[Response]]) -> Handler:
        @functools.wraps(fn)
        async def run(request: Request) -> Response:
            visit = Visit(request)
            try:
                if visit.identify() is None and signed_in:
                    return await _not_signed_in(visit)
                return await fn(visit)
            except api.NoWorker as exc:
                return visit.message("No worker is answering", f"{sentence(str(exc))} Nothing was recorded; try "
                                     "again in a minute.", 503)
            except api.Unreachable:
                response = visit.message("Try again in a minute", "cadence cannot reach its server right now. Nothing "
                                         "was recorded; try again in a minute.", 503)
                response.headers["Retry-After"] = "30"
                return response
            except UsersFileError as exc:
                _log.error("workspace users file: %s", exc)
                return visit.message("The workspace is not set up", "The workspace's users file cannot be read; an "
                                     "operator must fix it (the gateway's log says what is wrong).", 500)

        return run

    return wrap


async def _not_signed_in(visit: Visit) -> Response:
    if visit.request.method == "POST" and not visit.ws.auth_header:
        return visit.message("Please sign in again", "Your sign-in has expired, so nothing was recorded. Sign in and "
                             "submit the form again.", 401, link=("/signin", "Sign in"))
    return visit.to_signin()


__all__ = ["MAX_FORM", "Visit", "Workspace", "handler", "handoff_url", "lead_url", "safe_next", "sentence", "task_url"]
