"""A message that moves nothing leaves the lead's timer alone (``keep-timer-v1``).

A reply the cadence only records, or a lead update, used to cancel the wait's timer and start one for
the same instant: two history events and a billable timer per message (benchmarks/README.md, inbound).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType

from cadence import client as api
from cadence import utc
from cadence.lead import parse_lead
from tests.engine.plans import email, end, make_plan

PLAN = make_plan([email("one", wait=30), end("bye")])
STARTED = EventType.EVENT_TYPE_TIMER_STARTED
CANCELED = EventType.EVENT_TYPE_TIMER_CANCELED


def _lead() -> Any:
    return parse_lead({"id": f"K-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example", "company": "Buyer Inc"})


def _markers(events: list[Any]) -> list[str]:
    return [str(e.marker_recorded_event_attributes.details) for e in events
            if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]


async def test_replies_and_updates_that_move_nothing_keep_the_timer_and_the_lead_ends_when_it_would_have(rig):
    lead = _lead()
    started = await rig.enroll(PLAN, lead)
    await rig.sleep(timedelta(days=2))
    before = await api.state(rig.client, lead.id)
    assert before["phase"] == "waiting"
    await api.send_event(rig.client, lead.id, "reply", {"detail": "sounds interesting", "id": "m-1"}, source="test")
    await api.update_lead(rig.client, lead.id, {"owner": "sam"}, by="test")
    await api.send_event(rig.client, lead.id, "reply", {"detail": "any news?", "id": "m-2"}, source="test")
    during = await api.state(rig.client, lead.id)
    assert [h["outcome"] for h in during["history"] if h["kind"] == "event"] == ["reply", "lead_updated", "reply"]
    assert during["lead"]["owner"] == "sam"
    assert during["wait_until"] == before["wait_until"]
    # What the messages changed is shown while the lead keeps waiting.
    attrs = (await started.handle.describe()).typed_search_attributes
    assert next(p.value for p in attrs if p.key.name == "CadenceOwner") == "sam"

    result = await started.handle.result()
    assert result["outcome"] == "disqualified"
    events = (await started.handle.fetch_history()).events
    assert [e.event_type for e in events].count(STARTED) == 1  # the 30-day wait's, kept through three messages
    assert CANCELED not in [e.event_type for e in events]
    # Built into generation 2, which new leads start on: no marker (older leads: the v7 goldens replay it).
    assert _markers(events) == []
    ended = [h for h in result["history"] if h["kind"] == "stage"][-1]
    late = utc.parse(ended["at"]) - utc.parse(before["wait_until"])
    assert timedelta(0) <= late < timedelta(seconds=1)  # at the 30 days the first timer stated


async def test_a_message_that_moves_the_wait_still_cancels_the_timer_and_the_lead_moves_at_once(rig):
    lead = _lead()
    started = await rig.enroll(PLAN, lead)
    await rig.sleep(timedelta(days=2))
    await api.pause(rig.client, lead.id, by="test")
    state = await api.state(rig.client, lead.id)
    assert state["status"] == "paused" and state["next_action"] is None
    events = (await started.handle.fetch_history()).events
    assert [e.event_type for e in events].count(CANCELED) == 1
    assert "keep-timer-v1" not in "".join(_markers(events))
    await started.handle.terminate("test over")
