"""The page in Chromium: each email's subject, the frames' content, nothing fetched, no lead data run as script."""

from __future__ import annotations

import json
from pathlib import Path

from cadence.preview import preview_file
from tests.preview.conftest import preview

HOSTILE = "Zed </iframe><script>document.title='pwned'</script> & Co"
LEADS = [
    {"id": "L-1", "first_name": "Maria", "last_name": "Gonzalez", "company": "Northwind Logistics",
     "email": "maria@northwind.example", "phone": "+1 312 555 0142", "address_line1": "500 W Monroe St",
     "city": "Chicago", "postal_code": "60661", "timezone": "America/Chicago"},
    {"id": "L-2", "first_name": "<b>Zoe</b>", "company": HOSTILE, "email": "zoe@zed.example",
     "address_line1": "1 Main St", "city": "Springfield"},
]


def test_subjects_and_frames_as_the_browser_shows_them(work: Path, capsys, browser):
    (work / "leads.json").write_text(json.dumps(LEADS), encoding="utf-8")
    assert preview(capsys, "cadences/showcase.yaml", "--lead", "leads.json", "-o", "page.html")[0] == 0
    result = preview_file("cadences/showcase.yaml", leads=LEADS)
    page = browser.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto((work / "page.html").as_uri())
        assert page.title() == "Preview: showcase"
        assert page.locator("h1").inner_text() == "Preview of showcase"
        seen = 0
        for point in result.touchpoints:
            for lead in result.leads:
                r = result.rendering(point, lead)
                cell = f'section[data-touch="{point.key}"] article[data-lead="{lead.key}"]'
                if point.channel == "email":
                    assert page.locator(f"{cell} dd.subject").inner_text() == r.subject
                    shown = page.frame_locator(f"{cell} iframe.email").locator("body").inner_text()
                    assert r.text.splitlines()[0] in shown, (point.key, lead.key, shown)
                    seen += 1
                elif point.channel == "letter":
                    shown = page.frame_locator(f"{cell} iframe.letter").locator("body").inner_text()
                    dear = next(line for line in r.shown_text().splitlines() if line.startswith("Dear "))
                    assert dear in shown and str(lead.fields["city"]) in shown, (lead.key, shown)
                else:
                    assert page.locator(f"{cell} pre.text").inner_text().strip() == r.text.strip()
        assert seen == 3 * len(result.leads)
        # What the leads' data held stays text: in the brief, in the subject, in the email frame.
        brief = page.locator('section[data-touch="showcase-intro-call"] article[data-lead="L-2"] pre.text').inner_text()
        assert brief.startswith(f"# Intro call: {HOSTILE}\nContact: <b>Zoe</b>;")
        subject = page.locator('section[data-touch="showcase-follow-up-a"] article[data-lead="L-2"] dd.subject')
        assert subject.inner_text() == f"A note for {HOSTILE}"
        frame = page.frame_locator('section[data-touch="showcase-welcome"] article[data-lead="L-2"] iframe.email')
        shown = frame.locator("body").inner_text()
        assert shown.startswith(f"Hi <b>Zoe</b>,\n\nThanks for your interest from {HOSTILE}")
        assert page.title() == "Preview: showcase"
        assert requests == [(work / "page.html").as_uri()]
        assert problems == []
    finally:
        page.close()
