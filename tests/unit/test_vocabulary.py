"""One vocabulary: the words modules share are defined in :mod:`cadence.vocabulary` (and the search
attributes in :mod:`cadence.visibility`), and the validator, compiler, engine, client and report use
those definitions instead of spelling the words again."""

from __future__ import annotations

import ast
import inspect
import json
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cadence import acceptance, client, context_values, engine, ir, lead_view, messages, scoring, visibility
from cadence import vocabulary as vocab
from cadence.channels.ids import message_id_for, workflow_of_message_id
from cadence.dsl import compiler, schema, validator
from cadence.report import collect, figures, records
from tests.dsl.helpers import TEMPLATES
from tests.engine.plans import call, email, end, make_plan

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)

OWNED_WORDS = {
    vocab.SALES_READY, vocab.HANDED_OFF, vocab.NURTURE, vocab.DISQUALIFIED, vocab.OPTED_OUT, vocab.RECYCLED,
    vocab.TRACK_PREFIX, vocab.WORKFLOW_ID_PREFIX, vocab.TASK_ID_SEPARATOR, *visibility.SEARCH_ATTRIBUTES,
}
"""Words with one meaning each: a module that needs one imports it (``prequalify``, ``handoff``,
``accepted`` and ``rejected`` also name phases, history entries and answer fields, so are not listed)."""
USERS: tuple[ModuleType, ...] = (validator, compiler, schema, engine, acceptance, context_values, scoring, lead_view,
                                 client, records, figures, collect)


def _literals(module: ModuleType) -> list[tuple[int, str]]:
    """The string constants of ``module``'s code: docstrings and type annotations left out."""
    tree = ast.parse(inspect.getsource(module))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # attribute docstrings
            skip.add(id(node.value))
        annotations = [getattr(node, "annotation", None), getattr(node, "returns", None)]
        for annotation in filter(None, annotations):
            skip.update(id(n) for n in ast.walk(annotation))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip]


@pytest.mark.parametrize("module", USERS, ids=lambda m: m.__name__)
def test_modules_import_the_words_they_share_instead_of_spelling_them(module: ModuleType) -> None:
    spelled = [(line, text) for line, text in _literals(module) if text in OWNED_WORDS]
    assert spelled == [], f"{module.__name__} spells words of cadence.vocabulary / cadence.visibility: {spelled}"


def test_the_plan_the_validator_and_the_compiler_share_the_step_kinds_and_defaults() -> None:
    assert ir.TOUCH_KINDS is vocab.TOUCH_KINDS and validator.STEP_KINDS is vocab.STEP_KINDS
    assert set(vocab.STEP_KINDS) == {*vocab.TOUCH_KINDS, *vocab.FLOW_KINDS, *vocab.ACTION_KINDS}
    assert set(vocab.TASK_KINDS) <= set(vocab.TOUCH_KINDS)
    assert {step.__dataclass_fields__["kind"].default for step in ir.TOUCH_STEPS} == set(vocab.TOUCH_KINDS)
    assert ir.DEFAULT_CALL_OUTCOMES is vocab.CALL_OUTCOMES and ir.DEFAULT_VOICEMAIL_OUTCOMES is vocab.VOICEMAIL_OUTCOMES
    assert (ir.DEFAULT_CALL_DUE.amount, ir.DEFAULT_CALL_DUE.unit) == vocab.CALL_DUE
    assert ir.VoicemailStep("v", "s.txt").due == ir.DEFAULT_VOICEMAIL_DUE
    assert ir.VoicemailStep("v", "s.txt").outcomes is vocab.VOICEMAIL_OUTCOMES


def test_a_compiled_step_gets_the_vocabularys_defaults(tmp_path: Path) -> None:
    source = tmp_path / "vocab-check.yaml"
    source.write_text("cadence: vocab-check\nschedule: {timezone: UTC}\ndisqualify_reasons: [no_response]\nsteps:\n"
                      "  - id: ring\n    call: {brief: calls/intro.md.j2}\n"
                      "  - id: vm\n    voicemail: {script: voicemails/intro.txt.j2}\n"
                      "  - id: give-up\n    disqualify: no_response\n")
    plan = compiler.compile_file(source, TEMPLATES)
    ring, vm = plan.steps[0], plan.steps[1]
    assert isinstance(ring, ir.CallStep) and isinstance(vm, ir.VoicemailStep)
    assert (ring.outcomes, ring.due, ring.assignee) == (vocab.CALL_OUTCOMES, ir.DEFAULT_CALL_DUE, vocab.DEFAULT_ASSIGNEE)
    assert (vm.outcomes, vm.due, vm.assignee) == (vocab.VOICEMAIL_OUTCOMES, ir.DEFAULT_VOICEMAIL_DUE, vocab.DEFAULT_ASSIGNEE)
    assert (ring.template_path, vm.template_path) == ("calls/intro.md.j2", "voicemails/intro.txt.j2")
    assert plan.handler("unsubscribe") == ir.DisqualifyAction(vocab.OPTED_OUT) and vocab.OPTED_OUT in plan.disqualify_reasons


