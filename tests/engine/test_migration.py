"""Moving a lead between versions of its cadence: the pure rules the planner and the workflow share."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cadence import ir
from cadence.commands import OpenTask, Touch, Wait
from cadence.engine import Engine, LeadState, RejectedInput
from cadence.migration import forecast
from cadence.migration.positions import MoveRefused, check_mapping, plan_move
from cadence.migration.targets import root_of
from tests.engine.plans import call, days, email, end, make_plan

T0 = datetime(2027, 2, 2, 15, 0, tzinfo=timezone.utc)  # a Tuesday
LEAD = {"id": "L-1", "email": "robin@prospect.example", "company": "Prospect", "timezone": "America/New_York",
        "owner": "dana"}

V1 = make_plan([email("intro", wait=5), email("case-study", wait=7), email("roi", wait=5), call("follow-up", wait=2),
                ir.WaitStep(id="pause", duration=days(10)), email("last", wait=3), end("give-up")])
V2 = make_plan([email("intro", wait=5), email("value", wait=5), email("story", wait=4), call("follow-up", wait=2),
                ir.WaitStep(id="pause", duration=days(20)), email("last", wait=3), end("give-up")])


def advance_to(engine: Engine, step: str, now: datetime = T0) -> datetime:
    """Run the lead (every touch done, every task left open) until it rests at ``step``."""
    for _ in range(100):
        command = engine.next_command(now)
        if isinstance(command, Touch):
            engine.touch_done(command, now)
        elif isinstance(command, OpenTask):
            engine.task_opened(command, "brief", now)
        elif isinstance(command, Wait):
            if engine.plan.steps[engine.state.pc].id == step and engine.state.phase in ("waiting", "task_open"):
                return now
            assert command.until is not None
            now = command.until
    raise AssertionError(f"never rested at {step}")


def started() -> Engine:
    return Engine.start(V1, LEAD, T0, "lead-L-1")


def test_a_waiting_lead_keeps_its_step_and_its_deadline():
    engine = started()
    now = advance_to(engine, "intro")
    move = plan_move(engine.state, V1, V2, {}, now)
    assert (move.step, move.phase, move.wait_until, move.why_deadline) == ("intro", "waiting", engine.state.wait_until, "")


def test_a_renamed_step_needs_a_mapping_and_a_removed_one_is_refused_not_guessed():
    engine = started()
    now = advance_to(engine, "roi")
    with pytest.raises(MoveRefused) as refused:
        plan_move(engine.state, V1, V2, {}, now)
    assert str(refused.value) == (f"step 'roi' is not in version {V2.short_version}: map it to a step of the new "
                                  "version with --map roi=STEP")
    move = plan_move(engine.state, V1, V2, {"roi": "value"}, now)
    assert move.step == "value" and move.pc == 1 and move.wait_until == engine.state.wait_until


def test_a_wait_the_new_version_changes_is_counted_from_when_the_lead_began_waiting():
    engine = started()
    now = advance_to(engine, "pause")
    assert engine.state.wait_until == "2027-03-05T15:00:00Z"  # 10 days from 23 Feb 10:00 in New York
    move = plan_move(engine.state, V1, V2, {}, now)
    assert move.wait_until == "2027-03-15T14:00:00Z"  # 20 days, 10:00 local again after the DST change
    assert move.why_deadline == "the new step waits 20 days (was 10 days), counted from 2027-02-23T15:00:00Z"


@pytest.mark.parametrize("duration, end, began", [
    (ir.Duration(3, "business_days"), "2027-02-22T15:00:00Z", "2027-02-17T15:00:00Z"),  # Mon <- Fri, Thu <- Wed
    (ir.Duration(1, "business_days"), "2027-02-22T15:00:00Z", "2027-02-21T15:00:00Z"),  # the Sunday before: latest start
    (ir.Duration(2, "weeks"), "2027-03-15T14:00:00Z", "2027-03-01T15:00:00Z"),
    (ir.Duration(90, "minutes"), "2027-03-15T14:00:00Z", "2027-03-15T12:30:00Z"),
])
def test_subtract_duration_is_the_latest_start_add_duration_reaches_the_end_from(duration, end, began):
    from cadence import schedule, utc

    start = schedule.subtract_duration(V1.schedule, "America/New_York", utc.parse(end), duration)
    assert utc.iso(start) == began
    assert utc.iso(schedule.add_duration(V1.schedule, "America/New_York", start, duration)) == end


def test_an_open_task_stays_open_only_under_a_step_that_takes_call_outcomes():
    engine = started()
    now = advance_to(engine, "follow-up")
    assert engine.state.phase == "task_open"
    task = engine.state.open_task["task_id"]
    with pytest.raises(MoveRefused) as refused:
        plan_move(engine.state, V1, V2, {"follow-up": "story"}, now)
    assert str(refused.value) == (f"task {task} is open at 'follow-up' and email step 'story' takes no call outcome: "
                                  "map follow-up to a call or voicemail step")
    engine.migrate(V2, {}, "m-1", "ops", now)
    assert engine.state.open_task["task_id"] == task and engine.state.phase == "task_open"
    engine.log_outcome(task, "connected", "", {}, "dana", now)  # the rep's outcome lands on the moved lead


def test_a_lead_with_sales_or_between_steps_is_refused():
    engine = started()
    engine.state.phase = "acceptance"
    with pytest.raises(MoveRefused, match="handed off and waiting for sales to answer"):
        plan_move(engine.state, V1, V2, {}, T0)
    engine.state.phase = "touch"
    with pytest.raises(MoveRefused, match=r"the lead is between steps \(touch at intro\): try again in a moment"):
        plan_move(engine.state, V1, V2, {}, T0)


def test_a_mapping_to_a_step_the_new_version_lacks_is_refused_up_front():
    with pytest.raises(MoveRefused) as refused:
        check_mapping({"roi": "values"}, V2)
    assert str(refused.value) == f"--map roi=values: version {V2.short_version} of test-cadence has no step 'values'"


def test_migrate_records_the_move_once_and_is_idempotent():
    engine = started()
    now = advance_to(engine, "roi")
    text = engine.migrate(V2, {"roi": "value"}, "m-1", "ops", now)
    assert text == f"migrated from test-cadence {V1.short_version} to {V2.short_version} by ops, at roi -> value"
    st = engine.state
    assert (st.version, st.visits.get("value"), "roi" in st.visits) == (V2.sha256, 1, False)
    assert st.history[-1]["outcome"] == "migrated" and st.stages[-1]["migrations"] == [text]
    assert root_of(st) == ("test-cadence", V2.sha256)
    assert engine.migrate(V2, {"roi": "value"}, "m-1", "ops", now) == f"lead L-1 is already on version {V2.short_version}"
    assert len([h for h in st.history if h["outcome"] == "migrated"]) == 1
    assert LeadState.from_dict(st.to_dict()).migrations == st.migrations  # carried across continue-as-new


def test_a_lead_never_migrated_carries_no_migrations_key():
    assert "migrations" not in started().state.to_dict()


def test_check_migration_refuses_in_words_and_changes_nothing():
    engine = started()
    now = advance_to(engine, "case-study")
    before = engine.state.to_dict()
    with pytest.raises(RejectedInput, match="step 'case-study' is not in version"):
        engine.check_migration(V2, {}, "m-1", now)
    assert engine.state.to_dict() == before


def test_the_forecast_says_what_the_move_changes():
    engine = started()
    now = advance_to(engine, "intro")
    move = plan_move(engine.state, V1, V2, {"roi": "value", "case-study": "value"}, now)
    change = forecast.change_for(engine.state, V1, V2, move, {"roi": "value", "case-study": "value"}, "lead-L-1", now)
    assert change.next_before.what == "email case-study" and change.next_after.what == "email value"
    assert change.next_before.at == change.next_after.at == engine.state.wait_until
    assert change.gains == ("story",) and change.losses == ()


def test_a_lead_on_a_track_moves_to_the_same_track_of_the_new_root():
    monthly = make_plan([email("monthly-note", wait=30), end("done")], name="monthly")
    monthly2 = make_plan([email("monthly-note", wait=20), end("done")], name="monthly")
    root1 = make_plan([email("intro", wait=5), end("bye")], tracks=(monthly,))
    root2 = make_plan([email("intro", wait=5), end("bye")], tracks=(monthly2,))
    engine = Engine.start(root1, LEAD, T0, "lead-L-1")
    engine.switch_to(monthly, T0, "test")
    now = advance_to(engine, "monthly-note")
    assert root_of(engine.state) == ("test-cadence", root1.short_version)
    engine.migrate(root2, {}, "m-1", "ops", now)
    assert (engine.plan.name, engine.plan.sha256, engine.plan.tracks) == ("monthly", monthly2.sha256, root2.tracks)
    assert engine.state.wait_until == "2027-02-22T15:00:00Z"  # 20 days from the note, not 30
    assert root_of(engine.state) == ("test-cadence", root2.sha256)
