"""Compiling: sealed, deterministic plans that round-trip through JSON."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from cadence import ir
from cadence.dsl import ValidationFailed, compile_file
from tests.dsl.helpers import BAD, GOOD, TEMPLATES, run_cli

ENTERPRISE = GOOD / "enterprise-nurture.yaml"
ROOT = Path(__file__).resolve().parents[2]


def test_same_file_same_bytes_same_hash() -> None:
    first, second = compile_file(ENTERPRISE), compile_file(ENTERPRISE)
    assert ir.canonical_json(first) == ir.canonical_json(second)
    assert first.sha256 == second.sha256 == ir.seal(first).sha256
    assert len(first.sha256) == 64


def test_json_round_trip() -> None:
    plan = compile_file(ENTERPRISE)
    assert ir.plan_from_dict(json.loads(ir.canonical_json(plan))) == plan


@pytest.mark.parametrize("name", ["enterprise-nurture", "inbound-fast-follow", "stale-monthly", "benchmark-seven-touch"])
def test_wire_form_leaves_out_defaults_and_round_trips(name: str) -> None:
    plan = compile_file(ROOT / "cadences" / f"{name}.yaml")
    wire = json.loads(json.dumps(ir.plan_to_wire(plan)))
    assert ir.plan_from_dict(wire) == plan
    assert len(json.dumps(wire)) < len(ir.canonical_json(plan))
    assert wire["format"] == ir.PLAN_FORMAT and all("kind" in step for step in wire["steps"])
    assert not [k for step in wire["steps"] for k, v in step.items() if v in ([], None)]  # defaults, left out


def test_plan_content() -> None:
    plan = compile_file(ENTERPRISE)
    assert plan.name == "enterprise-nurture"
    assert [s.kind for s in plan.steps] == ["call", "email", "voicemail", "letter", "wait", "gate", "loop", "action"]
    assert [t.path for t in plan.templates] == sorted(t.path for t in plan.templates)
    assert plan.template("calls/intro.md.j2").startswith("# Intro call")
    assert plan.schedule.holiday_sets == ("us",)
    assert "2026-12-24" in plan.schedule.holidays
    assert list(plan.schedule.holidays) == sorted(set(plan.schedule.holidays))
    assert plan.handler("lead_updated") == ir.GotoAction("reassess")  # reassess compiles to goto
    assert plan.handler("unsubscribe") == ir.DisqualifyAction("opted_out")  # the default
    call = plan.step("intro-call")
    assert isinstance(call, ir.CallStep)
    assert call.due == ir.Duration(2, "business_days") and call.wait == ir.Duration(1, "days")
    assert call.on_missed == ir.ContinueAction()
    loop = plan.step("nurture-loop")
    assert loop == ir.LoopStep("nurture-loop", "case-study", ir.Duration(14, "days"), 3, ir.DisqualifyAction("no_response"))


def test_tracks_are_flattened_and_cycles_handled() -> None:
    plan = compile_file(ENTERPRISE)
    # stale-monthly goes back to enterprise-nurture on a reply: both are embedded, each without tracks.
    assert [t.name for t in plan.tracks] == ["enterprise-nurture", "stale-monthly"]
    assert all(t.tracks == () for t in plan.tracks)
    stale = plan.track("stale-monthly")
    assert stale.handler("reply") == ir.TrackAction("enterprise-nurture")
    assert stale == compile_file(GOOD / "stale-monthly.yaml").track("stale-monthly")


def test_defaults_of_simple_cadence() -> None:
    plan = compile_file(GOOD / "simple.yaml")
    assert plan.disqualify_reasons == ("no_response", "opted_out")  # opted_out added
    assert plan.schedule == ir.Schedule("UTC", "UTC", None, (), ())
    gate = plan.step("check")
    assert isinstance(gate, ir.GateStep)
    assert gate.rules[0].action == ir.HandoffAction("{{ lead.owner }}")
    assert gate.rules[1] == ir.GateRule(None, ir.GotoAction("give-up"))  # else: continue = the next step
    assert plan.tracks == ()


def test_loop_then_defaults_to_next_step() -> None:
    stale = compile_file(GOOD / "stale-monthly.yaml")
    assert stale.step("monthly-loop").then == ir.GotoAction("done")


def test_invalid_file_raises_with_every_error() -> None:
    with pytest.raises(ValidationFailed) as info:
        compile_file(BAD / "unreachable-step.yaml")
    assert len(info.value.errors) == 1
    assert "never reached" in str(info.value)


def test_explicit_templates_dir(tmp_path) -> None:
    (tmp_path / "c").mkdir()
    shutil.copy(GOOD / "simple.yaml", tmp_path / "c" / "simple.yaml")
    with pytest.raises(ValidationFailed) as info:
        compile_file(tmp_path / "c" / "simple.yaml")
    assert "no templates/ directory above this file" in info.value.errors[0].message
    plan = compile_file(tmp_path / "c" / "simple.yaml", templates_dir=TEMPLATES)
    assert plan.template("emails/welcome.html.j2") == (TEMPLATES / "emails/welcome.html.j2").read_text()


def test_cli_compile_json(capsys) -> None:
    code, out, _err = run_cli(capsys, "compile", str(ENTERPRISE))
    assert code == 0
    plan = compile_file(ENTERPRISE)
    assert out == ir.canonical_json(plan) + "\n"
    data = json.loads(out)
    assert data["sha256"] == plan.sha256
    assert ir.plan_from_dict(data) == plan
    unsealed = dict(data, sha256="")
    text = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(text.encode()).hexdigest() == plan.sha256


def test_cli_compile_to_file(capsys, tmp_path) -> None:
    target = tmp_path / "plan.json"
    code, out, err = run_cli(capsys, "compile", str(ENTERPRISE), "-o", str(target))
    assert code == 0 and out == ""
    assert err.startswith(f"wrote {target} (enterprise-nurture ")
    assert ir.plan_from_dict(json.loads(target.read_text())) == compile_file(ENTERPRISE)


def test_cli_compile_invalid(capsys) -> None:
    code, out, err = run_cli(capsys, "compile", str(BAD / "fall-off-end.yaml"))
    assert code == 1
    assert "the cadence can run past its last step 'welcome'" in out
    assert err == "failed: 1 error; nothing compiled\n"


def test_inbound_rules_compile_with_defaults_and_located_errors(tmp_path: Path) -> None:
    assert compile_file(ENTERPRISE).inbound == ir.InboundRules(soft_bounces=3, out_of_office_pause=ir.Duration(7, "days"))
    text = ENTERPRISE.read_text().replace("steps:\n", "inbound: {soft_bounces: 2, out_of_office_pause: 3 business days}\nsteps:\n", 1)
    path = tmp_path / "enterprise-nurture.yaml"
    path.write_text(text)
    for track in GOOD.glob("*.yaml"):
        if track.name != path.name:
            shutil.copy(track, tmp_path)
    plan = compile_file(path, TEMPLATES)
    assert plan.inbound == ir.InboundRules(soft_bounces=2, out_of_office_pause=ir.Duration(3, "business_days"))
    # A file that does not use the block keeps the version it had before the block existed.
    assert '"inbound"' not in ir.canonical_json(compile_file(ENTERPRISE)) and '"inbound"' in ir.canonical_json(plan)
    path.write_text(text.replace("soft_bounces: 2", "soft_bounces: 0"))
    with pytest.raises(ValidationFailed) as failed:
        compile_file(path, TEMPLATES)
    assert [e.render().split(": error: ")[1] for e in failed.value.errors] == [
        "inbound.soft_bounces: must be at least 1, got 0"]


def test_a_schedules_spread_compiles_and_a_file_without_it_keeps_its_version(tmp_path: Path) -> None:
    assert compile_file(ENTERPRISE).schedule.spread is None
    text = ENTERPRISE.read_text()
    hours = next(line for line in text.splitlines() if "business_hours:" in line)
    path = tmp_path / "enterprise-nurture.yaml"
    path.write_text(text.replace(hours, f"{hours}\n  spread: 20 minutes", 1))
    for track in GOOD.glob("*.yaml"):
        if track.name != path.name:
            shutil.copy(track, tmp_path)
    plan = compile_file(path, TEMPLATES)
    assert plan.schedule.spread == ir.Duration(20, "minutes")
    assert '"spread"' not in ir.canonical_json(compile_file(ENTERPRISE)) and '"spread"' in ir.canonical_json(plan)
    assert plan.sha256 != compile_file(ENTERPRISE).sha256
    assert ir.plan_from_dict(json.loads(json.dumps(ir.plan_to_wire(plan)))) == plan
