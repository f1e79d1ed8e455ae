"""The figures: pinned numbers on small cases built by hand, and on a small simulation."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from cadence.lead import parse_lead
from cadence.simulate import SILENT, Behaviour, LeadRun, RepDay, RepLoad, SimulationRun, TouchRecord, simulate, summarize
from cadence.simulate.metrics import ChannelCounts, Spread, spread
from tests.engine.plans import OFFICE, email, end, make_plan

NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2027, 3, 1, 9, 0, tzinfo=NEW_YORK)  # a Monday
UTC = timezone.utc


def at(day: int, hour: int = 15) -> datetime:
    """March ``day`` 2027 at ``hour`` UTC (10:00 or 11:00 in New York)."""
    return datetime(2027, 3, day, hour, 0, tzinfo=UTC)


def lead(lead_id: str, touches: list[tuple[datetime, str]], *, outcome: str = "", reason: str = "",
         handed_off: datetime | None = None, at_handoff: int | None = None, stage: str = "nurture",
         sender: str = "") -> LeadRun:
    records = tuple(TouchRecord(t, channel, f"{channel}-step", "sent", sender if channel == "email" else "")
                    for t, channel in touches)
    return LeadRun(lead_id, "America/New_York", "dana", START, records, len(records), outcome, reason,  # type: ignore[arg-type]
                   at(28) if outcome else None, stage, "test", handed_off, at_handoff,
                   waiting_for_sales=stage == "handed_off")


def run_of(leads: list[LeadRun], reps: tuple[RepLoad, ...] = ()) -> SimulationRun:
    return SimulationRun("test", "0" * 64, START, START + timedelta(days=14), "America/New_York", 1, Behaviour(),
                         tuple(leads), reps)


def test_median_and_90th_percentile_by_nearest_rank():
    assert spread([]) == Spread(0, None, None)
    assert spread([4]) == Spread(1, 4.0, 4.0)
    assert spread(range(1, 11)) == Spread(10, 5.5, 9.0)
    assert spread(range(1, 12)) == Spread(11, 6.0, 10.0)
    assert spread([30, 10, 20]) == Spread(3, 20.0, 30.0)


def test_outcomes_handoffs_and_leads_given_up_early():
    leads = [
        lead("A", [(at(1), "email")] * 8, outcome="handoff", reason="accepted", handed_off=START + timedelta(days=10),
             at_handoff=8),
        lead("B", [(at(1), "call")] * 12, outcome="handoff", reason="gate", handed_off=START + timedelta(days=4, hours=12),
             at_handoff=12),
        lead("C", [(at(2), "email")] * 3, outcome="disqualified", reason="no_response"),
        lead("D", [(at(2), "email")] * 7, outcome="disqualified", reason="no_response"),
        lead("E", [], outcome="disqualified", reason="bad_data"),
        lead("F", [(at(3), "letter")], stage="handed_off"),
        lead("G", [(at(3), "voicemail")], stage="track:stale-monthly"),
    ]
    summary = summarize(run_of(leads))
    assert summary.outcomes == (("handoff", 2), ("disqualified: no_response", 2), ("disqualified: bad_data", 1),
                                ("waiting for sales at the horizon", 1), ("in nurture at the horizon", 1))
    assert summary.handoffs == 2
    assert summary.touches_to_handoff == Spread(2, 10.0, 12.0)
    assert summary.days_to_handoff == Spread(2, 7.25, 10.0)
    assert (summary.given_up_early, summary.given_up_early_share) == (1, 1 / 7)  # C: 3 touches; D reached 7


def test_touches_per_day_and_week_in_the_runs_zone():
    late_sunday = datetime(2027, 3, 8, 3, 30, tzinfo=UTC)  # Sun 7 Mar 22:30 in New York
    leads = [lead("A", [(at(1), "email"), (at(1), "call"), (late_sunday, "letter"), (at(8), "voicemail")]),
             lead("B", [(at(1), "email"), (at(9), "email")])]
    summary = summarize(run_of(leads))
    assert [c.day for c in summary.per_day] == [date(2027, 3, d) for d in range(1, 16)]  # 14 days from 09:00
    assert summary.per_day[0] == ChannelCounts(date(2027, 3, 1), email=2, call=1)
    assert summary.per_day[6] == ChannelCounts(date(2027, 3, 7), letter=1)
    assert [c.total for c in summary.per_day] == [3, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert summary.per_week == (ChannelCounts(date(2027, 3, 1), email=2, call=1, letter=1),
                                ChannelCounts(date(2027, 3, 8), email=1, voicemail=1),
                                ChannelCounts(date(2027, 3, 15)))
    assert summary.touches == ChannelCounts(date(2027, 3, 1), email=3, call=1, voicemail=1, letter=1)


def test_emails_per_sender_and_rep_peaks():
    leads = [lead("A", [(at(1), "email"), (at(2), "email"), (at(2), "email")], sender="Dana <dana@seller.example>"),
             lead("B", [(at(1), "email")])]
    reps = (RepLoad("dana", 2, (RepDay(date(2027, 3, 1), 3, 2, 0), RepDay(date(2027, 3, 2), 3, 2, 1),
                                RepDay(date(2027, 3, 3), 1, 1, 0))),
            RepLoad("queue:idle", 5, ()))
    summary = summarize(run_of(leads, reps))
    assert [(s.sender, s.total, s.peak_day, s.peak) for s in summary.senders] == [
        ("(default sender)", 1, date(2027, 3, 1), 1), ("Dana <dana@seller.example>", 3, date(2027, 3, 2), 2)]
    dana, idle = summary.reps
    assert (dana.peak_day, dana.peak, dana.days_over_capacity, dana.done, dana.missed) == (date(2027, 3, 1), 3, 2, 5, 1)
    assert (idle.peak_day, idle.peak, idle.done) == (None, 0, 0)


def test_a_small_simulation_pinned():
    # Three emails two days apart, then the cadence gives up: every lead is given up after 3 touches.
    plan = make_plan([email("one", wait=2), email("two", wait=2), email("three", wait=2), end("give-up")],
                     schedule=OFFICE)
    leads = [parse_lead({"id": "A", "email": "a@buyer.example", "timezone": "America/New_York"}),
             parse_lead({"id": "B", "email": "b@buyer.example", "timezone": "America/Los_Angeles"}),
             parse_lead({"id": "C", "timezone": "America/Chicago"})]  # no email: every step skipped
    run = simulate(plan, leads, start=datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK), days=14, behaviour=SILENT)
    summary = summarize(run)
    assert summary.outcomes == (("handoff", 0), ("disqualified: no_response", 3), ("in nurture at the horizon", 0))
    assert (summary.given_up_early, summary.given_up_early_share) == (3, 1.0)
    days = {c.day.isoformat(): c.email for c in summary.per_day if c.total}
    assert days == {"2026-11-02": 2, "2026-11-04": 2, "2026-11-06": 2}  # B waits for 09:00 in Los Angeles, same day
    # B's own second of the window's first hour (09:05:58), kept by the two-day waits.
    assert [(t.at.isoformat(), t.step) for t in run.lead("B").touches] == [
        ("2026-11-02T17:05:58+00:00", "one"), ("2026-11-04T17:05:58+00:00", "two"), ("2026-11-06T17:05:58+00:00", "three")]
    assert run.lead("C").touch_count == 0 and run.lead("C").outcome == "disqualified"
    assert summary.senders[0].sender == "(default sender)" and summary.senders[0].total == 6
    silent_buyers = dataclasses.replace(SILENT)
    assert summarize(simulate(plan, leads, start=datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK), days=14,
                              behaviour=silent_buyers)) == summary
