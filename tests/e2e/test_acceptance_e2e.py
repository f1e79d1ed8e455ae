"""Sales acceptance end to end (issue #18): the dev server, a worker subprocess, SMTP, a CRM webhook,
the outbox and the CLI. Escalations reach the managers by every channel once; lists and the report
tell the truth about leads that were recycled and switched tracks."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Webhook
from tests.e2e.conftest import Stack, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
CADENCE = Path(__file__).parent / "cadences" / "e2e-accept.yaml"
LEADS = {  # lead -> what sales does
    "A-1": "accepts in time, without saying who",
    "A-2": "misses the deadline; a manager accepts the escalation late",
    "A-3": "nobody ever answers: escalated, then recycled through two tracks",
    "A-4": "rejects in time with a reason: recycled through two tracks",
}


def _crm_down_once_for_the_escalation() -> Any:
    failed: set[str] = set()

    def answer(body: dict[str, Any]) -> int | None:
        if body.get("lead_id") == "A-2" and body.get("delivery") == 2 and "A-2" not in failed:
            failed.add("A-2")
            return 503  # the CRM is down: the delivery activity is retried
        return None

    return answer


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("accept"), Webhook(_crm_down_once_for_the_escalation())) as running:
        yield running


def _rows(stack: Stack, *filters: str) -> list[dict[str, Any]]:
    rows = stack.json("list", *filters)
    counts = Counter(r["lead_id"] for r in rows)
    assert [lead for lead, n in counts.items() if n > 1] == [], rows  # one row per lead, always
    return rows


def test_escalation_late_accept_rejection_and_recycling(stack: Stack) -> None:
    since = datetime.now(timezone.utc) - timedelta(hours=1)  # a dev-server test: real time, not a calendar
    leads = stack.tmp / "leads.jsonl"
    leads.write_text("".join(json.dumps({"id": lead, "first_name": "Pat", "email": f"{lead.lower()}@buyer.example",
                                         "company": "Buyer Inc", "owner": "dana@seller.example", "deal_size": 10_000})
                             + "\n" for lead in LEADS))
    stack.cli("enroll", "--cadence", str(CADENCE), str(leads), "--time-scale", "600")
    stack.poll(lambda rows: {r["lead_id"] for r in rows} == set(LEADS), "list", "--outcome", "awaiting_acceptance")

    accepted = stack.cli("accept", "A-1").stdout.strip()
    rejected = stack.cli("reject", "A-4", "--reason", "no budget until Q3", "--by", "lee@seller.example").stdout.strip()
    assert (accepted, rejected) == ("accepted", "rejected: back to e2e-recycle")
    stack.poll(lambda st: (st.get("acceptance") or {}).get("to") == "managers@seller.example", "status", "A-2")
    stack.cli("accept", "A-2", "--by", "kim@seller.example", "--note", "taking it from here")

    while_running = _rows(stack)
    assert {r["lead_id"] for r in while_running} == set(LEADS)
    ended = stack.poll(lambda rows: len(rows) == 4 and all(r["status"] == "completed" for r in rows), "list",
                       timeout=120)
    _rows(stack)
    assert _rows(stack, "--outcome", "active") == []
    outcomes = {r["lead_id"]: (r["outcome"], r["reason"]) for r in ended}
    assert outcomes == {"A-1": ("handoff", ""), "A-2": ("handoff", ""), "A-3": ("disqualified", "no_response"),
                        "A-4": ("disqualified", "no_response")}

    states = {lead: stack.json("status", lead) for lead in LEADS}
    assert states["A-1"]["outcome"]["reason"] == "accepted by dana@seller.example"  # the assignee, never "cli"
    assert states["A-2"]["outcome"]["reason"] == "accepted by kim@seller.example"
    assert states["A-2"]["outcome"]["to"] == "managers@seller.example"
    for lead in ("A-3", "A-4"):
        moves = [h["detail"] for h in states[lead]["history"] if h["kind"] == "stage" and "moved to track" in h["detail"]]
        assert [m.split(":")[0] for m in moves] == ["moved to track e2e-recycle", "moved to track e2e-last"], moves
    assert [h["detail"] for h in states["A-4"]["history"] if h["outcome"] == "rejected"] == ["no budget until Q3"]
    assert [h["by"] for h in states["A-3"]["history"] if h["outcome"] == "not_accepted"] == [
        "dana@seller.example", "managers@seller.example"]

    # What the managers received for the two escalated leads, by every channel, once each.
    folder = stack.outbox / "handoffs"
    assert sorted(p.name for p in folder.glob("*.json")) == [
        "A-1.json", "A-2.escalated.json", "A-2.json", "A-3.escalated.json", "A-3.json", "A-4.json"]
    escalation = json.loads((folder / "A-2.escalated.json").read_text())
    assert (escalation["assignee"], escalation["escalated_from"]) == ("managers@seller.example", "dana@seller.example")
    assert escalation["answer_by"] and escalation["missed_deadline"]
    managers = stack.mailbox.to("managers@seller.example")
    assert sorted(str(m["Subject"]) for m in managers) == [
        "Escalated: sales-ready lead: Pat, Buyer Inc (A-2)", "Escalated: sales-ready lead: Pat, Buyer Inc (A-3)"]
    assert len(stack.mailbox.to("dana@seller.example")) == 4
    posts = [json.loads(body) for _headers, body in stack.webhook.posts]
    per_delivery = Counter((p["lead_id"], p["delivery"]) for p in posts)
    assert per_delivery == {("A-1", 1): 1, ("A-2", 1): 1, ("A-2", 2): 2, ("A-3", 1): 1, ("A-3", 2): 1, ("A-4", 1): 1}
    keys = {(p["lead_id"], p["delivery"]): h["Idempotency-Key"] for (h, _b), p in zip(stack.webhook.posts, posts)}
    assert keys[("A-2", 1)] != keys[("A-2", 2)]

    # The report's acceptance figures are these outcomes.
    until = datetime.now(timezone.utc) + timedelta(days=2)  # cadence time runs at 600x, ahead of the wall clock
    report = stack.json("report", "--since", since.isoformat(), "--until", until.isoformat())
    assert report["acceptance"] == "tracked"
    acceptance = report["groups"]["all"]["acceptance"]
    assert {k: acceptance[k] for k in ("accepted", "rejected", "recycled", "pending")} == {
        "accepted": 2, "rejected": 1, "recycled": 1, "pending": 0}
    assert acceptance["rate"] == 0.5
    assert acceptance["days_to_accept"] is not None and acceptance["days_to_accept"] > 0


def test_the_workers_metrics_count_what_happened(stack: Stack) -> None:
    # Runs after the scenario above on the same worker: every lead there has ended.
    lead_emails = [m for m in stack.mailbox.messages() if str(m["To"]).endswith("@buyer.example>")]
    assert stack.metric("cadence_touches_total", channel="email", outcome="sent") == len(lead_emails) == 8
    assert stack.metric("cadence_leads_ended_total", outcome="handoff", reason="") == 2
    assert stack.metric("cadence_leads_ended_total", outcome="disqualified", reason="no_response") == 2
    assert stack.metric("cadence_handoffs_delivered_total", delivery="handoff") == 4
    assert stack.metric("cadence_handoffs_delivered_total", delivery="escalation") == 2
    labels = {value for _name, have, _v in stack.metrics() for value in have.values()}
    assert not any("@" in value for value in labels)  # no personal data
