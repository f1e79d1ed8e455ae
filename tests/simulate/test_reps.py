"""Reps: a daily capacity per assignee; a task that finds its rep full waits, and is missed when due."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from cadence import ir
from cadence.lead import parse_lead
from cadence.simulate import SILENT, RepDay, RepLoad, RepModel, simulate
from cadence.simulate.reps import RepDesk
from tests.engine.plans import OFFICE, call, end, make_plan

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK)
"""Monday 09:00 in New York (OFFICE: mon-fri 09:00-17:00, Thanksgiving a holiday)."""


def test_the_desk_counts_each_day_against_capacity():
    desk = RepDesk(RepModel(capacity=2, capacities=(("queue:sdr", 1),)), "America/New_York")
    monday_noon = datetime(2026, 11, 2, 17, 0, tzinfo=timezone.utc)
    assert [desk.take("dana", monday_noon) for _ in range(3)] == [True, True, False]
    assert [desk.take("queue:sdr", monday_noon) for _ in range(2)] == [True, False]
    late_monday = datetime(2026, 11, 3, 4, 30, tzinfo=timezone.utc)  # 23:30 in New York: still Monday
    assert desk.take("dana", late_monday) is False
    assert desk.next_day(late_monday) == datetime(2026, 11, 3, 5, 0, tzinfo=timezone.utc)
    assert desk.take("dana", desk.next_day(late_monday)) is True
    desk.missed("dana", datetime(2026, 11, 4, 14, 0, tzinfo=timezone.utc))
    assert desk.loads() == (
        RepLoad("dana", 2, (RepDay(date(2026, 11, 2), 4, 2, 0), RepDay(date(2026, 11, 3), 1, 1, 0),
                            RepDay(date(2026, 11, 4), 0, 0, 1))),
        RepLoad("queue:sdr", 1, (RepDay(date(2026, 11, 2), 2, 1, 0),)),
    )


def test_a_full_rep_carries_tasks_to_the_next_day_and_misses_those_that_come_due():
    # One call, due in 2 business days; three leads of one owner who logs one task a day.
    plan = make_plan([call("intro", due=2), end("done")], schedule=OFFICE)
    plan = ir.seal(dataclasses.replace(plan, steps=(
        dataclasses.replace(plan.steps[0], due=ir.Duration(2, "business_days")), *plan.steps[1:])))
    leads = [parse_lead({"id": f"L-{i}", "phone": "+1 212 555 0100", "owner": "dana", "timezone": "America/New_York"})
             for i in (1, 2, 3)]
    behaviour = dataclasses.replace(SILENT, reps=RepModel(capacity=1))
    run = simulate(plan, leads, start=MONDAY, days=10, behaviour=behaviour, trace=["L-3"])
    logged = {lead.lead_id: [(t.at.astimezone(NEW_YORK).strftime("%a %H:%M"), t.outcome) for t in lead.touches]
              for lead in run.leads}
    assert logged == {"L-1": [("Mon 10:00", "no_answer")], "L-2": [("Tue 09:00", "no_answer")], "L-3": []}
    assert run.reps == (RepLoad("dana", 1, (
        RepDay(date(2026, 11, 2), demand=3, done=1, missed=0),
        RepDay(date(2026, 11, 3), demand=2, done=1, missed=0),
        RepDay(date(2026, 11, 4), demand=0, done=0, missed=1),
    )),)
    missed = [h for h in run.lead("L-3").history if h["outcome"] == "missed"]
    assert [(h["step"], h["by"], h["at"]) for h in missed] == [("intro", "dana", "2026-11-04T14:00:00Z")]
    reps = [(e.what, e.detail) for e in run.lead("L-3").trace if e.kind == "rep"]
    assert reps == [
        ("dana has no capacity left today (1 task a day)",
         "call task intro: the rep tries again at Tue 3 Nov 09:00 America/New_York"),
        ("dana has no capacity left today (1 task a day)",
         "call task intro: the rep cannot get to it before it is due at Wed 4 Nov 09:00 America/New_York"),
    ]


def test_a_rep_with_no_capacity_misses_every_task_and_a_lead_without_owner_goes_to_the_unassigned_queue():
    plan = make_plan([call("intro"), end("done")], schedule=OFFICE)
    lead = parse_lead({"id": "L-1", "phone": "+1 212 555 0100"})
    run = simulate(plan, [lead], start=MONDAY, days=10, behaviour=dataclasses.replace(SILENT, reps=RepModel(capacity=0)))
    assert run.leads[0].touches == ()
    assert [(r.assignee, sum(d.demand for d in r.days), sum(d.missed for d in r.days)) for r in run.reps] == [
        ("queue:unassigned", 2, 1)]
