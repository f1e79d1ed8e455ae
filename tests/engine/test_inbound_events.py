"""Events from the outside world: exactly once per lead history, out-of-office replies (issue #15)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from cadence import ir, schedule
from cadence.engine import Engine, LeadState, RejectedInput, Touch, Wait
from tests.engine.plans import email, end, make_plan

T0 = datetime(2027, 2, 2, 15, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Chicago
LEAD = {"id": "L-1", "email": "pat@buyer.example", "timezone": "America/Chicago"}
OFFICE = ir.Schedule(timezone="lead", default_timezone="America/New_York",
                     business_hours=ir.BusinessHours(days=(0, 1, 2, 3, 4), start="09:00", end="17:00"),
                     holidays=schedule.holiday_dates("us"), holiday_sets=("us",))
PLAN = make_plan([email("one", wait=1), email("two", wait=1), email("three", wait=1), end("bye")], schedule=OFFICE)


def _sent_first(engine: Engine) -> None:
    cmd = engine.next_command(T0)
    assert isinstance(cmd, Touch) and cmd.step_id == "one"
    engine.touch_done(cmd, T0)


def test_a_redelivered_event_adds_nothing_also_after_continue_as_new():
    engine = Engine.start(make_plan([email("one", wait=30), end("bye")]), LEAD, T0)
    engine.on_event("reply", {"detail": "Let's talk", "event_id": "<abc@buyer.example>"}, T0, source="smtp")
    engine.on_event("reply", {"detail": "Let's talk", "event_id": "<abc@buyer.example>"}, T0, source="smtp")
    carried = Engine(engine.plan, LeadState.from_dict(engine.state.to_dict()), "wf")
    carried.on_event("reply", {"detail": "Let's talk", "event_id": "<abc@buyer.example>"}, T0, source="gateway-2")
    replies = [h for h in carried.state.history if h["outcome"] == "reply"]
    assert len(replies) == 1 and carried.state.engagement["replies"] == 1
    carried.on_event("reply", {"detail": "And another thing", "event_id": "<def@buyer.example>"}, T0)
    assert carried.state.engagement["replies"] == 2


def test_an_out_of_office_reply_naming_a_date_holds_touches_until_the_first_window_that_day():
    engine = Engine.start(PLAN, LEAD, T0)
    _sent_first(engine)
    engine.on_event("out_of_office", {"until": "2027-02-15", "detail": "Back on 15 February",
                                      "event_id": "<ooo@buyer.example>"}, T0, source="smtp")
    assert engine.state.engagement["replies"] == 0  # never counted as a reply
    wait = engine.next_command(T0)  # the one-day wait after the first email
    assert isinstance(wait, Wait) and wait.until == T0 + timedelta(days=1)
    held = engine.next_command(T0 + timedelta(days=1))
    # Mon 15 Feb is Presidents' Day: Tue 09:51:31 Chicago, lead L-1's own second of the window's first hour.
    back = datetime(2027, 2, 16, 15, 51, 31, tzinfo=timezone.utc)
    assert isinstance(held, Wait) and held.until == back
    assert held.summary == f"out of office: email two at {schedule.describe(back, 'America/Chicago')}"
    resumed = engine.next_command(back)
    assert isinstance(resumed, Touch) and resumed.step_id == "two"
    [entry] = [h for h in engine.state.history if h["outcome"] == "out_of_office"]
    assert entry["detail"] == "Back on 15 February (touches wait until 2027-02-16T15:51:31Z: back on 2027-02-15)"


def test_without_a_return_date_touches_wait_a_week_and_resume_in_business_hours():
    engine = Engine.start(PLAN, LEAD, T0)
    _sent_first(engine)
    engine.on_event("out_of_office", {"detail": "I am away"}, T0 + timedelta(hours=3))  # Tue 13:00 Chicago
    held = engine.next_command(T0 + timedelta(days=1))
    assert isinstance(held, Wait) and held.until == T0 + timedelta(days=7, hours=3)  # the next Tue 13:00
    late = Engine.start(PLAN, LEAD, T0)
    _sent_first(late)
    late.on_event("out_of_office", {}, T0 + timedelta(hours=8))  # Tue 17:00 Chicago: after hours
    held = late.next_command(T0 + timedelta(days=1))
    assert isinstance(held, Wait) and held.until == datetime(2027, 2, 10, 15, 51, 31, tzinfo=timezone.utc)  # Wed 09:51:31


def test_a_past_return_date_falls_back_to_the_pause_and_a_bad_one_is_refused():
    engine = Engine.start(PLAN, LEAD, T0)
    engine.on_event("out_of_office", {"until": "2027-01-05"}, T0)
    assert engine.state.away_until == "2027-02-09T15:00:00Z"
    with pytest.raises(RejectedInput, match=r"^out_of_office: until 'next week' is not a date \(YYYY-MM-DD\)$"):
        engine.on_event("out_of_office", {"until": "next week"}, T0)


def test_unknown_events_name_every_kind_a_lead_takes():
    engine = Engine.start(PLAN, LEAD, T0)
    with pytest.raises(RejectedInput) as refused:
        engine.on_event("ooo", {}, T0)
    assert str(refused.value) == ("unknown event 'ooo'; expected one of: reply, meeting_booked, callback_requested, "
                                  "unsubscribe, bounce, lead_updated, out_of_office, soft_bounce")



def test_a_cadence_sets_its_own_out_of_office_pause_in_business_days():
    plan = ir.seal(dataclasses.replace(PLAN, inbound=ir.InboundRules(out_of_office_pause=ir.Duration(3, "business_days"))))
    engine = Engine.start(plan, LEAD, T0)
    _sent_first(engine)
    engine.on_event("out_of_office", {"detail": "I am away"}, datetime(2027, 2, 12, 19, 0, tzinfo=timezone.utc))
    # Friday 13:00 in Chicago + 3 business days (Presidents' Day, Monday 15 February, is a holiday) = Thursday.
    assert engine.state.away_until == "2027-02-18T19:00:00Z"
    [entry] = [h for h in engine.state.history if h["outcome"] == "out_of_office"]
    assert entry["detail"] == "I am away (touches wait until 2027-02-18T19:00:00Z: no return date found: 3 business days)"


def test_soft_bounces_are_counted_and_the_cadences_number_of_them_is_a_bounce():
    handled = ir.seal(dataclasses.replace(PLAN, inbound=ir.InboundRules(soft_bounces=2), events=(
        ir.EventHandler("bounce", ir.DisqualifyAction("bad_data")),)))
    engine = Engine.start(handled, LEAD, T0)
    _sent_first(engine)
    engine.on_event("soft_bounce", {"detail": "4.2.2 mailbox full", "event_id": "<dsn-1@mx>"}, T0, source="smtp")
    engine.on_event("soft_bounce", {"detail": "4.2.2 mailbox full", "event_id": "<dsn-1@mx>"}, T0, source="smtp")
    assert engine.state.soft_bounces == 1 and engine.state.email_blocked is None  # a redelivery counts once
    assert engine.state.to_dict()["soft_bounces"] == 1
    engine.on_event("soft_bounce", {"detail": "4.2.2 mailbox full", "event_id": "<dsn-2@mx>"}, T0, source="smtp")
    outcomes = [h["outcome"] for h in engine.state.history if h["kind"] == "event"]
    assert outcomes == ["soft_bounce", "soft_bounce", "bounce"] and engine.state.email_blocked == "bounced"
    bounce = engine.state.history[-1]
    assert bounce["detail"] == "2 soft bounces, the last: 4.2.2 mailbox full"
    finish = engine.next_command(T0)
    assert finish.reason == "bad_data"  # the cadence's bounce handler ran
    assert "soft_bounces" not in Engine.start(PLAN, LEAD, T0).state.to_dict()  # unchanged for other leads


def test_contact_keys_are_taken_only_for_the_address_the_lead_has_now():
    engine = Engine.start(PLAN, LEAD, T0)
    engine.check_contact_keys(" Pat@Buyer.example ", ["k"])  # case and blanks do not matter
    with pytest.raises(RejectedInput, match=r"^lead L-1's address changed after its key was computed; "
                                            r"nothing was published$"):
        engine.check_contact_keys("pat@old.example", ["k"])
    with pytest.raises(RejectedInput, match=r"^no contact key given$"):
        engine.check_contact_keys("pat@buyer.example", [])
    bare = Engine.start(PLAN, {"id": "L-2", "phone": "+1 312 555 0100"}, T0)
    with pytest.raises(RejectedInput, match=r"^lead L-2 has no email address; it has no contact key$"):
        bare.check_contact_keys("", ["k"])
    engine.disqualify("no_response", "", "ops", T0)
    engine.finished(engine.next_command(T0), T0)  # the queued disqualification ends the lead
    with pytest.raises(RejectedInput, match=r"^lead L-1 has already ended$"):
        engine.check_contact_keys("pat@buyer.example", ["k"])


def test_a_wait_an_event_did_not_move_keeps_its_instant_and_one_that_moved_it_does_not():
    """What ``keeps_waiting`` answers is what ``next_command`` then decides (the workflow keeps its timer on it)."""
    plan = make_plan([email("one", wait=30), email("hot"), end("bye")],
                     events=(ir.EventHandler("meeting_booked", ir.GotoAction("hot")),))
    engine = Engine.start(plan, LEAD, T0)
    engine.touch_done(engine.next_command(T0), T0)
    wait = engine.next_command(T0)
    assert isinstance(wait, Wait) and wait.until == T0 + timedelta(days=30)
    later = T0 + timedelta(days=3)
    engine.on_event("reply", {"detail": "Let's talk"}, later)
    engine.update_lead({"owner": "sam"}, "ops", later)
    assert engine.keeps_waiting(wait.until, later)
    again = engine.next_command(later)
    assert isinstance(again, Wait) and again.until == wait.until
    assert not engine.keeps_waiting(wait.until, wait.until)  # due: the lead moves on
    assert not engine.keeps_waiting(wait.until + timedelta(seconds=1), later)  # another instant than its own
    engine.on_event("meeting_booked", {}, later)
    assert not engine.keeps_waiting(wait.until, later)
    moved = engine.next_command(later)
    assert isinstance(moved, Touch) and moved.step_id == "hot"


def test_a_paused_lead_does_not_keep_waiting_for_its_timer():
    engine = Engine.start(make_plan([email("one", wait=30), end("bye")]), LEAD, T0)
    engine.touch_done(engine.next_command(T0), T0)
    wait = engine.next_command(T0)
    engine.pause("ops", T0)
    assert not engine.keeps_waiting(wait.until, T0)
    assert engine.next_command(T0) == Wait(None, "paused by an operator")
