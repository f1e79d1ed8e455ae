"""The workspace in process: the gateway's app over the pure engine (no server), its clock stated by the test.

:class:`EngineLeads` does what the nurture workflow does with each command
(open a task with its rendered brief, send, wait, deliver a handoff and wait
for sales), and refuses input with the engine's own checks, the same the
workflow's validators run. So every refusal a page shows here is the one the
real workflow gives.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import AsyncIterator, Collection, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from cadence import client as api
from cadence import engine as eng
from cadence import templating
from cadence.dsl.compiler import compile_file
from cadence.gateway.app import Gateway, GatewayOptions, build_app
from cadence.gateway.leads import LeadPort
from cadence.gateway.workspace import install
from cadence.gateway.workspace.leads import CadenceTerms
from cadence.gateway.workspace.passwords import hash_password
from cadence.gateway.workspace.users import User, UsersFile
from cadence.messages import workflow_id_for

E2E = Path(__file__).resolve().parents[1] / "e2e"
CADENCE = E2E / "cadences" / "ws-calls.yaml"
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
"""The instant these tests' leads start (a Monday afternoon); the cadence has no business hours anyway."""
SECRET = "workspace-test-secret"
PASSWORD = "correct horse battery"
# One hash for every test user: scrypt takes a tenth of a second on purpose.
_HASH = hash_password(PASSWORD)


class EngineLeads:
    """:class:`cadence.gateway.workspace.leads.WorkspaceLeads` over in-memory engines."""

    def __init__(self, now: datetime = T0) -> None:
        self.plan = compile_file(CADENCE, E2E / "templates")
        self.now = now
        self.engines: dict[str, eng.Engine] = {}
        self.asked_for: list[tuple[str, ...] | None] = []
        """What each open_tasks call asked for (None: every lead)."""
        self.calls: list[tuple[str, ...]] = []
        """Every change asked for: ``(what, lead or task, by)``."""
        self.meanwhile: Any = None
        """Run just before the next change is taken: what another person did at the same moment."""

    def enroll(self, lead_id: str, **fields: Any) -> eng.Engine:
        lead = {"id": lead_id, "first_name": "Uma", "last_name": "Lee", "company": "Buyer Inc",
                "email": f"{lead_id.lower()}@buyer.example", "phone": "+1 415 555 0100", "owner": "mia@seller.example",
                **fields}
        engine = eng.Engine.start(self.plan, lead, self.now, workflow_id_for(lead_id))
        self.engines[lead_id] = engine
        self.drive(lead_id)
        return engine

    def drive(self, lead_id: str) -> None:
        """Run the lead like the workflow does until it waits (for time, a person or sales)."""
        engine = self.engines[lead_id]
        for _ in range(50):
            if engine.state.status == "ended":
                return
            command = engine.next_command(self.now)
            if isinstance(command, eng.OpenTask):
                source = engine.plan.template(command.template)
                ctx = engine.context_for(self.now, command.step_id, command.iteration, source)
                engine.task_opened(command, templating.render(source, {**ctx, "lead": engine.state.lead},
                                                                     name=command.template), self.now)
            elif isinstance(command, eng.Touch):
                engine.touch_done(command, self.now)
            elif isinstance(command, eng.Finish):
                if command.outcome == "handoff" and command.deliver and engine.plan.acceptance is not None:
                    engine.handed_off(command, self.now)
                    continue
                engine.finished(command, self.now)
                return
            else:
                return  # a wait, or a track switch (not needed here)

    # -- WorkspaceLeads ------------------------------------------------------------
    async def open_tasks(self, assignees: Collection[str] | None = None) -> list[dict[str, Any]]:
        self.asked_for.append(None if assignees is None else tuple(assignees))
        return [s for s in (e.snapshot(self.now) for e in self.engines.values()) if s.get("open_task")
                and (assignees is None or s["open_task"]["assignee"] in assignees)]

    async def state(self, lead_id: str) -> dict[str, Any]:
        if lead_id not in self.engines:
            raise api.ActionRefused(f"lead {lead_id} is not enrolled")
        return self.engines[lead_id].snapshot(self.now)

    async def terms(self, lead_id: str) -> CadenceTerms:
        plan = self.engines[lead_id].plan
        acceptance = plan.acceptance
        assert acceptance is not None
        return CadenceTerms(plan.disqualify_reasons, str(acceptance.deadline), acceptance.escalate_to,
                            acceptance.recycle)

    async def log_outcome(self, task_id: str, outcome: str, notes: str, learned: dict[str, str], by: str) -> str:
        lead_id = api.lead_id_of_task(task_id)
        self._race()
        self._refused(lambda e: e.check_outcome(task_id, outcome, learned), lead_id)
        self.calls.append(("log_outcome", task_id, outcome, by))
        self.engines[lead_id].log_outcome(task_id, outcome, notes, learned, by, self.now)
        self.drive(lead_id)
        return f"recorded {outcome} for task {task_id}"

    async def operate(self, lead_id: str, action: str, by: str, *, reason: str = "", note: str = "",
                      to: str = "") -> str:
        self._race()
        e = self.engines[lead_id]
        check, act = {
            "accept": (e.check_acceptance_answer, lambda: e.accept(by, note, self.now)),
            "reject": (lambda: e.check_reject(reason), lambda: e.reject(reason, by, self.now)),
            "pause": (e.check_pause, lambda: e.pause(by, self.now)),
            "resume": (e.check_resume, lambda: e.resume(by, self.now)),
            "handoff": (e.check_active, lambda: e.force_handoff(to, note, by, self.now)),
            "disqualify": (lambda: e.check_reason(reason), lambda: e.disqualify(reason, note, by, self.now)),
        }[action]
        self._refused(lambda _e: check(), lead_id)
        self.calls.append((action, lead_id, by))
        act()
        self.drive(lead_id)
        return {"accept": "accepted", "reject": "rejected: back to e2e-recycle"}.get(action, action)

    def _race(self) -> None:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()

    def _refused(self, check: Any, lead_id: str) -> None:
        try:
            check(self.engines[lead_id])
        except eng.RejectedInput as exc:
            raise api.ActionRefused(str(exc)) from None


