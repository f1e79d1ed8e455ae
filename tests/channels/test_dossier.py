"""The handoff dossier: pure assembly and its markdown."""

from __future__ import annotations

import json
from typing import Any

from cadence.channels.dossier import DOSSIER_SECTIONS, build_dossier, render_dossier_markdown

from .conftest import LEAD


def h(at: str, kind: str, outcome: str, channel: str | None = None, step: str = "", notes: str = "", by: str = "",
      detail: str = "") -> dict[str, Any]:
    return {"at": at, "kind": kind, "channel": channel, "step": step, "outcome": outcome, "notes": notes, "by": by,
            "detail": detail}


STATE: dict[str, Any] = {
    "lead_id": "L-1",
    "cadence": "enterprise-nurture",
    "version": "f" * 64,
    "status": "active",
    "stage": "nurture:reassess",
    "started_at": "2026-01-05T14:00:00Z",
    "now": "2026-04-08T15:30:00Z",
    "history": [
        h("2026-01-05T14:00:00Z", "gate", "passed", step="prequalify"),
        h("2026-01-05T15:00:00Z", "touch", "sent", "email", "case-study", detail="What Globex's peers changed"),
        h("2026-01-08T16:00:00Z", "touch", "connected", "call", "intro-call", by="sam",
          notes="Spoke to Jane. Their CFO signs off anything over $50k; they are also evaluating RivalSoft."),
        h("2026-02-01T10:00:00Z", "event", "reply", "email", detail="Our ERP contract expires in June, let's talk"),
        h("2026-02-10T10:00:00Z", "touch", "written", "letter", "letter-1", detail="letter ltr-1"),
        h("2026-03-01T10:00:00Z", "touch", "meeting_booked", "call", "follow-up", by="sam",
          notes="Manual reconciliation takes 3 days per month; they care about audit trails."),
    ],
    "qualification": {
        "budget": {"value": "$120k approved for FY26", "by": "sam", "at": "2026-03-01T10:00:00Z"},
        "decision_makers": {"value": "Jane Doe (VP Ops), Raj Patel (CFO)", "by": "sam", "at": "2026-01-08T16:00:00Z"},
        "pain_validated": {"value": "Month-end close takes 3 days", "by": "sam", "at": "2026-03-01T10:00:00Z"},
        "urgency": {"value": "ERP contract expires June 30", "by": "sam", "at": "2026-02-01T10:00:00Z"},
        "industry_code": {"value": "NAICS 332", "by": "ops", "at": "2026-01-05T14:00:00Z"},
    },
    "missing": ["firmographics", "environment", "decision_maker_engaged", "decision_process", "competition"],
    "score": 75,
    "engagement": {"replies": 1, "connected_calls": 1, "callbacks": 0, "meetings": 1},
    "touches": 4,
    "touches_by_channel": {"email": 1, "call": 2, "voicemail": 0, "letter": 1},
    "stages": [{"stage": "prequalify", "entered_at": "2026-01-05T14:00:00Z", "left_at": "2026-01-05T14:00:00Z",
                "why": "enrolled"}],
    "outcome": None,
}


def dossier(sections: tuple[str, ...] = ()) -> dict[str, Any]:
    return build_dossier(LEAD, STATE, sections, "enterprise-nurture", "f" * 64, "dana@example.com",
                         "qualified: 5 of 10 and a meeting booked")


