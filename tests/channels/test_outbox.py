"""Tasks, voicemail drops, letters and exits in the file outbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError

from cadence.channels.activities import ChannelActivities
from cadence.channels.requests import ExitRecord, LetterRequest, Rendered, TaskRequest, VoicemailDropRequest

from .conftest import LEAD, run


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.rglob("*.tmp")]


async def test_call_task_file_with_rendered_brief(acts: ChannelActivities, outbox: Path) -> None:
    req = TaskRequest(
        task_id="lead-L-1-t3", workflow_id="lead-L-1", lead=LEAD, kind="call", step_id="intro-call",
        assignee="dana", due_at="2026-03-04T17:00:00Z",
        brief=Rendered("calls/intro.md.j2", "# Call {{ lead.first_name }} at {{ lead.company }}\n"
                                            "Touches so far: {{ touches }}. Ask about <budget>.\n"),
        context={"lead": LEAD, "touches": 3}, outcomes=("connected", "no_answer"), plan_name="enterprise",
        plan_version="abc",
    )
    result = await run(acts.open_task, req)
    assert result.task_id == "lead-L-1-t3"
    assert result.brief_text == "# Call Jane at Globex\nTouches so far: 3. Ask about <budget>.\n"
    path = outbox / "tasks" / "lead-L-1-t3.json"
    assert result.location == str(path)
    task = json.loads(path.read_text())
    assert task["brief"] == result.brief_text
    assert task["kind"] == "call" and task["assignee"] == "dana" and task["due_at"] == "2026-03-04T17:00:00Z"
    assert task["outcomes"] == ["connected", "no_answer"]
    assert task["contact"]["phone"] == "+1 555 010 2000"
    assert task["report"] == {"workflow_id": "lead-L-1", "update": "log_outcome", "task_id": "lead-L-1-t3"}
    assert task["plan"] == {"name": "enterprise", "version": "abc"}
    assert leftovers(outbox) == []


async def test_task_id_cannot_escape_the_outbox(acts: ChannelActivities, outbox: Path) -> None:
    req = TaskRequest(task_id="../../etc/x", workflow_id="w", lead=LEAD, kind="call", step_id="s", assignee="a",
                      due_at="", brief=Rendered("b.md.j2", "hi"), context={}, outcomes=())
    result = await run(acts.open_task, req)
    assert Path(result.location).parent == outbox / "tasks"


def vm_request(lead: dict[str, Any] = LEAD) -> VoicemailDropRequest:
    return VoicemailDropRequest(workflow_id="lead-L-1", lead=lead, step_id="vm-1", iteration=0,
                                script=Rendered("voicemails/intro.txt.j2", "Hi {{ lead.first_name }}, it's {{ sender }}."),
                                context={"lead": lead}, plan_name="enterprise", plan_version="abc")


async def test_voicemail_drop_writes_script_and_manifest_once(acts: ChannelActivities, outbox: Path) -> None:
    first = await run(acts.drop_voicemail, vm_request())
    again = await run(acts.drop_voicemail, vm_request(), attempt=2)
    assert first.delivered and first == again
    assert first.reference.startswith("vm-")
    script = outbox / "voicemail" / f"{first.reference}.txt"
    assert script.read_text() == "Hi Jane, it's Cadence <cadence@example.com>."
    [line] = lines(outbox / "voicemail" / "manifest.jsonl")
    assert line["reference"] == first.reference and line["phone"] == "+1 555 010 2000" and line["lead_id"] == "L-1"


async def test_voicemail_without_phone_is_not_delivered(acts: ChannelActivities) -> None:
    lead = {k: v for k, v in LEAD.items() if k != "phone"}
    result = await run(acts.drop_voicemail, vm_request(lead))
    assert not result.delivered and result.detail == "lead has no phone number"


def letter_request(lead: dict[str, Any] = LEAD, paper: str = "letter", source: str | None = None) -> LetterRequest:
    return LetterRequest(
        workflow_id="lead-L-1", lead=lead, step_id="letter-1", iteration=0,
        template=Rendered("letters/intro.html.j2", source or "<p>Dear {{ lead.first_name }},</p><p>{{ lead.company }} & us.</p>"),
        context={"lead": lead}, paper=paper, return_address="Cadence Inc.\n9 Elm St\nBoston, MA 02101",
        plan_name="enterprise", plan_version="abc123",
    )


async def test_letter_is_print_ready_html_with_manifest(acts: ChannelActivities, outbox: Path) -> None:
    result = await run(acts.send_letter, letter_request())
    path = outbox / "letters" / f"{result.letter_id}.html"
    assert result.path == str(path)
    html = path.read_text()
    assert "@page { size: letter;" in html
    assert "<p>Dear Jane,</p><p>Globex & us.</p>" in html
    assert "Jane Doe<br>\nGlobex<br>\n1 Main St<br>\nSpringfield, IL 62701<br>\nUS" in html
    assert "Cadence Inc.\n9 Elm St" in html
    [line] = lines(outbox / "letters" / "manifest.jsonl")
    assert line["letter_id"] == result.letter_id and line["lead_id"] == "L-1"
    assert line["address_block"] == ["Jane Doe", "Globex", "1 Main St", "Springfield, IL 62701", "US"]
    assert line["template"] == "letters/intro.html.j2"
    assert line["plan"] == {"name": "enterprise", "version": "abc123"}
    assert line["file"] == path.name and line["created"].endswith("Z")


async def test_letter_retry_overwrites_and_does_not_duplicate(acts: ChannelActivities, outbox: Path) -> None:
    first = await run(acts.send_letter, letter_request())
    again = await run(acts.send_letter, letter_request(), attempt=2)
    assert first.letter_id == again.letter_id and first.path == again.path
    assert len(lines(outbox / "letters" / "manifest.jsonl")) == 1
    assert sorted(p.name for p in (outbox / "letters").iterdir()) == sorted([f"{first.letter_id}.html", "manifest.jsonl"])
    other = await run(acts.send_letter, LetterRequest(**{**letter_request().__dict__, "iteration": 1}))
    assert other.letter_id != first.letter_id
    assert len(lines(outbox / "letters" / "manifest.jsonl")) == 2


async def test_letter_a4_full_document_and_escaped_address(acts: ChannelActivities, outbox: Path) -> None:
    lead = {**LEAD, "company": "<script>x</script>"}
    doc = "<!DOCTYPE html><html><head><title>t</title></head><body>{{ lead.first_name }}</body></html>"
    result = await run(acts.send_letter, letter_request(lead, paper="A4", source=doc))
    html = Path(result.path).read_text()
    assert "@page { size: A4;" in html and html.index("@page") < html.index("</head>")
    assert "<script>" not in html
    plain = await run(acts.send_letter, LetterRequest(**{**letter_request(lead).__dict__, "iteration": 5}))
    assert "&lt;script&gt;x&lt;/script&gt;" in Path(plain.path).read_text()


async def test_letter_without_postal_address_fails_for_good(acts: ChannelActivities) -> None:
    lead = {k: v for k, v in LEAD.items() if k != "address_line1"}
    with pytest.raises(ApplicationError) as err:
        await run(acts.send_letter, letter_request(lead))
    assert err.value.type == "MissingAddress" and err.value.non_retryable


async def test_letter_unknown_paper_fails_for_good(acts: ChannelActivities) -> None:
    with pytest.raises(ApplicationError) as err:
        await run(acts.send_letter, letter_request(paper="legal"))
    assert err.value.type == "InvalidPaper" and err.value.non_retryable


async def test_exit_is_logged_once(acts: ChannelActivities, outbox: Path) -> None:
    rec = ExitRecord(workflow_id="lead-L-1", lead_id="L-1", outcome="disqualified", reason="no_response",
                     plan_name="enterprise", plan_version="abc", ended_at="2026-05-01T10:00:00Z",
                     summary={"touches": 7, "source": "marketing"})
    await run(acts.record_exit, rec)
    await run(acts.record_exit, rec, attempt=2)
    [line] = lines(outbox / "exits.jsonl")
    assert line["lead_id"] == "L-1" and line["reason"] == "no_response" and line["summary"]["touches"] == 7
    await run(acts.record_exit, ExitRecord(**{**rec.__dict__, "lead_id": "L-2", "workflow_id": "lead-L-2"}))
    assert [x["lead_id"] for x in lines(outbox / "exits.jsonl")] == ["L-1", "L-2"]
