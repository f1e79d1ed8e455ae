"""What operators see of a lead: search-attribute values, the stage log and the details panel."""

from __future__ import annotations

from datetime import timedelta

from cadence import lead_view
from cadence.engine import Engine
from cadence.visibility import ENROLLMENT_ONLY, SEARCH_ATTRIBUTES
from tests.engine.plans import email, end, make_plan
from tests.engine.test_engine import LEAD, T0, run


def test_a_waiting_lead_shows_its_next_action_and_no_personal_data():
    engine = Engine.start(make_plan([email("one", wait=3), email("two"), end("bye")]), LEAD, T0)
    touch = engine.next_command(T0)
    engine.touch_done(touch, T0)
    engine.next_command(T0)  # now waiting 3 days
    values = lead_view.attribute_values(engine, T0 + timedelta(days=3))
    assert set(values) == set(SEARCH_ATTRIBUTES) - ENROLLMENT_ONLY
    assert values["CadenceNextActionAt"] == T0 + timedelta(days=3)
    assert (values["CadenceOutcome"], values["CadenceReason"], values["CadenceTouches"]) == ("active", "", 1)
    assert (values["CadenceOwner"], values["CadenceSource"]) == ("dana", "marketing")
    assert not {LEAD["email"], LEAD["company"]} & {str(v) for v in values.values()}
    details = lead_view.details_markdown(engine, T0)
    assert "**Touches:** 1/2" in details and "**Next:** " in details and "| email one | sent |" in details


def test_an_ended_lead_shows_its_outcome_and_no_next_action():
    engine = Engine.start(make_plan([email("one"), end("bye", reason="no_response")]), LEAD, T0)
    _log, now = run(engine)
    values = lead_view.attribute_values(engine, now)
    assert (values["CadenceOutcome"], values["CadenceReason"], values["CadenceNextActionAt"]) == (
        "disqualified", "no_response", None)
    assert [row[0] for row in lead_view.stage_log(engine)] == [s["stage"] for s in engine.state.stages]
    assert "**Outcome:** disqualified — no_response" in lead_view.details_markdown(engine, now)
