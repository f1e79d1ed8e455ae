"""End to end: the dev server binary, a worker subprocess, aiosmtpd and the CLI.

Leads are enrolled from a CSV into a cadence with minute-scale waits played
at 60x; a rep completes a call task from the terminal; leads end in handoff
and in disqualification; ``cadence list`` filters by the search attributes
the Temporal UI uses.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadence.server import EmbeddedServer
from tests.e2e.conftest import CLI, Stack, running_stack
from tests.workflow.conftest import Mailbox, Webhook, free_port

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CADENCE = Path(__file__).parent / "cadences" / "e2e-quick.yaml"

CSV = """Lead ID,First Name,Last Name,Email,Company,Owner,Phone
E-1,Ada,Lovelace,ada@analytical.example,Analytical Engines,dana@seller.example,+1 312 555 0101
E-2,Grace,Hopper,grace@cobol.example,Cobol Works,lee@seller.example,+1 312 555 0102
E-3,Road,Runner,road@acme.example,ACME,dana@seller.example,+1 312 555 0103
E-4,Bad,Email,not-an-email,Broken Co,dana@seller.example,+1 312 555 0104
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("e2e")) as running:
        yield running


def test_leads_flow_from_csv_to_handoff_and_disqualification(stack: Stack) -> None:
    leads = stack.tmp / "leads.csv"
    leads.write_text(CSV, encoding="utf-8")
    first = stack.cli("enroll", "--cadence", str(CADENCE), str(leads), "--time-scale", "60", "--json",
                      "--map", "id=Lead ID", ok=False)
    assert first.returncode == 1 and first.stdout, first.stderr  # one row was rejected
    summary = json.loads(first.stdout)
    assert (summary["enrolled"], summary["already_enrolled"], summary["rejected"]) == (3, 0, 1)
    rejects = [json.loads(line) for line in Path(summary["rejects_file"]).read_text().splitlines()]
    assert rejects == [{"file": str(leads), "line": 5, "error": "email: 'not-an-email' is not a valid address"}]

    again = json.loads(stack.cli("enroll", "--cadence", str(CADENCE), str(leads), "--json", "--map", "id=Lead ID",
                                 ok=False).stdout)
    assert (again["enrolled"], again["already_enrolled"]) == (0, 3)  # nobody enrolled twice

    tasks = stack.poll(lambda ts: {t["lead_id"] for t in ts} == {"E-1", "E-2"}, "tasks")
    ada = next(t for t in tasks if t["lead_id"] == "E-1")
    assert ada["task_id"] == "lead-E-1~discovery~1" and ada["assignee"] == "dana@seller.example"
    # A rep's tasks are one visibility query on CadenceTaskAssignee (not a look at every lead).
    assert {t["lead_id"] for t in stack.json("tasks", "--assignee", "dana@seller.example")} == {"E-1", "E-2"} - {
        t["lead_id"] for t in tasks if t["assignee"] != "dana@seller.example"}
    assert stack.json("tasks", "--assignee", "nobody@seller.example") == []
    shown = stack.cli("tasks", "show", ada["task_id"]).stdout
    assert "# Discovery call: Ada at Analytical Engines" in shown

    wrong = stack.cli("tasks", "complete", ada["task_id"], "--outcome", "conected", ok=False)
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("error: unknown outcome 'conected' (did you mean 'connected'?)")
    done = stack.cli("tasks", "complete", ada["task_id"], "--outcome", "connected", "--notes", "budget is real",
                     "--learned", "budget=120k in Q1", "--learned", "urgency=renewal in March")
    assert done.stdout.strip() == f"recorded connected for task {ada['task_id']}"
    closed = stack.cli("tasks", "complete", ada["task_id"], "--outcome", "connected", ok=False)
    assert closed.returncode == 1
    assert closed.stderr.strip() in (  # depending on whether the handoff has finished yet
        f"error: task {ada['task_id']} is not open: lead E-1 has no open task",
        "error: lead E-1 has already ended (completed); nothing was recorded",
    )

    ended = stack.poll(lambda rows: len(rows) == 3 and all(r["status"] == "completed" for r in rows),
                       "list", "--cadence", "e2e-quick", timeout=90)
    outcomes = {r["lead_id"]: (r["outcome"], r["reason"]) for r in ended}
    assert outcomes == {"E-1": ("handoff", ""), "E-2": ("disqualified", "no_response"),
                        "E-3": ("disqualified", "bad_data")}
    handed = stack.json("list", "--outcome", "handoff")
    assert [r["lead_id"] for r in handed] == ["E-1"]
    assert handed[0]["stage"] == "handed_off" and handed[0]["touches"] == 2 and handed[0]["score"] == 50
    assert {r["lead_id"] for r in stack.json("list", "--stage", "disqualified")} == {"E-2", "E-3"}
    assert {r["lead_id"] for r in stack.json("list", "--owner", "lee@seller.example")} == {"E-2"}

    status = stack.json("status", "E-1")
    assert status["outcome"]["kind"] == "handoff" and status["qualification"]["budget"]["value"] == "120k in Q1"
    hello = [m for m in stack.mailbox.messages() if str(m["Subject"]).startswith("Hello")]
    assert sorted(str(m["To"]) for m in hello) == ["Ada Lovelace <ada@analytical.example>",
                                                   "Grace Hopper <grace@cobol.example>"]
    assert any("dana@seller.example" in str(m["To"]) for m in stack.mailbox.messages())  # the dossier

    late = stack.cli("event", "E-2", "reply", ok=False)
    assert late.returncode == 1 and late.stderr.strip() == "error: lead E-2 has already ended (completed); nothing was recorded"


