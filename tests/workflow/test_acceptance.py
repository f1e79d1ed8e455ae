"""Sales acceptance on the time-skipping server: accepted, rejected and recycled, never answered."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from cadence import client as api
from cadence.lead import parse_lead
from cadence.messages import QUERY_STATE
from tests.engine.test_engine import _acceptance_plan

PLAN = _acceptance_plan()


async def handed_off(rig: Any) -> tuple[str, Any]:
    lead = parse_lead({"id": f"A-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example", "owner": "dana"})
    started = await rig.enroll(PLAN, lead)
    for _ in range(50):
        state = await started.handle.query(QUERY_STATE, result_type=dict)
        if state["phase"] == "acceptance":
            return lead.id, started.handle
        await rig.env.sleep(timedelta(minutes=30))
    raise AssertionError("never handed off")


async def test_an_accepted_lead_ends_as_an_accepted_handoff(rig):
    lead_id, handle = await handed_off(rig)
    with pytest.raises(api.ActionRefused, match="^a rejection needs a reason"):
        await api.reject(rig.client, lead_id, "")
    await api.accept(rig.client, lead_id, note="calling tomorrow", by="dana")
    result = await handle.result()
    assert (result["outcome"], result["reason"], result["to"]) == ("handoff", "accepted by dana", "dana@seller.example")
    assert result["dossier"] is not None
    assert [h["outcome"] for h in result["history"] if h["kind"] == "operator"] == ["accepted"]
    with pytest.raises(api.ActionRefused, match="has already ended"):
        await api.accept(rig.client, lead_id)


async def test_a_rejected_lead_is_recycled_into_the_nurture_track(rig):
    lead_id, handle = await handed_off(rig)
    await api.reject(rig.client, lead_id, "no budget this year", by="dana")
    result = await handle.result()
    assert (result["outcome"], result["reason"]) == ("disqualified", "no_response")  # after the long-term track
    stages = [h["detail"] for h in result["history"] if h["kind"] == "stage"]
    assert any(d.startswith("moved to track stale-monthly: rejected by sales: no budget this year") for d in stages)
    assert [h["step"] for h in result["history"] if h["kind"] == "touch"] == ["one", "monthly"]  # history kept


async def test_nobody_answering_escalates_then_recycles(rig):
    _lead_id, handle = await handed_off(rig)
    result = await handle.result()
    misses = [h["by"] for h in result["history"] if h["outcome"] == "not_accepted"]
    assert misses == ["dana@seller.example", "queue:managers"]
    assert any("not accepted in time" in h["detail"] or "nobody accepted" in h["detail"]
               for h in result["history"] if h["kind"] == "stage")
    handoffs = sorted((rig.outbox / "handoffs").glob("*.json"))
    assert len(handoffs) >= 1
