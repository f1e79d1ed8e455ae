"""Every shipped cadence, end to end on the time-skipping server: months of nurture in seconds."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cadence import client as api
from cadence import schedule
from cadence.dsl.compiler import compile_file
from cadence.lead import parse_lead
from cadence.messages import QUERY_STATE

# Business hours, holidays and the lead's zone decide every date here: each test runs from every
# start instant of tests/workflow/conftest.py CALENDAR.
pytestmark = pytest.mark.calendar

ROOT = Path(__file__).resolve().parents[2]
PLANS = {name: compile_file(ROOT / "cadences" / f"{name}.yaml")
         for name in ("inbound-fast-follow", "enterprise-nurture", "stale-monthly", "benchmark-seven-touch")}


def record(**overrides: Any) -> dict[str, Any]:
    base = {
        "id": f"L-{uuid.uuid4().hex[:10]}", "first_name": "Robin", "last_name": "Reyes", "email": "robin@prospect.example",
        "phone": "+1 312 555 0199", "company": "Prospect Logistics", "title": "VP Operations",
        "owner": "dana@seller.example", "timezone": "America/Chicago", "address_line1": "200 W Adams St",
        "city": "Chicago", "region": "IL", "postal_code": "60606", "country": "US", "industry": "logistics",
    }
    return {**base, **overrides}


async def enroll(rig: Any, cadence: str, **overrides: Any) -> tuple[Any, Any]:
    lead = parse_lead(record(**overrides))
    started = await rig.enroll(PLANS[cadence], lead)
    assert started.status == "enrolled"
    return lead, started.handle


def touches(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(h["channel"], h["step"]) for h in result["history"] if h["kind"] == "touch" and h["outcome"] not in ("skipped", "bounced")]


def touched_after_waiting(plan: Any, workflow_id: str, since: datetime) -> datetime:
    """When a lead in Chicago next in line for a touch at ``since`` gets it: at once inside the send window,
    else at its own second of the next window's first hour."""
    opening = schedule.next_window_start(plan.schedule, "America/Chicago", since)
    return schedule.spread_opening(plan.schedule, "America/Chicago", opening, workflow_id) if opening > since else since


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def recorded(rig: Any, handle: Any, outcome: str) -> dict[str, Any]:
    """The history entry of an event once the workflow has taken it in."""
    for _ in range(50):
        state = await handle.query(QUERY_STATE, result_type=dict)
        if found := next((h for h in state["history"] if h["outcome"] == outcome), None):
            return found
        await rig.sleep(timedelta(seconds=1))
    raise AssertionError(f"the lead never recorded {outcome!r}")


async def play_rep(rig: Any, handle: Any, answers: dict[str, tuple[str, dict[str, str]]], step: timedelta = timedelta(hours=6)) -> None:
    """Act as the rep: complete each open task whose step has an answer (and accept the handoff when
    ``answers`` has ``accept``), skipping time in small steps."""
    for _ in range(2000):
        state = await handle.query(QUERY_STATE, result_type=dict)
        if state["status"] == "ended":
            return
        if state["phase"] == "acceptance" and "accept" in answers:
            answers.pop("accept")
            await api.accept(rig.client, state["lead_id"], note="taking it", by="dana")
            continue
        task = state["open_task"]
        if task and task["step"] in answers:
            outcome, learned = answers.pop(task["step"])
            await api.log_outcome(rig.client, task["task_id"], outcome, notes=f"{outcome} on {task['step']}",
                                  learned=learned, by="dana")
            continue
        await rig.sleep(step)
    raise AssertionError("the lead never ended")


# ---------------------------------------------------------------- a lead that never answers


async def test_enterprise_nurture_never_answered_gets_seven_touches_on_four_media_then_goes_long_term(rig):
    _lead, handle = await enroll(rig, "enterprise-nurture")
    result = await handle.result()
    assert (result["outcome"], result["reason"]) == ("disqualified", "no_response")
    done = touches(result)
    phase_one = done[:6]
    assert phase_one == [("email", "intro-email"), ("voicemail", "intro-voicemail"), ("email", "case-study"),
                         ("letter", "personal-letter"), ("email", "roi-email"), ("email", "webinar-invite")]
    moved = next(h for h in result["history"] if h["kind"] == "stage" and "stale-monthly" in h["detail"])
    before = [h for h in result["history"] if h["kind"] == "touch" and h["at"] < moved["at"]]
    assert {h["channel"] for h in before} == {"email", "voicemail", "letter"}
    assert len(before) >= 7
    missed = [h["step"] for h in result["history"] if h["outcome"] == "missed"]
    assert missed[:3] == ["research-call", "follow-up-call", "executive-call"]
    assert (at(moved["at"]) - at(result["history"][0]["at"])).days >= 180  # six months before the long-term track
    assert len(rig.mailbox.to("robin@prospect.example")) == sum(1 for c, _ in done if c == "email")


