"""Warnings of ``cadence validate`` (issue 13): each pinned by a fixture, silences, --strict, JSON and SARIF."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from cadence import context
from cadence.dsl.compiler import compile_file
from cadence.dsl.errors import CadenceError, CadenceWarning
from cadence.dsl.lint import RULE_CHECKS, RULE_IDS, RULES, conditions
from cadence.dsl.lint.compliance import has_postal_address
from cadence.dsl.lint.moves import ENGAGED_EVENTS, ENGAGED_OUTCOMES
from cadence.dsl.lint.sarif import to_sarif
from cadence.dsl.lint.timing import fewest_business_days
from cadence.dsl.schema import schema
from cadence.ir import BusinessHours, Duration
from tests.dsl.helpers import FIXTURES, ROOT, run_cli

LINT = FIXTURES / "lint"
EXPECT = "# expect: "
FILES = sorted(LINT.glob("*.yaml"))


def expected(path: Path) -> list[str]:
    return [line[len(EXPECT):] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(EXPECT)]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_lint_fixture(path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(LINT)
    code, out, err = run_cli(capsys, "validate", path.name)
    want = expected(path)
    assert [line.removeprefix(f"{path.name}:") for line in out.splitlines()] == want
    errors = [line for line in want if ": error: " in line]
    assert code == (1 if errors else 0)
    if want and not errors:
        assert err == f"ok: 1 file valid, {len(want)} warning{'s' if len(want) > 1 else ''}\n"
        assert run_cli(capsys, "validate", "--strict", path.name)[0] == 1
    elif not want:
        assert (code, err) == (0, "ok: 1 file valid\n")


def test_every_warning_is_pinned_by_a_fixture() -> None:
    pinned = {m.group(1) for path in FILES for line in expected(path) for m in [re.search(r" \[([a-z-]+)\]$", line)] if m}
    assert pinned == set(RULE_IDS)
    assert [f"{rule}.yaml" for rule in RULE_IDS if not (LINT / f"{rule}.yaml").is_file()] == []


@pytest.mark.parametrize("rule", RULE_IDS)
def test_each_warning_comes_from_its_rule(rule: str, capsys, monkeypatch) -> None:
    monkeypatch.chdir(LINT)
    monkeypatch.delitem(RULE_CHECKS, rule)
    _code, out, _err = run_cli(capsys, "validate", f"{rule}.yaml")
    assert f"[{rule}]" not in out
    assert f"[{rule}]" in "\n".join(expected(LINT / f"{rule}.yaml"))


def test_rules_and_checks_and_schema_agree() -> None:
    assert tuple(RULE_CHECKS) == RULE_IDS == tuple(r.id for r in RULES)
    lint = schema()["$defs"]["lint"]
    ids = lint["properties"]["silence"]["properties"]
    assert tuple(ids) == RULE_IDS
    for rule in RULES:
        assert ids[rule.id]["description"].startswith(f"Silence `{rule.id}`: {rule.summary}")
        assert len(rule.example_reason.split()) >= 3
    assert schema()["properties"]["lint"]["$ref"] == schema()["$defs"]["step"]["properties"]["lint"]["$ref"] == "#/$defs/lint"


def test_shipped_cadences_are_clean_or_justified(capsys) -> None:
    count = len(list((ROOT / "cadences").glob("*.y*ml")))
    assert run_cli(capsys, "validate", "--strict", str(ROOT / "cadences")) == (0, "", f"ok: {count} files valid\n")


def test_strict_and_summary_lines(capsys, monkeypatch) -> None:
    monkeypatch.chdir(LINT)
    assert run_cli(capsys, "validate", "few-touches.yaml", "clean.yaml") == (
        0, f"few-touches.yaml:{expected(LINT / 'few-touches.yaml')[0]}\n", "ok: 2 files valid, 1 warning\n")
    code, _out, err = run_cli(capsys, "validate", "--strict", "few-touches.yaml", "tcpa-hours.yaml", "clean.yaml")
    assert (code, err) == (1, "failed: 3 warnings in 2 of 3 files (--strict)\n")
    assert run_cli(capsys, "validate", "--strict", "clean.yaml") == (0, "", "ok: 1 file valid\n")
    code, _out, err = run_cli(capsys, "validate", "few-touches.yaml", "silence-errors.yaml")
    assert (code, err) == (1, "failed: 4 errors in 1 of 2 files; 1 warning\n")


def test_json_lists_warnings_per_file(capsys, monkeypatch) -> None:
    monkeypatch.chdir(LINT)
    code, out, _err = run_cli(capsys, "validate", "--format", "json", "few-touches.yaml", "clean.yaml")
    data = json.loads(out)
    assert code == 0 and data["valid"] is True
    assert data["summary"] == {"files": 2, "valid": 2, "invalid": 0, "errors": 0, "warnings": 1}
    assert data["files"][1] == {"file": "clean.yaml", "valid": True, "errors": [], "warnings": []}
    (warning,) = data["files"][0]["warnings"]
    assert warning == {
        "file": "few-touches.yaml", "line": 16, "column": 17, "path": "$.steps[3].disqualify",
        "message": warning["message"], "hint": warning["hint"], "rule": "few-touches",
    }
    assert warning["message"].startswith("steps[3].disqualify: a lead that never answers can be disqualified no_response")


# The SARIF 2.1.0 schema is not available offline here: this pins the parts of it code-scanning UIs read.
_SARIF = {
    "type": "object",
    "required": ["version", "runs", "$schema"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "rules"],
                    "properties": {"rules": {"type": "array", "items": {
                        "type": "object", "required": ["id", "shortDescription", "defaultConfiguration"],
                        "properties": {"defaultConfiguration": {"properties": {"level": {"enum": ["error", "warning"]}}}}}}}}}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["ruleId", "ruleIndex", "level", "message", "locations"],
                    "properties": {
                        "level": {"enum": ["error", "warning"]},
                        "message": {"type": "object", "required": ["text"]},
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["physicalLocation"],
                            "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation"],
                                "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"]},
                                    "region": {"type": "object", "required": ["startLine", "startColumn"], "properties": {
                                        "startLine": {"type": "integer", "minimum": 1},
                                        "startColumn": {"type": "integer", "minimum": 1}}}}}}}}}}}},
        }},
    },
}


def test_sarif_holds_errors_and_warnings(capsys, monkeypatch) -> None:
    monkeypatch.chdir(LINT)
    code, out, err = run_cli(capsys, "validate", "--format", "sarif", "few-touches.yaml", "silence-errors.yaml", "clean.yaml")
    assert (code, err) == (1, "failed: 4 errors in 1 of 3 files; 1 warning\n")
    log = json.loads(out)
    assert list(Draft202012Validator(_SARIF).iter_errors(log)) == []
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "cadence"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["invalid-cadence", *RULE_IDS]
    assert [r["defaultConfiguration"]["level"] for r in rules] == ["error"] + ["warning"] * len(RULE_IDS)
    results = run["results"]
    assert [(r["ruleId"], r["level"], rules[r["ruleIndex"]]["id"]) for r in results] == [
        ("few-touches", "warning", "few-touches")] + [("invalid-cadence", "error", "invalid-cadence")] * 4
    assert results[0]["locations"] == [{
        "physicalLocation": {"artifactLocation": {"uri": "few-touches.yaml"}, "region": {"startLine": 16, "startColumn": 17}},
        "logicalLocations": [{"fullyQualifiedName": "$.steps[3].disqualify"}],
    }]
    assert results[0]["message"]["text"] == expected(LINT / "few-touches.yaml")[0].split(": warning: ", 1)[1].rsplit(" [", 1)[0]
    assert results[1]["message"]["text"] == "lint.silence: unknown field 'few-touch'; did you mean 'few-touches'?"
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 5}


def test_sarif_locations_of_odd_files(capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "a b.yaml").write_bytes(b"\xff")
    monkeypatch.chdir(tmp_path)
    for shown, uri in (("a b.yaml", "a%20b.yaml"), (str(tmp_path / "a b.yaml"), (tmp_path / "a b.yaml").as_uri())):
        code, out, _err = run_cli(capsys, "validate", "--format", "sarif", shown)
        (result,) = json.loads(out)["runs"][0]["results"]
        assert code == 1
        assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": uri},
                                                               "region": {"startLine": 1, "startColumn": 1}}
    unread = CadenceError("gone.yaml", 0, 0, "$", "file not found")
    (result,) = to_sarif([("gone.yaml", [unread], [])])["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "gone.yaml"}}


def test_silences_leave_the_plan_alone(tmp_path) -> None:
    shutil.copytree(LINT / "templates", tmp_path / "templates")
    source = (LINT / "silenced.yaml").read_text(encoding="utf-8")
    bare = re.sub(r"^(\s*)lint:\n(\1  .*\n)+", "", source, flags=re.MULTILINE)
    assert "lint" not in bare and bare != source
    (tmp_path / "with.yaml").write_text(source.replace("cadence: silenced", "cadence: with"), encoding="utf-8")
    (tmp_path / "without.yaml").write_text(bare.replace("cadence: silenced", "cadence: with"), encoding="utf-8")
    assert compile_file(tmp_path / "with.yaml").sha256 == compile_file(tmp_path / "without.yaml").sha256


def test_a_warning_renders_gcc_style() -> None:
    warning = CadenceWarning("c.yaml", 3, 5, "$.steps[0]", "found X, expected Y", "do Z", "few-touches")
    assert warning.render() == "c.yaml:3:5: warning: found X, expected Y (hint: do Z) [few-touches]"
    assert str(CadenceWarning("c.yaml", 3, 5, "$", "multi\nline", rule="can-spam")) == "c.yaml:3:5: warning: multi line [can-spam]"
    assert warning.to_dict()["rule"] == "few-touches" and "severity" not in warning.to_dict()
    assert warning.severity == "warning"


# -- the pieces the rules stand on ------------------------------------------------------


def test_condition_variables_are_all_classified() -> None:
    assert conditions.EVIDENCE_NAMES | conditions.OTHER_NAMES == context.CONDITION_NAMES
    assert not conditions.EVIDENCE_NAMES & conditions.OTHER_NAMES


def test_engagement_is_what_the_engine_counts() -> None:
    from cadence import engine

    assert ENGAGED_OUTCOMES == set(engine.ENGAGEMENT_OUTCOMES)
    assert ENGAGED_EVENTS == set(engine.EVENT_COUNTERS)


@pytest.mark.parametrize(("narrow", "wide", "holds"), [
    ("engaged and score > 50", "engaged", True),
    ("qualified_count > 5 and engaged", "qualified_count >= 3", True),
    ("touches >= 7", "touches > 6", True),
    ("5 <= score", "score >= 3", True),
    ("touches_by_channel.email == 3", "touches_by_channel['email'] >= 2", True),
    ("engaged", "engaged and score > 50", False),
    ("score >= 3", "score >= 5", False),
    ("'budget' in qualified", "'urgency' in qualified", False),
    ("engaged or meetings > 0", "engaged", False),
])
def test_implies(narrow: str, wide: str, holds: bool) -> None:
    assert conditions.implies(narrow, wide) is holds


def test_constants_contradictions_and_guards() -> None:
    assert conditions.constant("true") is True and conditions.constant("1 > 2") is False
    assert conditions.constant("engaged") is None and conditions.constant("lead.x.__class__") is None
    assert conditions.never("score > 10 and score < 5") and conditions.never("false")
    assert not conditions.never("score > 10 or score < 5") and not conditions.never("touches >= 3 and score < 5")
    assert conditions.complementary("engaged", "not engaged") and not conditions.complementary("engaged", "not replies")
    assert [conditions.fewest_touches(c) for c in ("touches >= 7 and engaged", "touches > 6", "engaged", "touches < 9",
                                                   "7 <= touches", "touches >= 7 or engaged")] == [7, 7, 0, 0, 7, 0]
    assert conditions.reads_evidence("touches >= 7 and qualified_count > 2")
    assert not conditions.reads_evidence("touches >= 7 and days > 30 and lead.employees > 500")


@pytest.mark.parametrize(("text", "found"), [
    ("Example Corp, 500 W Madison St, Chicago, IL 60661", True),
    ("Example Corp · 1 Infinite Loop Suite 4, Cupertino", True),
    ("Example Ltd, 10 Downing Street, London SW1A 2AA", True),
    ("Example GmbH, Hauptstraße 5, Berlin", True),
    ("Example SAS, 12 rue de Rivoli, Paris", True),
    ("Example Inc., Toronto ON M5V 2T6", True),
    ("Example Corp, P.O. Box 1234", True),
    ("Example Corp, Chicago", False),
    ("<p>{{ sender }} · 7 touches over 3 months</p>", False),
    ("{# 500 W Madison St, Chicago, IL 60661 #}", False),
])
def test_postal_address_shapes(text: str, found: bool) -> None:
    assert has_postal_address(text) is found


MON_FRI = BusinessHours(days=(0, 1, 2, 3, 4), start="09:00", end="17:00")


@pytest.mark.parametrize(("window", "waits", "days", "touch_day", "email_day"), [
    (MON_FRI, (), 0, "Monday", "Monday"),
    (MON_FRI, (Duration(2, "days"),), 1, "Friday", "Monday"),
    (MON_FRI, (Duration(3, "days"),), 1, "Friday", "Monday"),
    (MON_FRI, (Duration(4, "days"),), 2, "Thursday", "Monday"),
    (MON_FRI, (Duration(2, "business_days"),), 2, "Monday", "Wednesday"),
    (MON_FRI, (Duration(16, "hours"),), 1, "Monday", "Tuesday"),
    (MON_FRI, (Duration(1, "days"), Duration(1, "days")), 1, "Friday", "Monday"),
    (None, (Duration(2, "days"),), 0, "Friday", "Sunday"),
    (BusinessHours(days=(1, 2, 3), start="10:00", end="16:00"), (Duration(30, "days"),), 13, "Thursday", "Tuesday"),
])
def test_fewest_business_days(window, waits, days, touch_day, email_day) -> None:
    gap = fewest_business_days(window, waits)
    assert (gap.days, f"{gap.touch_at:%A}", f"{gap.email_at:%A}") == (days, touch_day, email_day)
