"""LeadRecord from the memo the workflow writes, and from search attributes alone."""

from __future__ import annotations

from datetime import UTC, datetime

from cadence.report.records import (
    LeadRecord,
    Outcome,
    StageStay,
    parse_time,
    record_from_memo,
    stage_order,
)

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MEMO = {
    "source": "sales", "campaign": "webinar-q4", "deal_size": 120000, "owner": "dana@seller.example",
    "cadence": "enterprise-nurture",
    "stages": [["prequalify", "2026-11-02T09:00:00Z", "2026-11-02T09:00:00Z", "enrolled"],
               ["nurture", "2026-11-02T09:00:00Z", "2026-11-20T15:00:00Z", "pre-qualified"],
               ["sales_ready", "2026-11-20T15:00:00Z", "2026-11-20T15:00:00Z", "gate assess rule 1"],
               ["handed_off", "2026-11-20T15:00:00Z", None, "gate assess rule 1"]],
    "touches": {"email": 4, "call": 3, "voicemail": 0, "letter": 1},
    "outcome": {"kind": "handoff", "reason": "gate assess rule 1", "to": "dana@seller.example",
                "at": "2026-11-20T15:00:00Z", "by": ""},
}


def test_a_record_from_the_workflow_memo():
    record = record_from_memo("lead-L-7", MEMO, status="completed", start_time=START,
                              close_time=datetime(2026, 11, 20, 15, 1, tzinfo=UTC))
    assert record.lead_id == "L-7" and record.source == "sales" and record.deal_size == 120000.0
    assert (record.campaign, record.owner, record.cadence) == ("webinar-q4", "dana@seller.example", "enterprise-nurture")
    assert record.enrolled_at == START and record.complete
    assert record.stages[1] == StageStay("nurture", START, datetime(2026, 11, 20, 15, tzinfo=UTC), "pre-qualified")
    assert record.touches == (("email", 4), ("call", 3), ("letter", 1)) and record.touch_count == 8
    assert record.outcome == Outcome("handoff", "gate assess rule 1", datetime(2026, 11, 20, 15, tzinfo=UTC),
                                     "dana@seller.example", "")
    assert record.handoffs() == [datetime(2026, 11, 20, 15, tzinfo=UTC)]
    assert record.answer_to_handoff(datetime(2026, 12, 1, tzinfo=UTC)) == "untracked"
    assert record.stage_at(datetime(2026, 11, 10, tzinfo=UTC)) == "nurture"
    assert record.stage_at(datetime(2026, 11, 1, tzinfo=UTC)) is None
    assert record.lost_at is None and record.ended_at == datetime(2026, 11, 20, 15, tzinfo=UTC)


def test_a_lead_started_before_the_stage_memo_is_read_from_search_attributes():
    memo = {"source": "marketing", "campaign": "", "deal_size": None, "owner": "", "cadence": "x"}
    attrs = {"CadenceStage": "disqualified", "CadenceOutcome": "disqualified", "CadenceReason": "no_response",
             "CadenceTouches": 5, "CadenceOwner": "lee"}
    closed = datetime(2026, 11, 9, tzinfo=UTC)
    record = record_from_memo("lead-OLD-1", memo, attributes=attrs, status="completed", start_time=START,
                              close_time=closed)
    assert not record.complete
    assert record.stages == (StageStay("disqualified", START),)
    assert record.outcome == Outcome("disqualified", "no_response", closed)
    assert record.touches == (("unknown", 5),) and record.owner == "lee"


def test_a_terminated_lead_is_lost_and_garbage_in_the_memo_is_skipped():
    memo = {"stages": [["nurture", "not a time", None, ""], ["nurture", "2026-11-02T09:00:00+00:00"], "junk"],
            "touches": {"email": "many", "call": 2}, "outcome": {"kind": "exploded"}, "deal_size": "$12,500"}
    record = record_from_memo("lead-T-1", memo, status="terminated", start_time=START,
                              close_time=datetime(2026, 11, 3, tzinfo=UTC))
    assert [s.stage for s in record.stages] == ["nurture"] and record.touches == (("call", 2),)
    assert record.outcome is None and record.lost_at == datetime(2026, 11, 3, tzinfo=UTC)
    assert record.deal_size == 12500.0 and record.source == "marketing"


def _rec(*stays: tuple[str, int, str] | tuple[str, int, str, str]) -> LeadRecord:
    times = [StageStay(s[0], datetime(2026, 11, s[1], tzinfo=UTC), None, *s[2:]) for s in stays]
    return LeadRecord("X", "c", "sales", "", "", None, "running", times[0].entered_at, tuple(times), ())


def test_answers_to_a_handoff_are_read_from_the_answer_the_engine_recorded():
    later = datetime(2026, 12, 1, tzinfo=UTC)
    assert _rec(("nurture", 1, ""), ("handed_off", 3, "")).answer_to_handoff(later) == "pending"
    assert _rec(("handed_off", 3, ""), ("accepted", 4, "accepted by x", "accepted")).answer_to_handoff(later) == "accepted"
    # The words of ``why`` are for people: a structured answer is never second-guessed by them.
    assert _rec(("handed_off", 3, ""), ("track:r", 4, "not a fit", "rejected")).answer_to_handoff(later) == "rejected"
    assert _rec(("handed_off", 3, ""), ("track:r", 4, "rejected late", "recycled")).answer_to_handoff(later) == "recycled"
    assert _rec(("nurture", 1, "")).answer_to_handoff(later) is None


def test_answers_in_memos_older_than_the_answer_field_are_read_from_stage_and_words():
    later = datetime(2026, 12, 1, tzinfo=UTC)
    assert _rec(("handed_off", 3, ""), ("accepted", 4, "")).answer_to_handoff(later) == "accepted"
    assert _rec(("handed_off", 3, ""), ("track:r", 4, "rejected by sales: no")).answer_to_handoff(later) == "rejected"
    assert _rec(("handed_off", 3, ""), ("track:r", 4, "nobody accepted")).answer_to_handoff(later) == "recycled"


def test_the_memo_stage_log_carries_the_answer_fifth():
    memo = {"stages": [["handed_off", "2026-11-03T09:00:00Z", "2026-11-04T09:00:00Z", "qualified"],
                       ["track:r", "2026-11-04T09:00:00Z", None, "rejected by sales: no budget", "rejected"]]}
    record = record_from_memo("lead-A-1", memo, start_time=START)
    assert [(s.stage, s.answer) for s in record.stages] == [("handed_off", ""), ("track:r", "rejected")]


def test_stage_order_and_times():
    stages = ["disqualified", "track:slow", "handed_off", "nurture", "prequalify", "accepted", "sales_ready", "odd"]
    assert sorted(stages, key=stage_order) == ["prequalify", "nurture", "track:slow", "sales_ready", "handed_off",
                                               "accepted", "disqualified", "odd"]
    assert parse_time("2026-11-02T09:00:00") == START and parse_time("") is None and parse_time(3) is None
