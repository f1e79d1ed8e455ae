"""Conditions evaluated without a Jinja context answer exactly what Jinja answers, errors included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cadence import templating
from cadence.dsl.compiler import compile_file

ROOT = Path(__file__).resolve().parents[2]

LEAD = {"id": "L-1", "company": "Acme", "first_name": "John", "last_name": "Doe", "employees": 250, "items": "a key"}
CONTEXTS: list[dict[str, Any]] = [
    {"lead": LEAD, "lists": {"competitors": ["rivalsoft.com"], "placeholder_companies": ["acme", "test"]},
     "email_domain": "uni.ac.uk", "qualified": ["competition", "budget"], "qualified_count": 2,
     "qualification": {"competition": {"value": "Signed with Rival"}, "budget": {"value": "50k"}},
     "missing": ["authority"], "score": 50, "engaged": True, "touches": 7, "replies": 1,
     "touches_by_channel": {"email": 3, "call": 4}, "last_outcome": None, "stage": "nurture"},
    {"lead": {"id": "L-2"}, "lists": {"competitors": []}, "email_domain": "", "qualified": [], "qualified_count": 0,
     "qualification": {}, "missing": [], "score": 0, "engaged": False, "touches": 0, "replies": 0,
     "touches_by_channel": {"email": 0}, "last_outcome": "missed", "stage": "track:stale-monthly"},
    {"lead": {"id": 3, "company": 42, "first_name": None}, "lists": None, "email_domain": None, "qualified": "x",
     "qualification": {"competition": "text, not a mapping"}, "touches": "7", "engaged": 0, "score": 12.5,
     "touches_by_channel": [], "result": 1, "range": 5},
]
EXPRESSIONS = [
    "lead.company is not defined or lead.company | lower in lists.placeholder_companies",
    "lead.first_name is defined and lead.last_name is defined and (lead.first_name ~ ' ' ~ lead.last_name) | lower in ['john doe']",
    "email_domain.endswith('.edu') or email_domain.endswith('.ac.uk')",
    "email_domain.endswith(('.edu', '.ac.uk'))",
    "touches >= 7 and qualified_count >= 6 and 'decision_maker_engaged' in qualified",
    "'competition' in qualified and 'signed with' in qualification.competition.value | lower",
    "touches_by_channel.email % 3 == 0",
    "touches_by_channel['email'] > 1 < 5",
    "1 < touches <= 10",
    "not engaged",
    "engaged and qualified_count >= 3",
    "meetings > 0 or (engaged and qualified_count >= 3)",
    "touches >= 10 and score < 25 and not engaged",
    "lead.items",
    "lead['items'] == 'a key'",
    "lead.company.upper() == 'ACME'",
    "lead.company.format() == 'Acme'",
    "lead.missing is defined",
    "lead.missing is undefined",
    "lead.missing.deeper is defined",
    "lead.company is none",
    "last_outcome is none",
    "undefined_name",
    "undefined_name is defined",
    "result",
    "range",
    "range(3) | length == 3",
    "[1, 2] | length == 2 and (1, 2)[1] == 2",
    "missing | length > 0",
    "qualification | length",
    "score / 0 > 1",
    "score // 2 + 1 - 1 * 2 > 3",
    "'a' ~ 1 == 'a1'",
    "touches > 'a'",
    "(touches if engaged else 0) > 1",
    "lists.competitors[0] == 'rivalsoft.com'",
    "lists.competitors[5]",
    "lead.company | upper | lower == 'acme'",
    "lead.company | default('none') == 'Acme'",
    "stage.startswith('track:')",
    "-score < 0",
    "touches in [7, 8]",
    "'nurture' not in stage",
    "lead.employees | lower",
    "{'a': 1}.a == 1",
]


def outcome(source: str, context: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "value", templating.evaluate(source, context)
    except templating.TemplateError as exc:
        return "error", str(exc)


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_closures_answer_as_jinja_does(source, monkeypatch):
    answered = [outcome(source, context) for context in CONTEXTS]
    monkeypatch.setattr(templating, "_fast_condition", lambda _source: None)
    assert answered == [outcome(source, context) for context in CONTEXTS]


def test_every_shipped_condition_runs_without_a_jinja_context():
    sources = []
    for path in sorted((ROOT / "cadences").glob("*.yaml")):
        plan = compile_file(path)
        for each in (plan, *plan.tracks):
            sources += [rule.condition for rule in each.prequalify]
            sources += [rule.condition for step in each.steps for rule in getattr(step, "rules", ()) if rule.condition]
    assert sources
    assert [s for s in sources if templating._fast_condition(s) is None] == []


def test_a_condition_that_does_not_parse_is_reported_as_before():
    with pytest.raises(templating.TemplateError, match="^expression 'touches >': "):
        templating.evaluate("touches >", {"touches": 1})
    assert templating.condition_names("touches >") is None
    assert templating.condition_names("touches > 1 and lead.company", "engaged") == {"touches", "lead", "engaged"}
    assert templating.condition_names("engaged") == {"engaged"}  # a name alone is the whole expression
