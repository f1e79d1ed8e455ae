"""Random input against the update validators: a clean pass or RejectedInput, and a rejection changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence import ir
from cadence.engine import Engine, OpenTask, RejectedInput
from tests.engine.plans import call, end, make_plan

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)
LEAD = {"id": "L-1", "first_name": "Zelda", "email": "zelda@privatebuyer.example", "company": "Privatebuyer",
        "timezone": "America/Chicago", "owner": "dana"}
PLAN = make_plan([call("discovery", due=3), end("give-up")])


def engine_with_open_task() -> Engine:
    engine = Engine.start(PLAN, dict(LEAD), T0, "lead-L-1")
    now = T0
    for _ in range(20):
        command = engine.next_command(now)
        if isinstance(command, OpenTask):
            engine.task_opened(command, "brief", now)
            assert engine.state.open_task is not None
            return engine
        now += timedelta(minutes=1)
    raise AssertionError("the plan never opened a task")


BASE = engine_with_open_task()
TASK_ID = BASE.state.open_task["task_id"]  # type: ignore[index]
OUTCOMES = list(BASE.state.open_task["outcomes"])  # type: ignore[index]


def fresh() -> Engine:
    return Engine(PLAN, copy.deepcopy(BASE.state), "lead-L-1")


def snapshot(engine: Engine) -> dict[str, Any]:
    return copy.deepcopy(engine.state.to_dict())


# What can arrive in an update or signal argument after JSON decoding.
text = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "\r\n", "\x00", "x" * 2001, "__class__", "id"]))
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text)
json_value = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(text, inner, max_size=3)), max_leaves=8)
field_names = st.one_of(text, st.sampled_from(["id", "email", "phone", "timezone", "company", "first_name", "employees", "source"]))
lead_fields = st.dictionaries(field_names, json_value, max_size=6)
attribute = st.one_of(text, st.sampled_from(list(ir.DEFAULT_QUALIFICATION)))
learned = st.dictionaries(attribute, json_value, max_size=4)
outcome = st.one_of(text, st.sampled_from(OUTCOMES))
task_id = st.one_of(text, st.just(TASK_ID))
kind = st.one_of(text, st.sampled_from(list(ir.EVENT_KINDS)))
# Non-object "fields" are covered by the xfail test below (a known bug); here they are objects.
event_data = st.one_of(
    st.dictionaries(text.filter(lambda k: k != "fields"), json_value, max_size=4),
    st.fixed_dictionaries({"fields": lead_fields}),
    st.fixed_dictionaries({"detail": json_value}),
)
ended = st.booleans()

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def passes_or_rejects_cleanly(engine: Engine, check: Callable[[], Any], *, may_change: bool = False) -> None:
    before = snapshot(engine)
    try:
        check()
    except RejectedInput as exc:
        assert str(exc)
        assert snapshot(engine) == before, "a rejected input changed the lead's state"
        return
    if not may_change:
        assert snapshot(engine) == before, "a validator changed the lead's state"


def maybe_end(engine: Engine, end_it: bool) -> Engine:
    if end_it:
        engine.disqualify("not_a_fit", "", "ops", T0)
        for _ in range(5):
            if engine.state.status == "ended":
                break
            command = engine.next_command(T0)
            if command.__class__.__name__ == "Finish":
                engine.finished(command, T0)  # type: ignore[arg-type]
    return engine


@SETTINGS
@given(task_id=task_id, outcome=outcome, learned=learned, end_it=ended)
def test_check_outcome(task_id: str, outcome: str, learned: dict[str, Any], end_it: bool) -> None:
    engine = maybe_end(fresh(), end_it)
    passes_or_rejects_cleanly(engine, lambda: engine.check_outcome(task_id, outcome, learned))


@SETTINGS
@given(learned=learned)
def test_check_learned(learned: dict[str, Any]) -> None:
    engine = fresh()
    passes_or_rejects_cleanly(engine, lambda: engine.check_learned(learned))


@SETTINGS
@given(reason=st.one_of(text, st.sampled_from(list(PLAN.disqualify_reasons))), end_it=ended)
def test_check_reason(reason: str, end_it: bool) -> None:
    engine = maybe_end(fresh(), end_it)
    passes_or_rejects_cleanly(engine, lambda: engine.check_reason(reason))


@SETTINGS
@given(fields=lead_fields)
def test_check_lead_update(fields: dict[str, Any]) -> None:
    engine = fresh()
    passes_or_rejects_cleanly(engine, lambda: engine.check_lead_update(fields))


@SETTINGS
@given(kind=kind, data=event_data, end_it=ended)
def test_on_event(kind: str, data: dict[str, Any], end_it: bool) -> None:
    engine = maybe_end(fresh(), end_it)
    passes_or_rejects_cleanly(engine, lambda: engine.on_event(kind, data, T0 + timedelta(hours=1), source="fuzz"),
                              may_change=True)


@pytest.mark.parametrize("fields", [5, "ab", None, [1], True, 1.5], ids=repr)
def test_lead_updated_event_with_fields_that_are_not_an_object(fields: Any) -> None:
    engine = fresh()
    passes_or_rejects_cleanly(engine, lambda: engine.on_event("lead_updated", {"fields": fields}, T0, source="fuzz"),
                              may_change=True)


@SETTINGS
@given(task_id=task_id, outcome=outcome, notes=text, learned=learned)
def test_log_outcome_after_its_validator_passes(task_id: str, outcome: str, notes: str, learned: dict[str, Any]) -> None:
    # The update handler re-runs the check; whatever the validator accepted must apply without error.
    engine = fresh()
    try:
        engine.check_outcome(task_id, outcome, learned)
    except RejectedInput:
        return
    engine.log_outcome(task_id, outcome, notes, learned, "rep", T0 + timedelta(hours=1))
    assert engine.state.open_task is None


@pytest.mark.parametrize("fields", [{"email": "x\r\nBcc: y@evil.example"}, {"id": "L-2"}, {"timezone": "Mars/Base"},
                                    {"phone": ["+1 415 555 0199"]}, {"company": "x" * 5000}])
def test_bad_lead_updates_are_rejected_with_state_unchanged(fields: dict[str, Any]) -> None:
    engine = fresh()
    before = snapshot(engine)
    with pytest.raises(RejectedInput):
        engine.check_lead_update(fields)
    with pytest.raises(RejectedInput):
        engine.on_event("lead_updated", {"fields": fields}, T0 + timedelta(hours=1), source="fuzz")
    assert snapshot(engine) == before
