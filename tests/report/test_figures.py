"""figures.compute against synthetic leads whose outcomes the test controls: exact numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cadence.report.figures import DEFAULT_COSTS, Stat, compute, parse_costs
from tests.report.synthetic import T0, UNTIL, day, known_set, lead, many


@pytest.fixture(scope="module")
def report():
    return compute(known_set(), T0, UNTIL)


def test_flow_counts_of_the_period(report):
    a, m, s = report.groups["all"], report.groups["marketing"], report.groups["sales"]
    assert list(report.groups) == ["all", "marketing", "sales"]
    # S3 ended before the period, M6 was enrolled after it: neither counts
    assert (a.leads, m.leads, s.leads) == (11, 6, 5)
    assert (a.enrolled, m.enrolled, s.enrolled) == (10, 5, 5)
    assert (a.entered_nurture, m.entered_nurture, s.entered_nurture) == (9, 4, 5)
    assert (a.handed_off, m.handed_off, s.handed_off) == (4, 1, 3)
    assert a.disqualified_by_reason == {"bad_data": 1, "no_response": 1, "not_a_fit": 1}
    assert (a.disqualified, s.disqualified) == (3, 0)
    assert a.discontinued_immediately == {"bad_data": 1}
    assert a.lost == {"terminated": 1} == s.lost and m.lost == {}


def test_leads_under_development_at_the_end_of_the_period(report):
    a, m, s = report.groups["all"], report.groups["marketing"], report.groups["sales"]
    assert a.in_development_by_stage == {"nurture": 2, "track:recycle": 1, "track:stale": 1}
    assert list(a.in_development_by_stage) == ["nurture", "track:recycle", "track:stale"]  # pipeline order
    assert (a.in_development, m.in_development, s.in_development) == (4, 2, 2)
    assert (a.awaiting_acceptance, s.awaiting_acceptance) == (1, 1)  # S2 waits for sales
    assert a.age_in_stage["nurture"] == Stat(2, 15.0, 15.0)  # M4 25 days, S5 5 days
    assert a.age_in_stage["track:stale"] == Stat(1, 31.0, 31.0)


def test_funnel_and_conversion_of_the_cohort(report):
    a, m = report.groups["all"], report.groups["marketing"]
    assert [(lv.key, lv.reached) for lv in a.funnel] == [
        ("enrolled", 10), ("nurture", 9), ("sales_ready", 4), ("handed_off", 4), ("accepted", 1)]
    assert [lv.rate for lv in a.funnel] == [None, 0.9, pytest.approx(4 / 9), 1.0, 0.25]
    assert [lv.reached for lv in m.funnel] == [5, 4, 1, 1, 0]


def test_stage_flow_shows_where_leads_go_and_leak(report):
    assert report.all.flow == {
        "prequalify": {"nurture": 9, "disqualified": 1},
        "nurture": {"sales_ready": 4, "disqualified": 2, "lost": 1},
        "sales_ready": {"handed_off": 4},
        "handed_off": {"accepted": 1, "track:recycle": 1},
    }


def test_time_in_stage_velocity_and_effort_to_qualify(report):
    a, m, s = report.groups["all"], report.groups["marketing"], report.groups["sales"]
    assert a.time_in_stage["nurture"] == Stat(6, pytest.approx(65 / 6), 10.0)
    assert m.time_in_stage["nurture"] == Stat(3, pytest.approx(31 / 3), 10.0)
    assert a.time_in_stage["prequalify"] == Stat(10, 0.0, 0.0)
    assert a.time_in_stage["handed_off"] == Stat(2, 2.0, 2.0)  # sales took two days to answer
    assert list(a.time_in_stage) == ["prequalify", "nurture", "sales_ready", "handed_off"]
    assert a.velocity == Stat(4, 11.0, 10.0)  # 10, 10, 14, 10 days
    assert s.velocity == Stat(3, pytest.approx(34 / 3), 10.0)
    assert a.touches_to_qualify == Stat(4, 5.0, 5.0)  # 7, 6, 3, 4
    assert a.days_to_qualify == Stat(4, 11.0, 10.0)


def test_cost_per_lead_nurtured_and_per_handoff(report):
    a, m, s = report.groups["all"], report.groups["marketing"], report.groups["sales"]
    # ended in the period: M1 60.25, M2 0, M3 22.80, M7 0.05, S1 120.10, S4 30
    assert a.cost.spend == pytest.approx(233.20)
    assert a.cost.by_channel == pytest.approx({"call": 210.0, "email": 0.70, "letter": 2.5, "voicemail": 20.0})
    assert (a.cost.ended, a.cost.nurtured) == (6, 5)
    assert a.cost.per_lead_nurtured == pytest.approx(46.64)
    assert a.cost.per_handoff == pytest.approx(58.30)
    assert a.cost.work_in_progress == pytest.approx(183.15)
    assert (m.cost.per_lead_nurtured, m.cost.per_handoff) == (pytest.approx(27.70), pytest.approx(83.10))
    assert (s.cost.per_lead_nurtured, s.cost.per_handoff) == (pytest.approx(75.05), pytest.approx(150.10 / 3))


def test_custom_costs_change_only_the_money(report):
    cheap = compute(known_set(), T0, UNTIL, parse_costs(["call=10", "email=0"]))
    assert cheap.costs == {**DEFAULT_COSTS, "call": 10.0, "email": 0.0}
    assert cheap.all.cost.spend == pytest.approx(70 + 20 + 2.5)  # 7 calls, 2 voicemails, 1 letter
    assert cheap.all.handed_off == report.all.handed_off


def test_potential_revenue_and_opportunities_without_value(report):
    a, m, s = report.groups["all"], report.groups["marketing"], report.groups["sales"]
    assert (a.revenue.potential, m.revenue.potential, s.revenue.potential) == (400_000, 100_000, 300_000)
    assert a.revenue.average == pytest.approx(400_000 / 3)
    assert (a.revenue.without_value, s.revenue.without_value) == (1, 1)  # S2 has no deal size


def test_sales_acceptance_when_leads_show_it(report):
    assert report.acceptance_tracked
    a = report.all.acceptance
    assert (a.accepted, a.rejected, a.recycled, a.pending, a.untracked) == (1, 1, 0, 1, 1)
    assert a.rate == pytest.approx(1 / 3) and a.revenue == 250_000
    assert a.days_to_accept == pytest.approx(2.0)  # S1: handed off on day 14, accepted on day 16
    assert report.groups["marketing"].acceptance.rate is None  # only an untracked handoff


def test_acceptance_is_not_tracked_without_acceptance_stages():
    plain = [r for r in known_set() if r.lead_id not in ("S1", "S2", "S6")]
    report = compute(plain, T0, UNTIL)
    assert not report.acceptance_tracked
    assert report.all.acceptance is None
    assert [lv.key for lv in report.all.funnel] == ["enrolled", "nurture", "sales_ready", "handed_off"]


def test_a_lead_not_accepted_in_time_is_recycled():
    late = lead("R1", "sales", [("prequalify", 1), ("nurture", 1), ("sales_ready", 5), ("handed_off", 5),
                                ("track:recycle", 8, "nobody accepted the lead by the deadline")])
    acceptance = compute([late], T0, UNTIL).all.acceptance
    assert (acceptance.recycled, acceptance.rejected, acceptance.rate) == (1, 0, 0.0)


def test_a_past_period_sees_the_leads_as_they_were_then():
    report = compute(known_set(), day(0), day(12))
    a = report.all
    assert a.handed_off == 1  # only M1 by day 12
    assert a.in_development_by_stage == {"nurture": 6, "track:stale": 1}  # M3 M4 S1 S2 S4 S6; M5
    assert a.lost == {}  # S4 was terminated at day 12, the period's end is excluded


def test_the_period_must_not_be_empty():
    with pytest.raises(ValueError, match="the period is empty"):
        compute([], UNTIL, T0)


def test_bad_costs_are_refused():
    for bad in ("call", "call=", "call=-1", "=3", "call=abc"):
        with pytest.raises(ValueError, match="CHANNEL=AMOUNT"):
            parse_costs([bad])
    assert parse_costs(["Letter=$4"])["letter"] == 4.0


def test_ten_thousand_leads():
    """Linear work over many leads; the numbers follow from the five repeating shapes."""
    records = many(10_000)
    report = compute(records, T0, UNTIL)
    a, m, s = report.groups["all"], report.groups["marketing"], report.groups["sales"]
    assert (a.leads, a.enrolled, a.entered_nurture) == (10_000, 10_000, 8_000)
    assert a.handed_off == 2_000 and a.revenue.potential == 2_000 * 20_000
    assert a.disqualified_by_reason == {"bad_data": 2_000, "no_response": 2_000}
    assert a.discontinued_immediately == {"bad_data": 2_000}
    assert a.in_development_by_stage == {"nurture": 2_000, "track:stale": 2_000}
    assert (m.handed_off + s.handed_off, m.leads + s.leads) == (2_000, 10_000)
    assert a.velocity == Stat(2_000, 14.0, 14.0)
    assert a.touches_to_qualify == Stat(2_000, 8.0, 8.0)
    # ended: 2000 handoffs (6 emails + 2 calls = 60.30), 2000 no_response (8 emails + 1 voicemail = 10.40)
    assert a.cost.spend == pytest.approx(2_000 * 60.30 + 2_000 * 10.40)
    assert a.cost.per_handoff == pytest.approx(60.30 + 10.40)
    assert a.time_in_stage["nurture"] == Stat(6_000, 17.0, 17.0)  # 14, 17 and 20 days
    assert a.age_in_stage["track:stale"].mean == pytest.approx(5.0)
    assert not report.acceptance_tracked
    assert sum(f.leads for f in (m, s)) == a.leads
    assert (UNTIL - T0) == timedelta(days=30)
