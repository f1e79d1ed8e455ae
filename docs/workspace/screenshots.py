"""Regenerate the workspace screenshots of docs/workspace.md.

Starts a throwaway stack (the dev server in memory, a worker, ``cadence
gateway``, an SMTP sink catching the handoff email), enrolls a few inbound
leads on a tour cadence at a stated instant (so the pages show the same dates
every time), then has headless Chromium sign in as a rep and a manager, work
the queue and photograph each page. Not run in CI.

    pip install playwright && apt-get install chromium   # Playwright drives Debian's Chromium
    python docs/workspace/screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
PASSWORD = "tour password 2026"
START = datetime(2026, 3, 3, 9, 30, tzinfo=ZoneInfo("America/New_York"))
"""The instant the tour's leads start (a Tuesday morning in New York): the pages show the same dates every run."""
TOUR = """\
cadence: inbound-tour
description: Inbound hand-raisers - a first call within hours, a follow-up from the SDR queue, sales accepts
schedule: {timezone: lead, default_timezone: America/New_York}
disqualify_reasons: [no_response, bad_data, not_a_fit]
acceptance:
  deadline: 2 business days
  escalate_to: queue:sales-managers
  recycle: stale-monthly
steps:
  - id: first-call
    call:
      brief: calls/inbound-first-call.md.j2
      assignee: rep:dana
      due: 4 hours
      outcomes: [connected, no_answer, voicemail_left, meeting_booked, wrong_number, not_interested]
      on_outcome:
        meeting_booked: {handoff: {to: "{{ lead.owner }}"}}
        wrong_number: {disqualify: bad_data}
        not_interested: {disqualify: not_a_fit}
  - id: second-call
    call:
      brief: calls/inbound-follow-up.md.j2
      assignee: queue:sdr
      due: 1 day
      outcomes: [connected, no_answer, meeting_booked, not_interested]
      on_outcome:
        meeting_booked: {handoff: {to: "{{ lead.owner }}"}}
        not_interested: {disqualify: not_a_fit}
  - id: give-up
    disqualify: no_response
"""
LEADS = [
    {"id": "L-1001", "first_name": "Priya", "last_name": "Raman", "title": "VP Revenue Operations",
     "company": "Northwind Logistics", "email": "priya@northwind.example", "phone": "+1 617 555 0142",
     "timezone": "America/New_York", "industry": "Logistics", "employees": 1200, "owner": "mia@seller.example"},
    {"id": "L-1002", "first_name": "Tomás", "last_name": "Ortega", "title": "Head of Sales Ops",
     "company": "Brightline Health", "email": "tomas@brightline.example", "phone": "+1 312 555 0199",
     "timezone": "America/Chicago", "industry": "Healthcare", "employees": 640, "owner": "mia@seller.example"},
    {"id": "L-1003", "first_name": "Ada", "last_name": "Kowalski", "title": "CMO", "company": "Vistula Foods",
     "email": "ada@vistula.example", "phone": "+48 22 555 0107", "timezone": "Europe/Warsaw", "industry": "Food",
     "employees": 300, "owner": "mia@seller.example"},
    {"id": "L-1004", "first_name": "Ken", "last_name": "Sato", "title": "Director, Demand Generation",
     "company": "Harbor Analytics", "email": "ken@harbor.example", "phone": "+1 206 555 0133",
     "timezone": "America/Los_Angeles", "industry": "Software", "employees": 85, "owner": "mia@seller.example"},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sink:
    """An aiosmtpd handler keeping every message (the handoff email carries the manager's link)."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 accepted"


async def enroll(address: str, cadence: Path) -> None:
    from cadence import client as api
    from cadence.config import load_settings
    from cadence.connect import connect
    from cadence.dsl.compiler import compile_file
    from cadence.lead import parse_lead

    client = await connect(load_settings(environ={"CADENCE_TEMPORAL_ADDRESS": address}))
    plan = compile_file(cadence, ROOT / "templates")
    for i, lead in enumerate(LEADS):
        result = await api.enroll(client, plan, parse_lead(lead), task_queue="tour", enrolled_by="tour",
                                  cadence_now=START.replace(minute=30 + 5 * i))
        assert result.status == "enrolled", result


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def shoot(page: Any, name: str, *, full: bool = True) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    print(f"wrote {path.relative_to(ROOT)}")


def tour(url: str, sink: Sink) -> None:
    """Sign in, work the queue, answer the handoff; a screenshot of every page on the way."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium not found: apt-get install chromium (and pip install playwright)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        rep = browser.new_context(viewport={"width": 1280, "height": 900})
        page = rep.new_page()
        page.goto(f"{url}/signin")
        shoot(page, "signin", full=False)
        page.get_by_label("Name or email").fill("dana")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{url}/tasks")

        # A rep's morning: the second lead's first call went well and the follow-up is queued for the SDR queue.
        page.goto(f"{url}/tasks/lead-L-1002~first-call~1")
        page.get_by_label("Notes").fill("Tomás owns the SDR tooling budget; evaluating two vendors, wants a demo")
        page.get_by_label("Budget allocated, or budgeting process documented").fill("80k in the Q2 plan")
        page.get_by_label("Decision process and timeframe documented").fill("pilot in April, decision by June")
        page.get_by_role("button", name="connected", exact=True).click()
        page.wait_for_url(f"{url}/leads/L-1002")
        shoot(page, "lead")
        page.goto(f"{url}/tasks/lead-L-1003~first-call~1")
        page.get_by_label("Notes").fill("Ada booked a demo with the CMO's staff for Thursday")
        page.get_by_role("button", name="meeting booked").click()
        page.wait_for_url(f"{url}/leads/L-1003")
        page.goto(f"{url}/tasks")
        shoot(page, "queue", full=False)
        page.goto(f"{url}/tasks/lead-L-1001~first-call~1")
        shoot(page, "task")
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    storage_state=rep.storage_state())
        small = phone.new_page()
        small.goto(f"{url}/tasks")
        shoot(small, "phone-queue", full=False)
        small.goto(f"{url}/tasks/lead-L-1001~first-call~1")
        shoot(small, "phone-task", full=False)

        deadline = time.monotonic() + 30
        while not any(m["X-Cadence-Lead"] == "L-1003" for m in sink.messages):
            if time.monotonic() > deadline:
                raise SystemExit("no handoff email for L-1003")
            time.sleep(0.2)
        email = next(m for m in sink.messages if m["X-Cadence-Lead"] == "L-1003")
        link = email.get_body(("plain",)).get_content().split("<", 1)[1].split(">", 1)[0]
        manager = browser.new_context(viewport={"width": 1280, "height": 900})
        page = manager.new_page()
        page.goto(link)
        shoot(page, "handoff")
        page.goto(f"{url}/signin")
        page.get_by_label("Name or email").fill("mia")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{url}/tasks")
        page.goto(f"{url}/leads/L-1004/disqualify")
        shoot(page, "confirm", full=False)
        browser.close()


