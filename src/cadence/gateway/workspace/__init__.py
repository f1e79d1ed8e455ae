"""The workspace: the gateway's pages for people (reps' call queue, tasks, handoffs, leads).

Server-rendered HTML over the client API. People sign in with a password from
the users file, or a trusted reverse proxy names them in a header; a handoff
email's signed link opens that one handoff. Every form carries a CSRF token,
and every action is attributed (``by``) in the lead's history. See
docs/workspace.md.

:func:`routes` are added to the gateway's app; :func:`install` gives them what
they share (``app.state.workspace``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Route

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from cadence.gateway.app import Gateway
    from cadence.gateway.workspace.leads import WorkspaceLeads

_log = logging.getLogger(__name__)


def routes() -> list[BaseRoute]:
    """The workspace's pages and forms."""
    from cadence.gateway.workspace import auth, handoffs, leadpage, tasks

    async def home(request: object) -> RedirectResponse:
        return RedirectResponse("/tasks", status_code=303)

    return [
        Route("/", home, methods=["GET"]),
        Route("/signin", auth.signin_page, methods=["GET"]),
        Route("/signin", auth.signin, methods=["POST"]),
        Route("/signout", auth.signout, methods=["POST"]),
        Route("/tasks", tasks.queue, methods=["GET"]),
        Route("/tasks/{task_id}", tasks.task_page, methods=["GET"]),
        Route("/tasks/{task_id}", tasks.log_outcome, methods=["POST"]),
        Route("/handoffs/{lead_id}", handoffs.handoff_page, methods=["GET"]),
        Route("/handoffs/{lead_id}/{action}", handoffs.answer, methods=["POST"]),
        Route("/leads/{lead_id}", leadpage.lead_page, methods=["GET"]),
        Route("/leads/{lead_id}/{action}", leadpage.confirm, methods=["GET"]),
        Route("/leads/{lead_id}/{action}", leadpage.operate, methods=["POST"]),
    ]


def install(app: Starlette, gateway: Gateway, leads: WorkspaceLeads | None = None) -> None:
    """Give the workspace's routes what they share: the users file, the session keys, the door to leads.

    Args:
        app: the gateway's app.
        gateway: its options (users file, proxy header, secret, public URL) and its door to leads.
        leads: another door to leads (tests); default: the gateway's Temporal client.
    """
    from cadence.gateway.workspace.leads import TemporalLeads
    from cadence.gateway.workspace.sessions import SessionKeys
    from cadence.gateway.workspace.users import UsersFile
    from cadence.gateway.workspace.web import Workspace

    options = gateway.options
    if not options.workspace_secret:
        _log.warning("workspace_secret is not set: sign-ins end when this gateway restarts, and handoff emails "
                     "carry no link (set CADENCE_WORKSPACE_SECRET)")
    app.state.workspace = Workspace(
        users=UsersFile(options.users_file), keys=SessionKeys.derive(options.workspace_secret),
        leads=leads or TemporalLeads(gateway.leads), auth_header=options.auth_header,
        link_secret=options.workspace_secret,
        secure_cookies=bool(options.public_url and options.public_url.startswith("https:")))


__all__ = ["install", "routes"]
