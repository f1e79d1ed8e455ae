"""The simulator's loop: reproducible, shared reps, sales acceptance, and fast enough for a year of 1,000 leads."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cadence import ir
from cadence.dsl.compiler import compile_file
from cadence.lead import parse_lead
from cadence.schedule import parse_duration
from cadence.simulate import (
    SILENT,
    Behaviour,
    Delay,
    SalesModel,
    SimulationError,
    simulate,
    summarize,
    synthetic_leads,
)
from cadence.simulate.buyer import outcome_for
from cadence.simulate.render import summary_to_dict
from tests.engine.plans import make_plan
from tests.engine.test_engine import _acceptance_plan

ROOT = Path(__file__).resolve().parents[2]
ENTERPRISE = compile_file(ROOT / "cadences" / "enterprise-nurture.yaml")
NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2027, 3, 1, 9, 0, tzinfo=NEW_YORK)
LEAD = {"id": "L-1", "email": "pat@buyer.example", "company": "Buyer Inc", "owner": "dana", "source": "marketing"}


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    leads = synthetic_leads(60, 3)
    first = summary_to_dict(summarize(simulate(ENTERPRISE, leads, start=START, days=200, seed=3)))
    again = summary_to_dict(summarize(simulate(ENTERPRISE, leads, start=START, days=200, seed=3)))
    other = summary_to_dict(summarize(simulate(ENTERPRISE, leads, start=START, days=200, seed=4)))
    assert first == again
    assert first["outcomes"] != other["outcomes"] or first["touches"] != other["touches"]


def test_a_lead_behaves_the_same_whoever_else_is_simulated():
    leads = synthetic_leads(30, 5)
    alone = simulate(ENTERPRISE, leads[7:8], start=START, days=200, seed=5).leads[0]
    among = simulate(ENTERPRISE, leads, start=START, days=200, seed=5, behaviour=dataclasses.replace(
        Behaviour(), reps=dataclasses.replace(Behaviour().reps, capacity=10_000))).leads[7]
    assert (alone.outcome, alone.reason, alone.touches) == (among.outcome, among.reason, among.touches)


def sales(accept: float, reject: float = 0.0) -> Behaviour:
    return dataclasses.replace(SILENT, sales=SalesModel(accept=accept, reject=reject,
                                                        delay=Delay(parse_duration("3 hours"), parse_duration("3 hours"))))


def test_sales_accepts_after_its_delay():
    run = simulate(_acceptance_plan(), [parse_lead(LEAD)], start=START, days=30, behaviour=sales(1.0), trace=["L-1"])
    lead = run.leads[0]
    assert (lead.outcome, lead.reason) == ("handoff", "accepted by dana@seller.example")
    assert lead.ended_at - lead.handed_off_at == timedelta(hours=3)
    assert [(i.kind, i.at - START) for i in lead.inputs] == [("accept", timedelta(hours=3))]


def test_nobody_accepting_escalates_then_recycles_and_a_rejection_recycles_at_once():
    ignored = simulate(_acceptance_plan(), [parse_lead(LEAD)], start=START, days=60, behaviour=sales(0.0), trace=["L-1"])
    lead = ignored.leads[0]
    assert [h["by"] for h in lead.history if h["outcome"] == "not_accepted"] == ["dana@seller.example", "queue:managers"]
    assert (lead.outcome, lead.reason) == ("disqualified", "no_response")  # the recycle track ran out
    rejected = simulate(_acceptance_plan(), [parse_lead(LEAD)], start=START, days=60, behaviour=sales(0.0, 1.0),
                        trace=["L-1"]).leads[0]
    assert [h["outcome"] for h in rejected.history if h["kind"] == "operator"] == ["rejected"]
    assert not any(h["outcome"] == "not_accepted" for h in rejected.history)


def test_a_handoff_still_waiting_for_sales_at_the_horizon():
    run = simulate(_acceptance_plan(), [parse_lead(LEAD)], start=START, days=1, behaviour=sales(0.0))
    assert run.leads[0].waiting_for_sales
    assert dict(summarize(run).outcomes)["waiting for sales at the horizon"] == 1


def test_leads_can_enter_over_several_days():
    leads = synthetic_leads(40, 2)
    run = simulate(ENTERPRISE, leads, start=START, days=60, behaviour=SILENT, spread_days=10, seed=2)
    entered = sorted(lead.started_at for lead in run.leads)
    assert entered[0] >= START and entered[-1] < START + timedelta(days=10)
    assert len({t.date() for t in entered}) > 5


def test_the_run_states_its_clock_and_refuses_what_it_cannot_use():
    with pytest.raises(ValueError, match="timezone-aware"):
        simulate(ENTERPRISE, [], start=datetime(2027, 3, 1, 9, 0))
    with pytest.raises(ValueError, match="^lead L-1 appears twice$"):
        simulate(ENTERPRISE, [parse_lead(LEAD), parse_lead(LEAD)], start=START)
    with pytest.raises(ValueError, match="is not an IANA time zone"):
        simulate(ENTERPRISE, [], start=START, zone="Mars/Base")
    run = simulate(ENTERPRISE, [], start=START, days=7)
    assert (run.zone, run.end - run.start, run.leads) == ("America/New_York", timedelta(days=7), ())


def test_progress_is_told_day_by_day_up_to_the_end():
    seen: list[tuple[int, int]] = []
    simulate(ENTERPRISE, synthetic_leads(5, 1), start=START, days=30, on_progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (30, 30)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize(("intent", "channel", "outcomes", "expected"), [
    ("meeting", "call", ("connected", "meeting_booked"), "meeting_booked"),
    ("meeting", "voicemail", ("voicemail_left", "connected", "no_answer"), "connected"),
    ("not_interested", "call", ("connected", "not_interested"), "not_interested"),
    ("unreached", "call", ("connected", "voicemail_left", "no_answer"), "no_answer"),
    ("unreached", "voicemail", ("voicemail_left", "connected", "no_answer"), "voicemail_left"),
    ("unreached", "call", ("connected", "voicemail_left"), "voicemail_left"),
    ("connected", "call", ("reached", "left_message"), "reached"),
])
def test_what_a_rep_logs_for_what_happened(intent, channel, outcomes, expected):
    assert outcome_for(intent, channel, outcomes) == expected


def test_a_year_of_a_thousand_leads_takes_seconds():
    leads = synthetic_leads(1000, 11)
    began = time.perf_counter()
    run = simulate(ENTERPRISE, leads, start=START, days=365, seed=11)
    summary = summarize(run)
    elapsed = time.perf_counter() - began
    assert summary.leads == 1000 and sum(c.total for c in summary.per_day) > 10_000
    assert elapsed < 30, f"{elapsed:.1f} s"  # about 3 s on the 2-core CI machine


def test_a_cadence_that_never_waits_stops_the_run_naming_the_lead():
    spin = make_plan([ir.GateStep("spin", (ir.GateRule(None, ir.GotoAction("spin")),))])
    with pytest.raises(SimulationError, match="^lead L-1: more than 500 steps without a wait at step 'spin'$"):
        simulate(spin, [parse_lead(LEAD)], start=START)