USERS = {
    "dana": User("dana", "rep", ("sdr",), "dana@seller.example", "Europe/Berlin", _HASH),
    "raj": User("raj", "rep", ("inside",), "raj@seller.example", "UTC", _HASH),
    "mia": User("mia", "manager", (), "mia@seller.example", "UTC", _HASH),
}


@dataclasses.dataclass
class Desk:
    """The app in process, its leads and its users; ``clock`` is the real time sessions and links see."""

    app: Any
    leads: EngineLeads
    users: UsersFile
    clock: list[datetime]

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://gateway.test",
                                 follow_redirects=False)

    @contextlib.asynccontextmanager
    async def signed_in(self, name: str) -> AsyncIterator[httpx.AsyncClient]:
        async with self.client() as http:
            await signin(http, name)
            yield http


async def csrf_of(http: httpx.AsyncClient, path: str) -> str:
    page = await http.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text[:3000]
    return found.group(1)


async def signin(http: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    token = await csrf_of(http, "/signin")
    response = await http.post("/signin", data={"csrf": token, "name": name, "password": password, "next": "/tasks"})
    assert response.status_code == 303, response.text
    return response


def make_desk(tmp: Path, *, auth_header: str | None = None) -> Desk:
    users = UsersFile(tmp / "users.json")
    users.save(dict(USERS))
    leads = EngineLeads()

    async def no_server() -> object:
        raise AssertionError("the workspace must reach leads through its WorkspaceLeads only")

    gateway = Gateway(GatewayOptions(users_file=users.path, auth_header=auth_header, workspace_secret=SECRET,
                                     public_url="http://gateway.test"), LeadPort(no_server))
    app = build_app(gateway)
    install(app, gateway, leads)
    clock = [datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)]
    app.state.workspace.clock = lambda: clock[0]
    return Desk(app, leads, users, clock)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    yield make_desk(tmp_path)


def later(desk: Desk, delta: timedelta) -> None:
    """Move the real clock sessions and links see."""
    desk.clock[0] += delta