async def test_inbound_fast_follow_never_answered_tries_for_three_weeks_then_goes_long_term(rig):
    _lead, handle = await enroll(rig, "inbound-fast-follow")
    result = await handle.result()
    assert result["reason"] == "no_response"
    first_task = next(h for h in result["history"] if h["kind"] == "task" and h["outcome"] == "opened")
    enrolled = at(result["history"][0]["at"])
    opened = at(first_task["at"])
    assert first_task["step"] == "first-call"
    expected = touched_after_waiting(PLANS["inbound-fast-follow"], handle.id, enrolled)
    assert abs(opened - expected) < timedelta(seconds=5)  # within hours of enrolling, in the first business hour
    moved = next(h for h in result["history"] if h["kind"] == "stage" and "stale-monthly" in h["detail"])
    assert 14 <= (at(moved["at"]) - enrolled).days <= 24
    monthly = [s for c, s in touches(result) if s == "monthly-insight"]
    assert len(monthly) == 12


async def test_stale_monthly_runs_a_year_of_monthly_emails_and_quarterly_letters(rig):
    _lead, handle = await enroll(rig, "stale-monthly")
    result = await handle.result()
    assert result["reason"] == "no_response"
    done = touches(result)
    assert done.count(("email", "monthly-insight")) == 12
    assert done.count(("letter", "quarterly-letter")) == 4
    sends = [at(h["at"]) for h in result["history"] if h["step"] == "monthly-insight" and h["kind"] == "touch"]
    assert 330 <= (sends[-1] - sends[0]).days <= 380


# ---------------------------------------------------------------- engagement


async def test_a_reply_in_week_three_brings_a_call_within_the_send_window(rig):
    lead, handle = await enroll(rig, "enterprise-nurture")
    await rig.sleep(timedelta(days=17))
    await api.send_event(rig.client, lead.id, "reply", {"detail": "Can we talk?"}, source="inbox")
    reply = await recorded(rig, handle, "reply")
    expected = touched_after_waiting(PLANS["enterprise-nurture"], handle.id, at(reply["at"]))
    # The call opens in the next business hour after the reply (a weekend or holiday away at most),
    # not at the next scheduled step: skip to just past that instant, then look.
    await rig.sleep(expected - at(reply["at"]) + timedelta(minutes=1))
    state = await handle.query(QUERY_STATE, result_type=dict)
    assert state["open_task"] is not None and state["open_task"]["step"] == "follow-up-call", state["next_action"]
    opened = next(h for h in state["history"] if h["kind"] == "task" and h["step"] == "follow-up-call")
    assert abs(at(opened["at"]) - expected) < timedelta(seconds=5)  # moved at once, not at the next scheduled step
    assert state["engagement"]["replies"] == 1
    await play_rep(rig, handle, {"follow-up-call": ("meeting_booked", {"urgency": "board meeting in May"}),
                                 "accept": ("", {})})
    result = await handle.result()
    assert result["outcome"] == "handoff" and result["to"] == "dana@seller.example"
    assert result["reason"] == "accepted by dana"  # sales accepted within the cadence's deadline


async def test_meeting_booked_event_hands_off_immediately_with_a_dossier(rig):
    lead, handle = await enroll(rig, "inbound-fast-follow")
    await rig.sleep(timedelta(days=2))
    await api.send_event(rig.client, lead.id, "meeting", {"detail": "booked via calendar link"}, source="calendar")
    result = await handle.result()
    assert result["outcome"] == "handoff"
    assert set(result["dossier"]["sections"]) >= {"history", "company", "qualification", "engagement"}


async def test_qualified_over_several_calls_and_handed_off_with_a_complete_dossier(rig):
    _lead, handle = await enroll(rig, "enterprise-nurture")
    await play_rep(rig, handle, {
        "research-call": ("connected", {"industry_code": "NAICS 4841", "firmographics": "1,200 staff, 6 depots",
                                        "environment": "Salesforce, HubSpot"}),
        "follow-up-call": ("connected", {"decision_makers": "COO Kim and CFO Ruiz", "budget": "$120k in FY27 plan",
                                         "decision_maker_engaged": "COO joined the call",
                                         "pain_validated": "a third of inbound leads never called back"}),
        "accept": ("", {}),
    })
    result = await handle.result()
    assert result["outcome"] == "handoff" and result["to"] == "dana@seller.example"
    assert len(touches(result)) == 7  # seven touches on four media before the handoff
    assert {c for c, _ in touches(result)} == {"call", "email", "voicemail", "letter"}
    dossier = result["dossier"]
    text = str(dossier)
    for fact in ("$120k in FY27 plan", "COO Kim and CFO Ruiz", "a third of inbound leads never called back", "Prospect Logistics"):
        assert fact in text
    assert any("dana@seller.example" in str(m["To"]) for m in rig.mailbox.messages())


