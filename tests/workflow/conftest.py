"""Fixtures for workflow tests: a real SMTP server and a worker on a fresh task queue.

Every lead a workflow test enrolls runs at a cadence time the test states (``rig.start``),
never at the machine's date: the time-skipping server starts at today's date, and a test
that leans on it passes or fails with the day of the week (issue #16). The rig's client
refuses to start a nurture that does not state its start instant.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from temporalio.client import Client, Interceptor, OutboundInterceptor, StartWorkflowInput

from cadence import client as api
from cadence import ir
from cadence.channels.activities import ChannelActivities
from cadence.channels.settings import ChannelSettings
from cadence.lead import Lead
from cadence.suppression import SuppressionList
from cadence.messages import WORKFLOW_NAME
from cadence.worker import build_worker
from tests.conftest import Mailbox, SmtpServer, Webhook, free_port

__all__ = ["CALENDAR", "DEFAULT_START", "Mailbox", "Rig", "Webhook", "free_port"]

CHICAGO = ZoneInfo("America/Chicago")
DEFAULT_START = datetime(2027, 2, 2, 10, 0, tzinfo=CHICAGO)
"""A Tuesday 10:00 in the test leads' zone, inside business hours, far from any holiday."""

CALENDAR: dict[str, datetime] = {
    "monday-morning": datetime(2027, 3, 1, 9, 30, tzinfo=CHICAGO),
    "friday-16:55-before-a-holiday": datetime(2027, 1, 15, 16, 55, tzinfo=CHICAGO),  # MLK day follows
    "saturday": datetime(2027, 6, 5, 11, 0, tzinfo=CHICAGO),
    "24-december": datetime(2026, 12, 24, 10, 0, tzinfo=CHICAGO),
    "spring-forward-sunday": datetime(2027, 3, 14, 1, 30, tzinfo=CHICAGO),  # 02:00 does not exist that day
}
"""Start instants every calendar-sensitive workflow test must pass from (``@pytest.mark.calendar``)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test marked ``calendar`` once per start instant of :data:`CALENDAR`."""
    if "start" in metafunc.fixturenames and metafunc.definition.get_closest_marker("calendar"):
        metafunc.parametrize("start", list(CALENDAR.values()), ids=list(CALENDAR))


@pytest.fixture
def start() -> datetime:
    """The cadence time a test's leads start at (tests marked ``calendar`` get every instant of :data:`CALENDAR`)."""
    return DEFAULT_START


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with SmtpServer() as server:
        yield server.handler, server.port


class _StatedStartOnly(Interceptor):
    """Refuses to start a nurture without a stated start instant (the guard of issue #16)."""

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:  # noqa: A002
        return _StatedStartOutbound(next)


class _StatedStartOutbound(OutboundInterceptor):
    async def start_workflow(self, input: StartWorkflowInput) -> Any:  # noqa: A002
        if input.workflow == WORKFLOW_NAME:
            args = input.args[0] if input.args else {}
            if not (isinstance(args, dict) and args.get("virtual_now")):
                raise AssertionError("a workflow test enrolled a lead at the machine's date: "
                                     "pass cadence_now= (rig.enroll does)")
        return await super().start_workflow(input)


SKIP_STEP = timedelta(days=1)
"""The most server time :meth:`Rig.sleep` skips in one call to the server."""


@dataclass
class Rig:
    """What a workflow test needs: client, task queue, mailbox, outbox, the handoff webhook's
    receiver and the start instant."""

    env: Any
    client: Any
    task_queue: str
    mailbox: Mailbox
    outbox: Path
    start: datetime
    webhook: Webhook

    async def enroll(self, plan: ir.Plan, lead: Lead, **kw: Any) -> api.EnrollResult:
        """Enroll ``lead`` on this rig's task queue, its cadence clock starting at :attr:`start`."""
        kw.setdefault("cadence_now", self.start)
        return await api.enroll(self.client, plan, lead, task_queue=self.task_queue, **kw)

    async def sleep(self, duration: timedelta) -> None:
        """Skip ``duration`` of the time-skipping server's time, at most :data:`SKIP_STEP` per call.

        The SDK gives every call to the server 30 s; skipping three weeks of 200 leads in one
        call took longer than that on a loaded 2-core CI box ("RPCError: Timeout expired").
        """
        while duration > timedelta(0):
            step = min(duration, SKIP_STEP)
            await self.env.sleep(step)
            duration -= step


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with Webhook() as hook:
        yield hook


@pytest_asyncio.fixture
async def rig(ts_env: Any, mailbox: tuple[Mailbox, int], webhook: Webhook, tmp_path: Path,
              start: datetime) -> AsyncIterator[Rig]:
    handler, port = mailbox
    settings = ChannelSettings(smtp_host="127.0.0.1", smtp_port=port, outbox_dir=tmp_path / "outbox",
                               sender="Cadence <nurture@seller.example>", handoff_webhook=webhook.url)
    task_queue = f"test-{uuid.uuid4()}"
    config = ts_env.client.config()
    config["interceptors"] = [*config.get("interceptors", []), _StatedStartOnly()]
    client = Client(**config)
    activities = ChannelActivities(settings, suppression=SuppressionList(client, task_queue))
    worker = build_worker(client, activities.all(), task_queue=task_queue)
    async with worker:
        yield Rig(ts_env, client, task_queue, handler, tmp_path / "outbox", start, webhook)
