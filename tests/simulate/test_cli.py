"""``cadence simulate``: exit codes, one-line errors, the JSON shape, the HTML page; never the machine's clock."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cadence.cli import simulate as command
from tests.dsl.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
ENTERPRISE = str(ROOT / "cadences" / "enterprise-nurture.yaml")
INBOUND = str(ROOT / "cadences" / "inbound-fast-follow.yaml")
START = "2027-03-01T09:00"
"""Monday 09:00 in New York, the default --zone."""


@pytest.fixture(autouse=True)
def no_wall_clock(monkeypatch):
    """Tests state their start instant: reading the machine's clock fails them. Wide tables: no wrapped lines."""
    def refuse() -> datetime:
        raise AssertionError("cadence simulate read the machine's clock")

    monkeypatch.setattr(command, "_now", refuse)
    monkeypatch.setenv("COLUMNS", "250")


def simulate(capsys, *args: str) -> tuple[int, str, str]:
    return run_cli(capsys, "simulate", *args)


def test_figures_for_synthetic_leads(capsys):
    code, out, err = simulate(capsys, ENTERPRISE, "--synthetic", "20", "--start", START, "--days", "60", "--seed", "1")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("enterprise-nurture (")
    assert out.splitlines()[0].endswith("): 20 leads from Mon 1 Mar 2027 09:00 America/New_York for 60 days, seed 1")
    for title in ("Outcomes at the horizon", "Handoff and giving up", "Touches per channel", "Busiest days",
                  "Touches per week", "Call and voicemail tasks per rep per day, against capacity", "Emails per sender"):
        assert title in out


def test_json_shape(capsys):
    code, out, _err = simulate(capsys, ENTERPRISE, "--synthetic", "12", "--start", START, "--days", "30", "--json",
                               "--set", "email.reply=0", "--rep-capacity", "3")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"cadence", "version", "zone", "start", "end", "days", "seed", "leads", "outcomes", "handoff",
                         "given_up_early", "touches", "reps", "senders", "behaviour"}
    assert (data["cadence"], data["zone"], data["start"], data["days"], data["leads"]) == (
        "enterprise-nurture", "America/New_York", "2027-03-01T09:00:00-05:00", 30, 12)
    assert data["behaviour"]["email"]["reply"] == 0 and data["behaviour"]["reps"]["capacity"] == 3
    assert sum(data["outcomes"].values()) == 12
    assert set(data["handoff"]) == {"count", "touches", "days"} and set(data["handoff"]["touches"]) == {"count", "median", "p90"}
    assert data["given_up_early"]["below_touches"] == 7
    # 30 days from Mon 1 Mar 09:00 end on Wed 31 Mar 09:00: 31 dates.
    assert [d["date"] for d in data["touches"]["per_day"]][::30] == ["2027-03-01", "2027-03-31"]
    assert set(data["touches"]["per_day"][0]) == {"date", "email", "call", "voicemail", "letter", "total"}
    assert data["touches"]["per_week"][0]["week"] == "2027-03-01"
    rep = data["reps"][0]
    assert set(rep) == {"assignee", "capacity", "logged", "missed", "peak", "days_over_capacity", "per_day"}
    assert rep["capacity"] == 3 and rep["peak"]["date"] == "2027-03-01"
    assert set(rep["per_day"][0]) == {"date", "tasks", "logged", "missed"}
    assert all(d["logged"] <= 3 for r in data["reps"] for d in r["per_day"])
    assert {s["sender"] for s in data["senders"]} <= {"(default sender)", "Dana Whitfield <dana@example.com>"}


def test_processes_change_nothing_but_the_time(capsys):
    args = (ENTERPRISE, "--synthetic", "40", "--owners", "4", "--start", START, "--days", "90", "--seed", "5", "--json")
    one = simulate(capsys, *args, "--processes", "1")
    three = simulate(capsys, *args, "--processes", "3")
    assert one[0] == three[0] == 0 and one[1] == three[1]


def test_the_same_seed_prints_the_same_json(capsys):
    args = (ENTERPRISE, "--synthetic", "15", "--start", START, "--days", "45", "--seed", "9", "--json")
    assert simulate(capsys, *args)[1] == simulate(capsys, *args)[1]