# ---------------------------------------------------------------- opt-out, bounces, junk


@pytest.mark.parametrize("cadence", ["inbound-fast-follow", "enterprise-nurture", "stale-monthly"])
async def test_unsubscribe_stops_every_further_touch(rig, cadence):
    lead, handle = await enroll(rig, cadence)
    await rig.sleep(timedelta(days=6))
    await api.send_event(rig.client, lead.id, "unsubscribe", source="link")
    result = await handle.result()
    assert (result["outcome"], result["reason"]) == ("disqualified", "opted_out")
    history = result["history"]
    opted_out = next(i for i, h in enumerate(history) if h["outcome"] == "unsubscribe")
    after = history[opted_out + 1:]
    # Only a touch already in flight when the event arrived may still complete (same minute); nothing new starts.
    in_flight = [h for h in after if h["kind"] == "touch" and h["at"][:16] == history[opted_out]["at"][:16]]
    assert [h for h in after if h["kind"] in ("touch", "task") and h not in in_flight and h["outcome"] != "cancelled"] == []
    sent = sum(1 for h in history if h["kind"] == "touch" and h["channel"] == "email" and h["outcome"] == "sent")
    assert len(rig.mailbox.to("robin@prospect.example")) == sent  # (an email already in flight may finish)


async def test_a_bounced_email_stops_email_but_calls_and_letters_go_on(rig):
    rig.mailbox.refuse["gone@prospect.example"] = "550 5.1.1 mailbox unavailable"
    _lead, handle = await enroll(rig, "enterprise-nurture", email="gone@prospect.example")
    await play_rep(rig, handle, {}, step=timedelta(days=5))
    result = await handle.result()
    outcomes = [(h["step"], h["outcome"]) for h in result["history"] if h["kind"] in ("touch", "event")]
    assert outcomes[:2] == [("intro-email", "bounced"), ("", "bounce")]
    assert ("case-study", "skipped") in outcomes
    assert ("personal-letter", "written") in outcomes and ("intro-voicemail", "dropped") in outcomes
    assert rig.mailbox.to("gone@prospect.example") == []


async def test_stale_monthly_disqualifies_a_bounced_address(rig):
    rig.mailbox.refuse["gone@prospect.example"] = "550 5.1.1 mailbox unavailable"
    _lead, handle = await enroll(rig, "stale-monthly", email="gone@prospect.example")
    result = await handle.result()
    assert (result["outcome"], result["reason"]) == ("disqualified", "bad_data")


@pytest.mark.parametrize(
    ("overrides", "reason", "note"),
    [
        ({"company": "ACME"}, "bad_data", "Missing or placeholder company name"),
        ({"first_name": "John", "last_name": "Doe"}, "bad_data", "Placeholder person"),
        ({"email": "kim@state.edu"}, "student", "Student or academic address"),
        ({"email": "spy@rivalsoft.com"}, "competitor", "Works at a competitor"),
        ({"email": "x@mailinator.com"}, "bad_data", "Disposable email address"),
        ({"email": None, "phone": None}, "bad_data", "No usable phone or email"),
    ],
)
async def test_junk_is_culled_by_data_alone_before_any_touch(rig, overrides, reason, note):
    _lead, handle = await enroll(rig, "enterprise-nurture", **overrides)
    result = await handle.result()
    assert (result["outcome"], result["reason"]) == ("disqualified", reason)
    assert result["cause"] == f"pre-qualification: {note}"
    assert touches(result) == []


async def test_an_enterprise_handoff_nobody_accepts_is_escalated_then_recycled(rig):
    lead, handle = await enroll(rig, "enterprise-nurture")
    await rig.sleep(timedelta(days=3))
    await api.send_event(rig.client, lead.id, "meeting", {"detail": "booked a demo"}, source="calendar")
    result = await handle.result()
    not_accepted = [h["by"] for h in result["history"] if h["outcome"] == "not_accepted"]
    assert not_accepted == ["dana@seller.example", "queue:sales-managers"]
    assert any("stale-monthly" in h["detail"] for h in result["history"] if h["kind"] == "stage")
    assert result["reason"] == "no_response"  # the year on the long-term track ran out; the lead was never dropped
