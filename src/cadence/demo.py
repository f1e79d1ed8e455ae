"""Sample leads and a stand-in sales team for ``cadence dev --demo``.

The demo enrolls realistic leads (and some junk that pre-qualification
must cull), then plays reps and buyers: it completes call tasks with
plausible outcomes and has a few leads reply, so an operator watching the
Temporal UI sees leads move to handoff and to disqualification.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

from temporalio.client import Client

from cadence import client as api
from cadence import visibility

_PEOPLE = [
    ("Maria", "Gonzalez", "Northwind Logistics", "America/Chicago", "VP Operations", "logistics"),
    ("Arjun", "Mehta", "Helios Manufacturing", "Asia/Kolkata", "Head of IT", "manufacturing"),
    ("Sofie", "Jansen", "Polder Foods", "Europe/Amsterdam", "CFO", "food"),
    ("Liam", "O'Brien", "Cliffside Insurance", "Europe/Dublin", "Director of Claims", "insurance"),
    ("Grace", "Kim", "Summit Health Partners", "America/Los_Angeles", "COO", "healthcare"),
    ("Tom", "Becker", "Rheinwerk Tools", "Europe/Berlin", "Plant Manager", "manufacturing"),
    ("Aisha", "Okafor", "Lagoon Retail Group", "America/New_York", "VP Digital", "retail"),
    ("Ethan", "Wright", "Granite Construction Co", "America/Denver", "Project Director", "construction"),
    ("Chloe", "Martin", "Brasserie Holdings", "Europe/Paris", "Head of Finance", "hospitality"),
    ("Noah", "Silva", "Atlas Freight", "America/Sao_Paulo", "CTO", "logistics"),
]
_JUNK = [
    {"first_name": "John", "last_name": "Doe", "company": "Doe Enterprises"},
    {"first_name": "Test", "last_name": "User", "company": "ACME"},
    {"first_name": "Sam", "last_name": "Student", "company": "State University", "email": "sam@state.edu"},
]
OWNERS = ("dana", "lee", "priya")


def demo_leads(prefix: str = "DEMO") -> list[dict[str, Any]]:
    """Deterministic sample leads: ten plausible buyers and three pieces of junk."""
    leads: list[dict[str, Any]] = []
    for i, (first, last, company, tz, title, industry) in enumerate(_PEOPLE, start=1):
        domain = company.lower().split()[0].replace("'", "") + ".example"
        leads.append({
            "id": f"{prefix}-{i:03d}",
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}@{domain}",
            "phone": f"+1 312 555 {1000 + i:04d}",
            "company": company,
            "title": title,
            "industry": industry,
            "employees": 200 + 150 * i,
            "timezone": tz,
            "owner": OWNERS[i % len(OWNERS)],
            "source": "sales" if i % 4 == 0 else "marketing",
            "campaign": "webinar-2026-q4" if i % 2 else "whitepaper-roi",
            "deal_size": 20000 + 7500 * i,
            "address_line1": f"{100 + i} Market Street",
            "city": "Chicago",
            "region": "IL",
            "postal_code": "60601",
            "country": "US",
        })
    for j, junk in enumerate(_JUNK, start=len(_PEOPLE) + 1):
        leads.append({
            "id": f"{prefix}-{j:03d}",
            "email": junk.get("email", f"{junk['first_name'].lower()}@example.com"),
            "phone": "+1 000 000 0000",
            "owner": "dana",
            "source": "marketing",
            **{k: v for k, v in junk.items() if k != "email"},
        })
    return leads


def _roll(*parts: str) -> int:
    """A stable pseudo-random number 0-99 per (lead, step): the demo replays the same way."""
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16) % 100


class DemoActor:
    """Plays reps and buyers against the running demo leads.

    Args:
        client: a connected Temporal client.
        log: where to say what the actor did (one line per action).
    """

    def __init__(self, client: Client, log: Callable[[str], None]) -> None:
        self.client = client
        self.log = log
        self.replied: set[str] = set()

    async def run(self, interval: float = 3.0) -> None:
        """Act every ``interval`` seconds until cancelled."""
        while True:
            try:
                await self.act_once()
            except api.ActionRefused as exc:
                self.log(f"demo: skipped: {exc}")
            await asyncio.sleep(interval)

    async def act_once(self) -> None:
        """Complete the open tasks, answer handoffs as sales, and let some leads reply."""
        for task in await api.open_tasks(self.client):
            roll = _roll(task["task_id"])
            if roll < 30:
                outcome, learned = "connected", self._facts(task["lead_id"], roll)
            elif roll < 45:
                outcome, learned = "voicemail_left", {}
            elif task["kind"] == "voicemail":
                outcome, learned = "voicemail_left", {}
            elif roll < 50 and "meeting_booked" in task["outcomes"]:
                outcome, learned = "meeting_booked", {"urgency": "wants a proposal before budget freeze"}
            else:
                outcome, learned = "no_answer", {}
            if outcome not in task["outcomes"]:
                outcome = task["outcomes"][0]
            await api.log_outcome(self.client, task["task_id"], outcome, notes=f"demo rep: {outcome.replace('_', ' ')}",
                                  learned=learned, by=task["assignee"])
            self.log(f"demo: {task['assignee']} logged {outcome} on {task['task_id']}")
        async for row in api.list_leads(self.client, api.list_query(outcome=visibility.AWAITING_ACCEPTANCE), limit=100):
            if _roll(row.lead_id, "accept") < 80:
                await api.accept(self.client, row.lead_id, note="demo: will call this week", by=row.owner or "sales")
                self.log(f"demo: sales accepted lead {row.lead_id}")
            else:
                await api.reject(self.client, row.lead_id, "demo: no budget this year", by=row.owner or "sales")
                self.log(f"demo: sales rejected lead {row.lead_id}; back to nurture")
        async for row in api.list_leads(self.client, api.list_query(outcome=visibility.ACTIVE), limit=100):
            if row.lead_id in self.replied or row.touches < 2 or _roll(row.lead_id, "reply") >= 25:
                continue
            self.replied.add(row.lead_id)
            await api.send_event(self.client, row.lead_id, "reply", {"detail": "demo: 'Can we talk next week?'"},
                                 source="demo")
            self.log(f"demo: lead {row.lead_id} replied")

    @staticmethod
    def _facts(lead_id: str, roll: int) -> dict[str, str]:
        facts = {
            "decision_makers": "CFO and VP Operations sign off",
            "pain_validated": "manual follow-up loses a third of inbound leads",
            "budget": "budget set aside for Q1",
            "decision_process": "pilot in January, decision by March",
            "decision_maker_engaged": "VP joined the call",
            "industry_code": "NAICS 4931",
            "firmographics": "1,200 employees, 4 sites",
            "environment": "Salesforce + HubSpot",
            "competition": "evaluating Outreach",
            "urgency": "contract renewal in April",
        }
        keys = sorted(facts, key=lambda k: _roll(lead_id, k))
        return {k: facts[k] for k in keys[: 3 + roll % 4]}


__all__ = ["DemoActor", "OWNERS", "demo_leads"]