def test_cli_reports_an_unreachable_server_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "CADENCE_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"}
    proc = subprocess.run([*CLI, "status", "X-1"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: no Temporal server reachable at {env['CADENCE_TEMPORAL_ADDRESS']} "
        "(start one with `cadence server` or `cadence dev`)"
    ]


def test_operators_pause_resume_update_disqualify_and_hand_off_from_the_cli(stack: Stack) -> None:
    cadence = Path(__file__).parent / "cadences" / "e2e-slow.yaml"
    leads = stack.tmp / "ops.jsonl"
    leads.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": "O-1", "first_name": "Alan", "email": "alan@turing.example", "owner": "dana@seller.example"},
        {"id": "O-2", "first_name": "Joan", "email": "joan@clarke.example", "owner": "lee@seller.example"},
    ]), encoding="utf-8")
    stack.cli("enroll", "--cadence", str(cadence), str(leads))
    stack.poll(lambda st: st["touches"] == 1, "status", "O-1")

    assert stack.cli("pause", "O-1").stdout.strip() == "paused"
    assert stack.json("status", "O-1")["status"] == "paused"
    again = stack.cli("pause", "O-1", ok=False)
    assert (again.returncode, again.stderr.strip()) == (1, "error: lead O-1 is paused, not active")
    assert stack.cli("resume", "O-1").stdout.strip() == "resumed"
    who = f"operator:{getpass.getuser()}"  # the person at the terminal, as `cadence suppress` and `migrate` record
    said = [(h["outcome"], h["by"]) for h in stack.json("status", "O-1")["history"] if h["kind"] == "operator"]
    assert said == [("paused", who), ("resumed", who)]

    bad = stack.cli("event", "O-1", "lead_updated", "-d", "email=not-an-email", ok=False)
    assert (bad.returncode, bad.stderr.strip()) == (1, "error: invalid lead data: email: 'not-an-email' is not a valid address")
    stack.cli("event", "O-1", "lead_updated", "-d", "phone=+1 312 555 0199")
    assert stack.json("status", "O-1")["lead"]["phone"] == "+1 312 555 0199"
    unknown = stack.cli("event", "O-1", "replied", ok=False)
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: unknown event 'replied'")

    wrong = stack.cli("disqualify", "O-1", "--reason", "spam", ok=False)
    assert wrong.stderr.strip() == ("error: reason 'spam' is not declared by cadence e2e-slow; "
                                    "expected one of: no_response, competitor, opted_out")
    stack.cli("disqualify", "O-1", "--reason", "competitor", "--note", "works at a rival")
    stack.cli("handoff", "O-2", "--note", "asked for pricing at the event")
    rows = stack.poll(lambda rs: {r["lead_id"]: r["outcome"] for r in rs} == {"O-1": "disqualified", "O-2": "handoff"},
                      "list", "--cadence", "e2e-slow")
    assert {r["lead_id"]: r["reason"] for r in rows}["O-1"] == "competitor"
    missing = stack.cli("status", "NOPE-1", ok=False)
    assert missing.stderr.strip() == "error: lead NOPE-1 is not enrolled"


def test_input_while_no_worker_runs_is_refused_clearly_and_not_recorded(tmp_path: Path) -> None:
    server = EmbeddedServer(state_dir=tmp_path / "state", database=":memory:", port=free_port(), ui_port=None)
    server.start()
    try:
        env = {**os.environ, "CADENCE_TEMPORAL_ADDRESS": server.address, "CADENCE_TASK_QUEUE": "nobody-listens"}
        stack = Stack(env, Mailbox(), tmp_path, Webhook())
        lead = tmp_path / "lead.json"
        lead.write_text(json.dumps({"id": "W-1", "email": "w@x.example", "first_name": "Wes"}), encoding="utf-8")
        stack.cli("enroll", "--cadence", str(Path(__file__).parent / "cadences" / "e2e-slow.yaml"), str(lead))
        # The CLI waits client.UPDATE_TIMEOUT (20 s); the library call below shortens it for the test.
        refused = subprocess.run([sys.executable, "-c", (
            "import asyncio, datetime, sys\n"
            "from cadence import client as api\n"
            "from cadence.config import load_settings\n"
            "from cadence.connect import connect\n"
            "async def main():\n"
            "    c = await connect(load_settings())\n"
            "    try:\n"
            "        await api._update(c, 'W-1', 'pause', api.OperatorInput(by='t'), timeout=datetime.timedelta(seconds=3))\n"
            "    except api.ActionRefused as e:\n"
            "        print(e)\n"
            "asyncio.run(main())\n")], env=env, capture_output=True, text=True, timeout=60)
        assert refused.stdout.strip() == ("no worker took the request for lead W-1 within 3 s; nothing was recorded. "
                                          "Is `cadence worker` running? Run the command again when it is")
        # No worker can answer the query: status shows what visibility knows, and says so.
        status = stack.cli("status", "W-1")
        assert re.fullmatch(r"lead W-1 - e2e-slow \([0-9a-f]{12}\) - active, stage prequalify\n"
                            r"touches 0, score 0, owner -\n", status.stdout), status.stdout
        assert status.stderr.strip() == (
            "note: no worker answered for lead W-1 within 10 s; is `cadence worker` running?; shown: what "
            "visibility knows (the history, qualification and open task need a worker)")
        shown = json.loads(stack.cli("status", "W-1", "--json").stdout)
        assert (shown["lead_id"], shown["cadence"], shown["complete"]) == ("W-1", "e2e-slow", False)
        missing = stack.cli("status", "NOPE-2", ok=False)
        assert missing.stderr.strip() == "error: lead NOPE-2 is not enrolled"
    finally:
        server.stop()