def test_dossier_holds_what_sales_needs() -> None:
    d = dossier()
    json.dumps(d)  # JSON-ready
    assert d["sections"] == list(DOSSIER_SECTIONS)
    assert d["lead_id"] == "L-1" and d["assignee"] == "dana@example.com"
    assert d["generated_at"] == "2026-04-08T15:30:00Z"
    assert d["contact"]["name"] == "Jane Doe" and d["contact"]["phone"] == "+1 555 010 2000"
    assert d["summary"]["days_in_nurture"] == 93 and d["summary"]["touches"] == 4 and d["summary"]["engaged"]
    assert d["summary"]["qualified_count"] == 5 and d["summary"]["qualification_total"] == 10
    # every touch, outcome and note; bookkeeping left out
    assert [x["outcome"] for x in d["history"]] == ["sent", "connected", "reply", "written", "meeting_booked"]
    assert d["history"][1]["notes"].startswith("Spoke to Jane")
    assert d["company"] == {
        "company": "Globex", "industry": "Manufacturing", "employees": 1200, "revenue": 45000000,
        "website": "https://globex.example", "address": "1 Main St, Springfield, IL, 62701, US",
        "industry_code": "NAICS 332",
    }
    q = d["qualification"]
    assert (q["known"], q["total"]) == (5, 10)
    assert [a["attribute"] for a in q["attributes"]][:3] == ["industry_code", "firmographics", "decision_makers"]
    assert q["attributes"][0] == {"attribute": "industry_code", "label": "Industry code (SIC or NAICS)",
                                  "value": "NAICS 332", "by": "ops", "at": "2026-01-05T14:00:00Z", "known": True}
    assert q["missing"] == ["firmographics", "environment", "decision_maker_engaged", "decision_process",
                            "competition"]
    assert d["budget"]["known"][0]["value"] == "$120k approved for FY26"
    assert any("$50k" in n["text"] for n in d["budget"]["notes"])
    assert d["people"]["known"][0]["value"].startswith("Jane Doe (VP Ops)")
    assert d["events"]["known"][0]["value"] == "ERP contract expires June 30"
    assert any("expires in June" in n["text"] for n in d["events"]["notes"])
    assert d["pain_points"]["known"][0]["value"] == "Month-end close takes 3 days"
    assert [n["text"][:6] for n in d["hot_buttons"]["notes"]] == ["Manual"]
    assert d["competition"]["known"] == [] and "RivalSoft" in d["competition"]["notes"][0]["text"]
    assert d["timeline"]["known"] == [] and d["timeline"]["notes"][0]["text"].startswith("Our ERP contract")
    assert d["engagement"]["meetings"] == 1 and d["engagement"]["last"]["outcome"] == "meeting_booked"
    assert d["score"] == {"score": 75, "qualified_count": 5, "qualification_total": 10}


def test_sections_limit_the_dossier() -> None:
    d = dossier(("history", "company", "nonsense"))
    assert d["sections"] == ["history", "company"]
    assert d["ignored_sections"] == ["nonsense"]
    assert "qualification" not in d and "budget" not in d and "history" in d
    assert "contact" in d and "summary" in d


def test_markdown_reads_like_a_briefing() -> None:
    md = render_dossier_markdown(dossier())
    assert md.startswith("# Sales-ready lead: Jane Doe — VP Operations, Globex\n")
    assert "**Handed to** dana@example.com" in md
    assert "Score **75**/100 · Qualified **5/10** · **4 touches** (email 1, call 2, letter 1) over **93 days**" in md
    assert "- **Revenue:** 45,000,000" in md
    assert "### Budget\n\n- **Budget allocated, or budgeting process documented:** $120k approved for FY26 (sam, 2026-03-01)" in md
    assert "### Competition\n\n- _Note (2026-01-08 call sam):_ “Spoke to Jane." in md
    assert "| ✗ | Competitive landscape documented | — | — | — |" in md
    assert "**Missing:** Firmographics (revenue, employees, locations)," in md
    assert "## Contact history (5)" in md
    assert "2. 2026-01-08 16:00 UTC · call · `intro-call` · connected — sam\n   - Notes: Spoke to Jane." in md


def test_empty_state_gives_a_usable_dossier() -> None:
    d = build_dossier({"id": "L-9"}, {}, (), "", "", "queue:sales", "")
    md = render_dossier_markdown(d)
    assert md.startswith("# Sales-ready lead: lead L-9\n")
    assert "_No contact yet._" in md
    assert d["budget"]["unknown"] is True and "_Nothing known yet: ask._" in md


def test_table_cells_escape_pipes() -> None:
    state = {**STATE, "qualification": {"budget": {"value": "a | b", "by": "x", "at": "2026-01-01T00:00:00Z"}}}
    md = render_dossier_markdown(build_dossier(LEAD, state, ("qualification",), "", "", "", ""))
    assert "| a \\| b |" in md
