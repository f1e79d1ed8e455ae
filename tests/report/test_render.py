"""Rendering: JSON shape, terminal tables, a self-contained HTML page with its SVG charts."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from cadence.report.figures import compute
from cadence.report.render import (
    duration,
    headline,
    money,
    render_html,
    render_terminal,
    report_to_dict,
    sections,
)
from tests.report.synthetic import T0, UNTIL, known_set, lead


@pytest.fixture(scope="module")
def report():
    return compute(known_set(), T0, UNTIL, filters={"cadence": "enterprise-nurture"})


@pytest.fixture(scope="module")
def untracked():
    return compute([r for r in known_set() if r.lead_id not in ("S1", "S2", "S6")], T0, UNTIL)


class Page(HTMLParser):
    """Tags, their attributes and the visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def test_the_headline_reads_like_a_monthly_report(report):
    assert headline(report) == ("9 new prospects entered nurture; 4 are under development; 4 fully nurtured "
                                "opportunities went to sales in the 30 days to 01 Dec 2026, worth $400k in "
                                "potential revenue.")
    assert headline(report, "marketing").startswith("4 new prospects entered nurture; 2 are under development; "
                                                    "1 fully nurtured opportunity went to sales")
    assert [money(v) for v in (3_500_000, 12_345, 47.3, 950, None)] == ["$3.5M", "$12.3k", "$47.30", "$950", "-"]


def test_json_shape(report, untracked):
    data = json.loads(json.dumps(report_to_dict(report)))
    assert set(data) == {"headline", "period", "filters", "costs", "acceptance", "incomplete", "groups"}
    assert data["period"] == {"since": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z", "days": 30.0,
                              "extended_from": None}
    assert data["filters"] == {"cadence": "enterprise-nurture"}
    assert data["costs"] == {"call": 30.0, "voicemail": 10.0, "letter": 2.5, "email": 0.05}
    assert list(data["groups"]) == ["all", "marketing", "sales"]
    sales = data["groups"]["sales"]
    assert sales["handed_off"] == 3 and sales["revenue"]["potential"] == 300000
    assert sales["funnel"][1] == {"key": "nurture", "label": "Entered nurture", "reached": 5, "rate": 1.0}
    assert sales["time_in_stage"]["handed_off"] == {"n": 2, "mean": 2.0, "median": 2.0}
    assert sales["cost"]["per_handoff"] == 50.0333
    assert data["acceptance"] == "tracked" and sales["acceptance"]["accepted"] == 1
    assert set(sales["acceptance"]) == {"accepted", "rejected", "recycled", "pending", "untracked", "rate", "revenue",
                                        "days_to_accept"}  # as docs/report.md lists them
    assert sales["acceptance"]["days_to_accept"] == 2.0  # S1: handed off on day 14, accepted on day 16
    plain = report_to_dict(untracked)
    assert plain["acceptance"] == "not tracked yet" and plain["groups"]["all"]["acceptance"] is None


def test_durations_read_in_minutes_hours_or_days():
    minutes, hours = 1 / 1440, 1 / 24
    assert [duration(v) for v in (None, 0.0, 10 * minutes, 59.4 * minutes, 59.6 * minutes, 5.2 * hours,
                                  23.94 * hours, 23.96 * hours, 1.0, 2.0, 45.25)] == [
        "-", "0 min", "10 min", "59 min", "1.0 h", "5.2 h", "23.9 h", "1.0 d", "1.0 d", "2.0 d", "45.2 d"]


def test_time_to_accept_below_a_day_is_in_hours(report):
    def time_to_accept(r):
        return next(values for title, rows in sections(r) for label, values in rows
                    if label == "Average time to accept")

    assert time_to_accept(report) == ["2.0 d", "-", "2.0 d"]  # S1: two days
    quick = lead("Q1", "sales", [("prequalify", 1), ("nurture", 1), ("sales_ready", 5), ("handed_off", 5),
                                 ("accepted", 5 + 5.2 / 24)], outcome=("handoff", "accepted by dana", 5 + 5.2 / 24))
    assert time_to_accept(compute([quick], T0, UNTIL)) == ["5.2 h", "-", "5.2 h"]


def test_terminal_tables(report, untracked):
    console = Console(record=True, width=200)
    render_terminal(report, console)
    text = console.export_text()
    assert text.startswith(headline(report))
    for title in ("Pipeline", "Under development, by stage", "Exits: disqualified by reason", "Funnel",
                  "Days in stage", "Qualification", "Cost and revenue", "Stage flow"):
        assert title in text
    assert "Marketing-generated" in text and "Sales-generated" in text
    assert "Cost per handoff" in text and "$58.30" in text
    console = Console(record=True, width=200)
    render_terminal(untracked, console)
    assert "Sales acceptance: not tracked yet." in console.export_text()


def test_html_is_self_contained_with_three_charts(report, untracked):
    page = render_html(report)
    parsed = parse(page)
    tags = [t for t, _ in parsed.tags]
    charts = [attrs.get("class") for tag, attrs in parsed.tags if tag == "svg"]
    assert charts == ["chart funnel", "chart time-in-stage", "chart exits"]
    assert tags.count("rect") > 20 and "table" in tags
    assert not {"script", "link", "img", "iframe"} & set(tags)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    text = " ".join(parsed.text)
    assert headline(report) in text
    assert "Potential revenue" in text and "$400k" in text
    assert "Entered nurture: " in text and "disqualified: no_response" in text
    assert "1 lead ended without an outcome" in text
    assert "not tracked yet" in " ".join(parse(render_html(untracked)).text)


def test_html_escapes_what_comes_from_lead_data():
    hostile = lead("H1", "marketing", [("prequalify", 1), ("disqualified", 1)],
                   outcome=("disqualified", "<script>alert(1)</script>", 1))
    page = render_html(compute([hostile], T0, UNTIL, filters={"owner": "a&b<c>"}))
    assert "<script>" not in page and "&lt;script&gt;" in page and "a&amp;b&lt;c&gt;" in page
    assert not [t for t, _ in parse(page).tags if t == "script"]


def test_an_empty_report_renders(tmp_path: Path):
    empty = compute([], T0, UNTIL)
    assert headline(empty).startswith("0 new prospects entered nurture; 0 are under development; 0 fully")
    parse(render_html(empty))
    json.dumps(report_to_dict(empty))
    render_terminal(empty, Console(record=True, width=120))


def test_chromium_shows_the_headline_tables_and_charts(report, tmp_path: Path, browser):
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    try:
        page.goto(page_file.as_uri())
        assert page.locator("h1, h2").first.is_visible()
        assert headline(report)[:60] in page.inner_text("body")
        charts = page.locator("svg")
        assert charts.count() == 3
        for i in range(3):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 50  # drawn, not collapsed
        shot = page.screenshot(full_page=True)
    finally:
        page.close()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000  # a page with content, not a blank one
