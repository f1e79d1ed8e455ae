"""Synthetic lead records whose every outcome the tests control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cadence.report.records import LeadRecord, Outcome, StageStay

T0 = datetime(2026, 11, 1, tzinfo=UTC)
"""Start of the test period; the period is 30 days: [T0, T0 + 30 d)."""
UNTIL = T0 + timedelta(days=30)


def day(n: float) -> datetime:
    """``n`` days after :data:`T0` (negative: before the period)."""
    return T0 + timedelta(days=n)


def lead(lead_id: str, source: str, stages: list[tuple[str, float] | tuple[str, float, str]], *,
         touches: dict[str, int] | None = None, outcome: tuple[str, str, float] | None = None,
         deal: float | None = None, status: str | None = None, closed: float | None = None,
         owner: str = "dana", cadence: str = "enterprise-nurture") -> LeadRecord:
    """A record: ``stages`` are ``(stage, day entered[, why])``; each stay ends when the next begins.

    The last stay stays open, like the workflow's memo (a final stage is never left).
    """
    stays = []
    for i, item in enumerate(stages):
        stage, entered = item[0], item[1]
        why = item[2] if len(item) > 2 else ""  # type: ignore[misc]
        left = day(stages[i + 1][1]) if i + 1 < len(stages) else None
        stays.append(StageStay(stage, day(entered), left, why))
    end = None if outcome is None else Outcome(outcome[0], outcome[1], day(outcome[2]))
    if status is None:
        status = "completed" if outcome is not None else "running"
    close = day(closed) if closed is not None else (end.at if end is not None else None)
    return LeadRecord(lead_id=lead_id, cadence=cadence, source=source, owner=owner, campaign="",
                      deal_size=deal, status=status, enrolled_at=stays[0].entered_at, stages=tuple(stays),
                      touches=tuple((touches or {}).items()), outcome=end, closed_at=close)


def known_set() -> list[LeadRecord]:
    """Thirteen leads around a 30-day period; see tests/report/test_figures.py for what each shows."""
    return [
        # marketing
        lead("M1", "marketing", [("prequalify", 1), ("nurture", 1), ("sales_ready", 11), ("handed_off", 11)],
             touches={"email": 5, "call": 2}, outcome=("handoff", "gate rule 1", 11), deal=100_000),
        lead("M2", "marketing", [("prequalify", 2), ("disqualified", 2)], outcome=("disqualified", "bad_data", 2)),
        lead("M3", "marketing", [("prequalify", 3), ("nurture", 3), ("disqualified", 23)],
             touches={"email": 6, "voicemail": 2, "letter": 1}, outcome=("disqualified", "no_response", 23)),
        lead("M4", "marketing", [("prequalify", 5), ("nurture", 5)], touches={"email": 3, "call": 1}),
        lead("M5", "marketing", [("prequalify", -31), ("nurture", -31), ("track:stale", -1)],
             touches={"email": 8, "letter": 1}),
        lead("M6", "marketing", [("prequalify", 35), ("nurture", 35)]),  # enrolled after the period
        lead("M7", "marketing", [("prequalify", 8), ("nurture", 8), ("disqualified", 9)],
             touches={"email": 1}, outcome=("disqualified", "not_a_fit", 9)),
        # sales
        lead("S1", "sales", [("prequalify", 4), ("nurture", 4), ("sales_ready", 14), ("handed_off", 14),
                             ("accepted", 16)],
             touches={"call": 4, "email": 2}, outcome=("handoff", "accepted by dana", 16), deal=250_000),
        lead("S2", "sales", [("prequalify", 6), ("nurture", 6), ("sales_ready", 20), ("handed_off", 20)],
             touches={"call": 3}),  # waiting for sales to accept; no deal size
        lead("S3", "sales", [("prequalify", -10), ("nurture", -10), ("disqualified", -5)],
             outcome=("disqualified", "no_response", -5)),  # ended before the period
        lead("S4", "sales", [("prequalify", 10), ("nurture", 10)], touches={"call": 1},
             status="terminated", closed=12),  # a black hole: ended without an outcome
        lead("S5", "sales", [("prequalify", 25), ("nurture", 25)]),
        lead("S6", "sales", [("prequalify", 7), ("nurture", 7), ("sales_ready", 17), ("handed_off", 17),
                             ("track:recycle", 19, "rejected by sales: no budget")],
             touches={"call": 2, "email": 2}, deal=50_000),
    ]


def many(n: int) -> list[LeadRecord]:
    """``n`` leads in five repeating shapes (all enrolled in the period); see ``test_ten_thousand_leads``."""
    shapes: list[dict[str, Any]] = [
        {"stages": [("prequalify", 1), ("nurture", 1), ("sales_ready", 15), ("handed_off", 15)],
         "touches": {"email": 6, "call": 2}, "outcome": ("handoff", "gate", 15), "deal": 20_000},
        {"stages": [("prequalify", 2), ("disqualified", 2)], "outcome": ("disqualified", "bad_data", 2)},
        {"stages": [("prequalify", 3), ("nurture", 3), ("disqualified", 20)], "touches": {"email": 8, "voicemail": 1},
         "outcome": ("disqualified", "no_response", 20)},
        {"stages": [("prequalify", 4), ("nurture", 4)], "touches": {"email": 2}},
        {"stages": [("prequalify", 5), ("nurture", 5), ("track:stale", 25)], "touches": {"email": 5, "letter": 1}},
    ]
    out = []
    for i in range(n):
        shape = shapes[i % len(shapes)]
        out.append(lead(f"L-{i}", "marketing" if i % 2 == 0 else "sales", shape["stages"],
                        touches=shape.get("touches"), outcome=shape.get("outcome"), deal=shape.get("deal")))
    return out
