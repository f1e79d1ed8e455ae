"""Fixtures: a real SMTP server (aiosmtpd), a tiny webhook server, activities on a temporary outbox."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from temporalio.testing import ActivityEnvironment

from cadence.channels.activities import ChannelActivities
from cadence.channels.settings import ChannelSettings
from tests.conftest import Mailbox, free_port


class CollectingHandler(Mailbox):
    """The shared mailbox, refusing two test addresses: one permanently (5xx), one for now (4xx)."""

    def __init__(self) -> None:
        super().__init__({
            "bounce@example.com": "550 5.1.1 user unknown",
            "later@example.com": "451 4.3.0 mailbox busy, try again later",
        })


@pytest.fixture
def smtp() -> Iterator[tuple[CollectingHandler, int]]:
    handler = CollectingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


class Webhook:
    """A local HTTP server collecting POSTs; answers with ``statuses`` in turn (then 200)."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hook.posts.append((dict(self.headers.items()), body))
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/handoff"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def json(self, i: int = -1) -> Any:
        return json.loads(self.posts[i][1])


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    hook.thread.start()
    try:
        yield hook
    finally:
        hook.server.shutdown()
        hook.server.server_close()


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def settings(outbox: Path, smtp: tuple[CollectingHandler, int]) -> ChannelSettings:
    return ChannelSettings(smtp_port=smtp[1], smtp_timeout=5, outbox_dir=outbox, default_sender="Cadence <cadence@example.com>",
                           unsubscribe_secret="s3cret")


@pytest.fixture
def acts(settings: ChannelSettings) -> ChannelActivities:
    return ChannelActivities(settings)


async def run(fn: Any, *args: Any, attempt: int = 1, run_id: str = "run-1") -> Any:
    """Run an activity method the way a worker would (activity.info() available)."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=attempt, workflow_run_id=run_id)
    return await env.run(fn, *args)


LEAD: dict[str, Any] = {
    "id": "L-1",
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "jane@example.com",
    "phone": "+1 555 010 2000",
    "company": "Globex",
    "title": "VP Operations",
    "industry": "Manufacturing",
    "employees": 1200,
    "revenue": 45000000,
    "website": "https://globex.example",
    "timezone": "America/Chicago",
    "owner": "dana@example.com",
    "source": "marketing",
    "address_line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}
