"""Names and values agree: every variable :mod:`cadence.context` declares is built by
:mod:`cadence.context_values` (through the engine), and nothing is built that is not declared."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cadence import context, context_values, ir
from cadence.engine import Engine
from tests.engine.plans import call, email, end, make_plan

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)
LEAD = {"id": "L-1", "email": "pat@buyer.example", "company": "Buyer Inc", "owner": "dana"}
PLAN = make_plan([email("one", wait=1), call("two"), end("give-up")],
                 lists=(ir.NamedList("competitors", ("rival",)),))


def _engine() -> Engine:
    """A lead with a touch, an event and a qualification fact behind it: every value has content."""
    engine = Engine.start(PLAN, LEAD, T0)
    command = engine.next_command(T0)
    engine.touch_done(command, T0)
    engine.on_event("reply", {"detail": "tell me more"}, T0 + timedelta(hours=1), source="smtp")
    engine.state.qualification["budget"] = {"value": "50k", "by": "dana", "at": "2026-11-02T15:00:00Z"}
    return engine


def test_the_condition_values_are_the_declared_condition_names():
    assert set(_engine().condition_context(T0 + timedelta(days=2))) == context.CONDITION_NAMES


def test_the_template_values_are_the_declared_template_names_but_the_activitys():
    values = _engine().template_context(T0 + timedelta(days=2), "one", 0)
    assert set(values) == context.TEMPLATE_NAMES - context.ACTIVITY_TEMPLATE_NAMES
    assert context.ACTIVITY_TEMPLATE_NAMES <= context.TEMPLATE_NAMES


def test_a_template_asking_for_every_name_gets_every_value_but_the_lead_which_the_request_carries():
    values = _engine().template_context(T0, "one", 0, context.TEMPLATE_NAMES)
    assert set(values) == context.TEMPLATE_NAMES - context.ACTIVITY_TEMPLATE_NAMES - {"lead"}


def test_the_prequalification_values_are_the_declared_prequalification_names():
    assert set(context_values.prequal_values(PLAN, LEAD)) == context.PREQUAL_NAMES
    assert set(context_values.prequal_values(PLAN, {"id": "L-2"})) == context.PREQUAL_NAMES


def test_prequalification_names_are_condition_data_available_before_anything_happened():
    assert context.PREQUAL_NAMES - {"email_domain"} <= context.CONDITION_NAMES