def test_one_leads_calendar(capsys):
    code, out, _err = simulate(capsys, ENTERPRISE, "--synthetic", "5", "--start", START, "--days", "40",
                               "--lead", "S-00002", "--json")
    assert code == 0
    data = json.loads(out)
    lead = data["lead"]
    assert (lead["id"], lead["timezone"]) == ("S-00002", "America/Los_Angeles")
    first_wait = next(row for row in lead["calendar"] if row["kind"] == "wait")
    assert first_wait["local"] == "Mon 1 Mar 2027 06:00"  # 09:00 in New York
    assert first_wait["what"] == "waiting for the send window: call research-call at Mon 1 Mar 09:48 America/Los_Angeles"
    assert first_wait["why"] == ("Mon 1 Mar 06:00 is before the window opens at 09:00; the lead's turn comes at 09:48 "
                                 "(leads waiting for one opening are spread over its first hour)")
    assert first_wait["until"] == "2027-03-01T17:48:11Z"
    code, out, _err = simulate(capsys, ENTERPRISE, "--synthetic", "5", "--start", START, "--days", "40", "--lead", "S-00002")
    assert code == 0 and "waiting for the send window: call research-call" in out and "before the window opens" in out


def test_compare_two_cadences_on_the_same_leads(capsys, tmp_path):
    page = tmp_path / "sim.html"
    code, out, err = simulate(capsys, ENTERPRISE, "--synthetic", "10", "--start", START, "--days", "30",
                              "--compare", INBOUND, "--json", "--html", str(page))
    assert (code, err) == (0, "")
    runs = json.loads(out)["runs"]
    assert [r["cadence"] for r in runs] == ["enterprise-nurture", "inbound-fast-follow"]
    assert runs[0]["leads"] == runs[1]["leads"] == 10
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html.lower() and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert html.count("<svg") == 9  # outcomes, and per cadence: per day, per week, reps, senders
    code, out, _err = simulate(capsys, ENTERPRISE, "--synthetic", "10", "--start", START, "--days", "30",
                               "--compare", INBOUND)
    assert code == 0 and "enterprise-nurture: leads" in out and "inbound-fast-follow: leads" in out


def test_html_page_and_terminal(capsys, tmp_path):
    page = tmp_path / "sim.html"
    code, _out, err = simulate(capsys, ENTERPRISE, "--synthetic", "8", "--start", START, "--days", "20", "--html",
                               str(page), "--lead", "S-00001")
    assert (code, err) == (0, f"wrote {page}\n")
    html = page.read_text(encoding="utf-8")
    assert "lead S-00001 on enterprise-nurture" in html and 'class="calendar"' in html


