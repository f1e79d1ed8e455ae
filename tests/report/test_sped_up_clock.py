"""A report run after ``cadence dev --demo``: leads on a sped-up clock record events ahead of the wall clock.

Every instant is stated: ``NOW`` plays the wall clock's now; the demo leads were
enrolled minutes before it, and their cadence time ran weeks past it.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

import cadence.cli.report as report_cli
from cadence.cli.main import main
from cadence.report.figures import compute, default_until, latest_event
from cadence.report.render import (
    headline,
    period_note,
    render_html,
    render_terminal,
    report_to_dict,
)
from tests.report.synthetic import day, lead

NOW = day(20)
"""The wall clock's now: 2026-11-21 00:00 UTC."""
SINCE = NOW - timedelta(days=30)
ENROLLED = 20 - 10 / 1440
"""Ten minutes before ``NOW``: when the demo enrolled its leads (cadence time starts at the wall clock)."""


def demo_leads():
    """Three demo leads whose cadence time ran to day 75.5, 55.5 days past ``NOW``."""
    return [
        lead("D1", "marketing", [("prequalify", ENROLLED), ("nurture", ENROLLED), ("sales_ready", 40),
                                 ("handed_off", 40), ("accepted", 40.2)],
             touches={"email": 4, "call": 1}, outcome=("handoff", "accepted by dana", 40.2), deal=80_000),
        lead("D2", "sales", [("prequalify", ENROLLED), ("nurture", ENROLLED), ("disqualified", 70)],
             touches={"email": 9}, outcome=("disqualified", "no_response", 70)),
        lead("D3", "sales", [("prequalify", ENROLLED), ("nurture", ENROLLED), ("track:stale", 75.5)],
             touches={"email": 6, "voicemail": 1}),
    ]


def test_a_period_ending_at_the_wall_clock_counts_nothing_the_demo_did():
    stale = compute(demo_leads(), SINCE, NOW)
    assert (stale.all.enrolled, stale.all.handed_off, stale.all.disqualified) == (3, 0, 0)


def test_the_default_end_moves_past_the_wall_clock_to_the_latest_event():
    assert latest_event(demo_leads()) == datetime(2027, 1, 15, 12, 0, tzinfo=UTC)  # D3 entered track:stale
    assert default_until(demo_leads(), NOW) == datetime(2027, 1, 15, 12, 1, tzinfo=UTC)  # the next minute


def test_leads_behind_the_wall_clock_keep_it():
    later = day(80)
    assert default_until(demo_leads(), later) == later
    assert default_until([], NOW) == NOW and latest_event([]) is None
    # an event exactly at now would fall outside [since, now): the end moves past it
    assert default_until(demo_leads(), day(75.5)) == day(75.5) + timedelta(minutes=1)


def test_latest_event_reads_outcomes_and_close_times_too():
    ended = lead("E1", "sales", [("prequalify", 1), ("disqualified", 1)], outcome=("disqualified", "bad_data", 3),
                 closed=4)
    assert latest_event([ended]) == day(4)


@pytest.fixture(scope="module")
def extended():
    until = default_until(demo_leads(), NOW)
    return compute(demo_leads(), SINCE, until, extended_from=NOW)


def test_the_extended_period_counts_what_the_demo_did(extended):
    a = extended.all
    assert (a.enrolled, a.entered_nurture, a.handed_off, a.disqualified, a.in_development) == (3, 3, 1, 1, 1)
    assert a.in_development_by_stage == {"track:stale": 1}
    assert a.revenue.potential == 80_000
    assert a.acceptance is not None and a.acceptance.days_to_accept == pytest.approx(0.2)
    assert headline(extended) == ("3 new prospects entered nurture; 1 is under development; 1 fully nurtured "
                                  "opportunity went to sales in the 85.5 days to 15 Jan 2027 12:01 UTC, worth $80k "
                                  "in potential revenue.")


def test_the_report_says_the_period_runs_ahead_of_the_clock(extended):
    note = ("Leads recorded events after this computer's clock (2026-11-21 00:00 UTC), as leads on a sped-up clock "
            "do (--time-scale, cadence dev --demo): the period ends just after the latest, at 2027-01-15 12:01 UTC. "
            "Pass --until to end it elsewhere.")
    assert period_note(extended) == note
    console = Console(record=True, width=400)
    render_terminal(extended, console)
    text = console.export_text()
    assert note in text
    assert "Average time to accept" in text and "4.8 h" in text
    assert f"<p class=\"note\">{html.escape(note)}</p>" in render_html(extended)
    data = report_to_dict(extended)
    assert data["period"] == {"since": "2026-10-22T00:00:00Z", "until": "2027-01-15T12:01:00Z", "days": 85.5007,
                              "extended_from": "2026-11-21T00:00:00Z"}
    assert period_note(compute(demo_leads(), SINCE, NOW)) is None


@pytest.fixture
def offline(monkeypatch):
    """``cadence report`` with the wall clock at ``NOW`` and visibility answering the demo leads."""
    console = Console(record=True, width=400)
    monkeypatch.setattr(report_cli, "_now", lambda: NOW)
    monkeypatch.setattr(report_cli, "_run", lambda fetch: demo_leads())
    monkeypatch.setattr(report_cli, "_console", lambda: console)
    return console


def test_cadence_report_after_the_demo(offline, capsys):
    assert main(["report", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["period"]["until"] == "2027-01-15T12:01:00Z"
    assert data["period"]["extended_from"] == "2026-11-21T00:00:00Z"
    assert data["groups"]["all"]["handed_off"] == 1
    assert data["groups"]["all"]["acceptance"]["days_to_accept"] == 0.2
    assert main(["report"]) == 0
    assert offline.export_text().startswith("3 new prospects entered nurture; 1 is under development; 1 fully "
                                            "nurtured opportunity went to sales in the 85.5 days to 15 Jan 2027")


def test_an_explicit_end_is_kept(offline, capsys):
    assert main(["report", "--until", "2026-11-21", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["period"] == {"since": "2026-10-22T00:00:00Z", "until": "2026-11-21T00:00:00Z", "days": 30.0,
                              "extended_from": None}
    assert data["groups"]["all"]["handed_off"] == 0