def main() -> None:
    from aiosmtpd.controller import Controller

    from cadence.gateway.workspace.passwords import hash_password
    from cadence.gateway.workspace.users import User, UsersFile
    from cadence.server import EmbeddedServer

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "cadences").mkdir()
        (tmp / "cadences" / "inbound-tour.yaml").write_text(TOUR)
        shutil.copy(ROOT / "cadences" / "stale-monthly.yaml", tmp / "cadences")
        users = UsersFile(tmp / "users.json")
        secret = hash_password(PASSWORD)
        users.save({"dana": User("dana", "rep", ("sdr",), "dana@seller.example", "America/New_York", secret),
                    "mia": User("mia", "manager", ("sales-managers",), "mia@seller.example", "America/New_York",
                                secret)})
        server = EmbeddedServer(state_dir=tmp / "state", database=":memory:", port=free_port(), ui_port=None)
        server.start()
        sink, smtp_port, gateway_port = Sink(), free_port(), free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        url = f"http://127.0.0.1:{gateway_port}"
        env = {**os.environ, "CADENCE_TEMPORAL_ADDRESS": server.address, "CADENCE_STATE_DIR": str(tmp / "state"),
               "CADENCE_TASK_QUEUE": "tour", "CADENCE_SMTP_PORT": str(smtp_port),
               "CADENCE_SENDER": "Nurture <nurture@seller.example>", "CADENCE_USERS_FILE": str(users.path),
               "CADENCE_WORKSPACE_SECRET": "screenshots-only", "CADENCE_PUBLIC_URL": url,
               "CADENCE_UNSUBSCRIBE_URL": f"{url}/unsubscribe", "CADENCE_GATEWAY_SMTP_PORT": "0"}
        cli = [sys.executable, "-c", "from cadence.cli.main import run; run()"]
        worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], env=env, cwd=tmp)
        gateway = subprocess.Popen([*cli, "gateway", "--port", str(gateway_port)], env=env, cwd=tmp)
        try:
            wait_for(f"{url}/healthz")
            asyncio.run(enroll(server.address, tmp / "cadences" / "inbound-tour.yaml"))
            time.sleep(3)  # the first calls open
            tour(url, sink)
        finally:
            for process in (gateway, worker):
                process.send_signal(signal.SIGTERM)
                process.wait(30)
            controller.stop()
            server.stop()


if __name__ == "__main__":
    main()