def test_a_lead_file_with_bad_rows(capsys, tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("id,email,company,timezone,owner\n"
                     "L-1,pat@buyer.example,Buyer Inc,America/Chicago,dana\n"
                     ",no-id@buyer.example,Buyer Inc,America/Chicago,dana\n"
                     "L-1,again@buyer.example,Buyer Inc,America/Chicago,dana\n"
                     "L-2,kim@buyer.example,Other Co,Europe/Berlin,dana\n", encoding="utf-8")
    code, out, err = simulate(capsys, ENTERPRISE, str(leads), "--start", START, "--days", "10", "--json")
    assert code == 0 and json.loads(out)["leads"] == 2
    assert err == ""  # --json keeps standard error quiet
    code, _out, err = simulate(capsys, ENTERPRISE, str(leads), "--start", START, "--days", "10")
    assert code == 0
    assert err == (f"warning: skipped 2 invalid leads of {leads} (line 3: id: missing and 1 more); "
                   "enroll would reject them too\n")


def test_the_default_start_is_now_in_the_zone(capsys, monkeypatch):
    monkeypatch.setattr(command, "_now", lambda: datetime(2027, 6, 1, 13, 7, 42, tzinfo=timezone.utc))
    code, out, _err = simulate(capsys, ENTERPRISE, "--synthetic", "2", "--days", "5", "--json", "--zone", "Europe/Berlin")
    assert code == 0 and json.loads(out)["start"] == "2027-06-01T15:07:00+02:00"


@pytest.mark.parametrize(("args", "message"), [
    ([], "no leads: give a lead file (.csv, .jsonl, .json) or --synthetic N"),
    (["--synthetic", "3", "--days", "x"], "--days 'x': expected a whole number from 1 to 3,650"),
    (["--synthetic", "0"], "--synthetic '0': expected a whole number from 1 to 1,000,000"),
    (["--synthetic", "3", "--start", "yesterday"],
     "--start 'yesterday': expected a date or a date and time, like 2027-03-01T09:00"),
    (["--synthetic", "3", "--zone", "Mars/Base"], "--zone 'Mars/Base' is not an IANA time zone (like America/New_York)"),
    (["--synthetic", "3", "--seed", "-1"], "--seed '-1': expected a whole number from 0 to 9,223,372,036,854,775,807"),
    (["--synthetic", "3", "--rep-capacity", "many"], "--rep-capacity 'many': expected a whole number from 0 to 100,000"),
    (["--synthetic", "3", "--processes", "0"], "--processes '0': expected a whole number from 1 to 64"),
    (["--synthetic", "3", "--set", "call.connect=1.2"],
     "--set call.connect: 1.2 is not a probability; write a number from 0 to 1 (like 0.05) or a percentage (like '5%')"),
    (["--synthetic", "3", "--lead", "X-1"], "lead 'X-1' is not among the 3 leads simulated"),
    (["--synthetic", "3", "--behaviour", "missing.yaml"], "missing.yaml: file not found"),
    (["leads.txt"], "leads.txt: unknown lead file type '.txt'; use .csv, .jsonl or .json"),
    (["missing.csv"], "missing.csv: No such file or directory"),
    (["folder.csv"], "folder.csv: Is a directory"),
    (["leads.csv", "--synthetic", "3"], "give a lead file or --synthetic N, not both"),
    (["--synthetic", "3", "--compare", "missing.yaml"], "no cadence file missing.yaml"),
])
def test_bad_options_are_one_line_and_exit_1(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "leads.txt").write_text("id\nL-1\n", encoding="utf-8")
    (tmp_path / "folder.csv").mkdir()
    code, out, err = simulate(capsys, ENTERPRISE, "--start", START, *args)
    assert (code, out, err) == (1, "", f"error: {message}\n")


def test_bad_files_are_one_line_and_exit_1(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text("cadence: broken\nsteps:\n  - id: one\n    email: {tempalte: x.html.j2, subject: Hi}\n",
                                encoding="utf-8")
    Path("buyers.yaml").write_text("email:\n  reply: lots\n", encoding="utf-8")
    Path("leads.json").write_text('[{"email": "nobody"}]', encoding="utf-8")
    code, _out, err = simulate(capsys, "bad.yaml", "--synthetic", "2", "--start", START)
    assert code == 1 and len(err.splitlines()) == 1 and err.startswith("error: bad.yaml:")
    code, _out, err = simulate(capsys, ENTERPRISE, "--synthetic", "2", "--start", START, "--behaviour", "buyers.yaml")
    assert (code, err) == (1, "error: buyers.yaml:2:10: email.reply: 'lots' is not a probability; write a number from "
                              "0 to 1 (like 0.05) or a percentage (like '5%')\n")
    code, _out, err = simulate(capsys, ENTERPRISE, "leads.json", "--start", START)
    assert (code, err) == (1, "error: no valid lead in leads.json (1 rejected; line 1: id: missing; "
                              "email: 'nobody' is not a valid address)\n")
    code, _out, err = simulate(capsys, "missing.yaml", "--synthetic", "2", "--start", START)
    assert (code, err) == (1, "error: no cadence file missing.yaml\n")
    code, _out, err = simulate(capsys, ENTERPRISE, "--synthetic", "2", "--start", START, "--html", "no/such/dir/x.html")
    assert (code, err) == (1, "error: cannot write no/such/dir/x.html: No such file or directory\n")
