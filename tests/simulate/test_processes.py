"""Leads simulated in several processes give, bit for bit, the run of one process."""

from __future__ import annotations

import dataclasses
import json

import pytest

from cadence import ir
from cadence.lead import parse_lead
from cadence.simulate import (
    Behaviour,
    RepModel,
    SimulationError,
    simulate,
    summarize,
    synthetic_leads,
)
from cadence.simulate.partition import assignees, groups, groups_for_cores
from cadence.simulate.render import lead_to_dict, summary_to_dict
from tests.engine.plans import call, days, end, make_plan
from tests.simulate.test_runner import ENTERPRISE, START

BUSY_REPS = dataclasses.replace(Behaviour(), reps=RepModel(capacity=4))
"""Reps with little capacity: leads of one rep compete for it every day."""


def as_json(run, traced: list[str]) -> str:
    """What ``cadence simulate --json`` prints for the run, and for each traced lead's calendar."""
    items = [summary_to_dict(summarize(run), run), *(lead_to_dict(run, run.lead(lead_id)) for lead_id in traced)]
    return json.dumps(items, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("behaviour", [Behaviour(), BUSY_REPS], ids=["default", "busy-reps"])
def test_two_processes_print_what_one_prints(behaviour):
    leads = synthetic_leads(240, 4, owner_count=5)
    traced = [leads[0].id, leads[101].id, leads[239].id]
    one = simulate(ENTERPRISE, leads, start=START, days=365, behaviour=behaviour, seed=4, trace=traced,
                   spread_days=30, processes=1)
    two = simulate(ENTERPRISE, leads, start=START, days=365, behaviour=behaviour, seed=4, trace=traced,
                   spread_days=30, processes=2)
    assert as_json(two, traced) == as_json(one, traced)
    assert two == one  # every record, touch and rep day, not only what the JSON shows


def test_leads_sharing_a_rep_stay_together_and_the_groups_are_even():
    leads = synthetic_leads(50, 1, owner_count=5) + [parse_lead({"id": "NO-OWNER", "email": "a@b.example", "company": "B"})]
    parts = groups(ENTERPRISE, leads, 2)
    owners = [{str(leads[i].fields.get("owner")) for i in part} for part in parts]
    assert not owners[0] & owners[1]
    assert sorted(len(part) for part in parts) == [21, 30]  # five owners of ten leads, one lead of the unassigned queue
    assert assignees(ENTERPRISE, leads[-1]) == {"queue:unassigned"}
    assert sorted(i for part in parts for i in part) == list(range(len(leads)))


def test_five_reps_on_two_cores_make_three_groups_and_a_rep_with_most_leads_keeps_two():
    five = synthetic_leads(50, 1, owner_count=5)
    parts = groups_for_cores(ENTERPRISE, five, 2)
    assert sorted(len(part) for part in parts) == [10, 20, 20]  # no core left with three reps' work while one idles
    assert sorted(i for part in parts for i in part) == list(range(50))
    four = synthetic_leads(40, 1, owner_count=4)
    assert sorted(len(part) for part in groups_for_cores(ENTERPRISE, four, 2)) == [20, 20]
    assert groups_for_cores(ENTERPRISE, five, 1) == [list(range(50))]
    lopsided = [parse_lead({"id": f"D-{i}", "email": "a@b.example", "company": "B", "owner": "dana@seller.example"})
                for i in range(40)] + synthetic_leads(10, 1, owner_count=5)
    # More groups cannot shorten a run that one rep's leads make long: the plain two stay.
    assert groups_for_cores(ENTERPRISE, lopsided, 2) == groups(ENTERPRISE, lopsided, 2)


def test_the_default_processes_print_what_one_prints(monkeypatch):
    from cadence.simulate import runner

    monkeypatch.setattr(runner, "default_processes", lambda leads: 2)  # two cores, whatever this machine has
    leads = synthetic_leads(100, 3, owner_count=5)
    traced = [leads[0].id, leads[99].id]
    one = simulate(ENTERPRISE, leads, start=START, days=200, behaviour=BUSY_REPS, seed=3, trace=traced, processes=1)
    default = simulate(ENTERPRISE, leads, start=START, days=200, behaviour=BUSY_REPS, seed=3, trace=traced)
    assert as_json(default, traced) == as_json(one, traced)
    assert default == one


def test_a_shared_queue_keeps_every_lead_in_one_process():
    queue_plan = make_plan([dataclasses.replace(call("ring"), assignee="queue:sdr"), end("stop")])
    leads = synthetic_leads(20, 2)
    assert groups(queue_plan, leads, 2) == [list(range(20))]


def test_an_error_is_the_one_a_single_process_meets_first():
    spin = make_plan([
        ir.GateStep("check", (ir.GateRule("lead.company == 'Spin'", ir.GotoAction("check")),
                              ir.GateRule(None, ir.GotoAction("pause")))),
        ir.WaitStep("pause", days(1)),
        end("stop"),
    ])
    leads = [parse_lead({"id": f"L-{i}", "email": "a@b.example", "company": "Spin" if i in (1, 2) else "B"})
             for i in range(4)]
    assert groups(spin, leads, 2) == [[0, 2], [1, 3]]  # L-2 in this process, L-1 in the other
    with pytest.raises(SimulationError, match="^lead L-1: more than 500 steps"):
        simulate(spin, leads, start=START, processes=2)


def test_at_least_one_process():
    with pytest.raises(ValueError, match="at least one process"):
        simulate(ENTERPRISE, [], start=START, processes=0)