def test_the_json_schema_says_what_the_vocabulary_defines() -> None:
    text = resources.files("cadence").joinpath("schema/cadence.schema.json").read_text(encoding="utf-8")
    assert f"Default: {', '.join(vocab.CALL_OUTCOMES)}." in text
    assert f"Default: {', '.join(vocab.VOICEMAIL_OUTCOMES)}." in text
    assert f"`{vocab.OPTED_OUT}`" in text

    def action_keys(node: Any) -> list[list[str]]:
        found = []
        if isinstance(node, dict):
            if node.get("title") == "action":
                found.append(list(node.get("properties", {})))
            for value in node.values():
                found += action_keys(value)
        elif isinstance(node, list):
            for value in node:
                found += action_keys(value)
        return found

    keys = action_keys(json.loads(text))
    assert keys and all(k == list(vocab.ACTION_KINDS) for k in keys)


def _run(e: engine.Engine, now: datetime, limit: int = 60) -> list[engine.Command]:
    """Drive ``e`` with nobody answering: touches are sent, tasks are missed, waits elapse."""
    commands = []
    for _ in range(limit):
        command = e.next_command(now)
        commands.append(command)
        if isinstance(command, engine.Touch):
            e.touch_done(command, now)
        elif isinstance(command, engine.OpenTask):
            e.task_opened(command, "brief", now)
        elif isinstance(command, engine.Wait):
            now = command.until or now + timedelta(days=1)
        elif isinstance(command, engine.Finish):
            e.finished(command, now)
            return commands
        else:
            raise AssertionError(command)
    raise AssertionError("never finished")


def test_the_engine_enters_only_the_vocabularys_stages_and_builds_its_task_ids() -> None:
    gate = ir.GateStep("assess", (ir.GateRule(None, ir.HandoffAction("queue:sales")),))
    handoff = engine.Engine.start(make_plan([email("hello"), call("ring"), gate]), {"id": "L-1", "email": "a@b.example"},
                                  T0, vocab.workflow_id_for("L-1"))
    commands = _run(handoff, T0)
    disqualified = engine.Engine.start(make_plan([end("bye")]), {"id": "L-2"}, T0)
    _run(disqualified, T0)
    stages = [s["stage"] for e in (handoff, disqualified) for s in e.state.stages]
    assert stages == [vocab.PREQUALIFY, vocab.NURTURE, vocab.SALES_READY, vocab.HANDED_OFF,
                      vocab.PREQUALIFY, vocab.NURTURE, vocab.DISQUALIFIED]
    assert set(stages) <= set(vocab.STAGES)
    assert [c.outcome for c in commands if isinstance(c, engine.Finish)] == [vocab.HANDOFF]
    (task,) = [c for c in commands if isinstance(c, engine.OpenTask)]
    assert task.task_id == vocab.task_id_for("lead-L-1", "ring", 1)
    assert client.lead_id_of_task(task.task_id) == "L-1"  # the client reads back what the engine built


def test_the_id_schemes_round_trip() -> None:
    assert messages.workflow_id_for is vocab.workflow_id_for and messages.WORKFLOW_ID_PREFIX is vocab.WORKFLOW_ID_PREFIX
    workflow_id = vocab.workflow_id_for("L-1")
    assert vocab.lead_id_of_workflow(workflow_id) == "L-1" and vocab.lead_id_of_workflow("suppress-x") is None
    assert vocab.workflow_id_of_task(vocab.task_id_for(workflow_id, "intro-call", 2)) == workflow_id
    assert vocab.workflow_id_of_task("L-1~intro-call~1") is None  # not a lead's workflow
    assert workflow_of_message_id(message_id_for(workflow_id, "welcome", 0, "mail.example")) == workflow_id
    assert records.record_from_memo(workflow_id, {}).lead_id == "L-1"


def test_the_report_reads_the_engines_stage_names_and_answers() -> None:
    assert {key for key, _label in figures.FUNNEL_LEVELS} <= {"enrolled", *vocab.STAGES}
    assert vocab.ACCEPTANCE_ANSWERS == (vocab.ACCEPTED, vocab.REJECTED, vocab.RECYCLED)
    assert all(vocab.is_nurture_stage(s) for s in (vocab.NURTURE, vocab.track_stage("stale-monthly")))
    assert not any(vocab.is_nurture_stage(s) for s in vocab.STAGES if s != vocab.NURTURE)


def test_search_attributes_are_named_once() -> None:
    keys = visibility.keys()
    assert keys is visibility.keys() and set(keys) == set(visibility.SEARCH_ATTRIBUTES)
    assert all(key.name == name for name, key in keys.items())
    workflow = (ROOT / "workflows" / "nurture.py").read_text()
    assert not [name for name in visibility.SEARCH_ATTRIBUTES if f'"{name}"' in workflow]
