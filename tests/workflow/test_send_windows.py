"""Touches land inside the lead's business hours, never on holidays, across DST changes."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from cadence import ir, schedule
from cadence.lead import parse_lead
from tests.engine.plans import make_plan

HOLIDAYS = schedule.holiday_dates("us")
OFFICE = ir.Schedule(timezone="lead", default_timezone="America/New_York",
                     business_hours=ir.BusinessHours(days=(0, 1, 2, 3, 4), start="09:00", end="17:00"),
                     holidays=HOLIDAYS, holiday_sets=("us",))
# An email every 3 business days, 40 times: about 6 months, across the spring DST changes of 2027.
PLAN = make_plan([
    ir.EmailStep("news", "emails/news.html.j2", "News", wait=ir.Duration(3, "business_days")),
    ir.LoopStep("again", back_to="news", every=ir.Duration(17, "hours"), times=39, then=ir.DisqualifyAction("no_response")),
], schedule=OFFICE)


def _own_second(t: datetime, zone: str, workflow_id: str) -> datetime:
    """This lead's second of the send window that opened on ``t``'s day."""
    opening = datetime.combine(t.date(), time(9), tzinfo=ZoneInfo(zone))
    return schedule.spread_opening(OFFICE, zone, opening, workflow_id)


@pytest.mark.calendar
@pytest.mark.parametrize("zone", ["America/Chicago", "Europe/Berlin", "Asia/Kolkata"])
async def test_every_touch_is_inside_the_leads_business_hours(rig, zone):
    lead = parse_lead({"id": f"L-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example", "timezone": zone})
    started = await rig.enroll(PLAN, lead)
    result = await started.handle.result()
    sends = [datetime.fromisoformat(h["at"].replace("Z", "+00:00")) for h in result["history"]
             if h["kind"] == "touch" and h["outcome"] == "sent"]
    assert len(sends) == 40
    local = [t.astimezone(ZoneInfo(zone)) for t in sends]
    assert (local[-1] - local[0]).days > 150
    for t in local:
        assert t.weekday() < 5, t
        assert 9 <= t.hour < 17, t
        assert t.date().isoformat() not in HOLIDAYS, t
    # Touches that waited for an opening come at this lead's own second of the window's first hour
    # (leads waiting for one opening are spread), and across a DST change at the same local time.
    # (Workflow time moves a few milliseconds during a send.)
    waited = [t for t in local if abs(t - _own_second(t, zone, started.handle.id)) < timedelta(seconds=5)]
    assert len(waited) >= 10
    assert not any(t.time() < time(9, 0, 5) for t in local if t not in waited)  # nobody else at the opening
    openings = {t.utcoffset() for t in waited}
    crosses_a_change = len({t.utcoffset() for t in local}) > 1
    assert len(openings) >= 2 if crosses_a_change else len(openings) == 1
