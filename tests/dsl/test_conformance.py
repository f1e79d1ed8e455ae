"""The compiled schema check gives jsonschema's verdict, so skipping jsonschema for valid files loses no error."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from cadence.dsl.conformance import compile_schema
from cadence.dsl.loader import LoadError, load_file
from cadence.dsl.schema import conformance, validator
from tests.dsl.helpers import FIXTURES, ROOT


def _documents() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted([*FIXTURES.rglob("*.yaml"), *(ROOT / "cadences").glob("*.yaml")]):
        try:
            out[str(path.relative_to(ROOT))] = load_file(path).data
        except LoadError:
            continue
    return out


DOCUMENTS = _documents()


def test_the_shipped_schema_compiles_to_a_check() -> None:
    # None would still be correct (every file would go through jsonschema), but validate would be slow again.
    assert conformance() is not None


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_fixture_and_shipped_cadence_gets_jsonschemas_verdict(name: str) -> None:
    check = conformance()
    assert check is not None
    assert check(DOCUMENTS[name]) == validator().is_valid(DOCUMENTS[name])


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**6), st.sampled_from([0, 1, 1.0, 2.5, -1, 10**30, math.inf, math.nan]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "continue", "give-up", "intro-call", "Intro", "no_response", "5 days", "3 fortnights", "lead",
                     "UTC", "owner", "rep:ann", "queue:x", "rep:", "emails/intro.html.j2", "/abs", "a b", "drop", "person",
                     "letter", "a4", "history", "budget", "mon-fri 09:00-17:00", "us", "x" * 65, "x" * 300]),
    st.text(max_size=8),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(["id", "email", "goto", "x", "if",
                                                                                         "else", "template", "a_b"]),
                                                                       inner, max_size=3)),
                      max_leaves=6)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_paths(value, (*prefix, index)))
    return out


@st.composite
def mutants(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(DOCUMENTS[draw(st.sampled_from(sorted(DOCUMENTS)))])
    for _ in range(draw(st.integers(1, 3))):
        candidates = [p for p in _paths(data) if p]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        op = draw(st.sampled_from(["drop", "replace", "rename", "duplicate", "add"]))
        if op == "drop":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(values)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["x", "wait", "gate", "email", "lint", "Id"])) + str(key)[1:]] = parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif op == "add" and isinstance(parent[key], dict):
            parent[key][draw(st.text(max_size=6))] = draw(values)
        elif op == "add" and isinstance(parent[key], list):
            parent[key].append(draw(values))
    return data


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=mutants())
def test_mutated_documents_get_jsonschemas_verdict(data: Any) -> None:
    check = conformance()
    assert check is not None
    assert check(data) == validator().is_valid(data)


KEYWORD_CASES: list[tuple[dict[str, Any], list[Any]]] = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, False, "1", None, 10**30, math.inf, math.nan]),
    ({"type": "number"}, [1, 1.0, True, "1", math.nan, math.inf]),
    ({"type": ["string", "null"]}, ["", None, 0, False]),
    ({"type": "boolean"}, [True, 0, 1]),
    ({"type": "array"}, [[], (), {}, "x"]),
    ({"type": "object"}, [{}, [], None]),
    ({"enum": [1, "a", None, [1, True]]}, [1, 1.0, True, "a", None, [1, True], [1, 1], [True, True], False]),
    ({"enum": [True]}, [True, 1, 1.0]),
    ({"enum": ["a", "b"]}, ["a", "c", "", 1, None, True, ["a"], {"a": 1}]),
    ({"const": "continue"}, ["continue", "Continue", 0, None, ["continue"], {"continue": 1}]),
    ({"const": 0}, [0, 0.0, False, None, "0"]),
    ({"const": {"a": [1]}}, [{"a": [1]}, {"a": [True]}, {"a": [1], "b": 1}, {"a": (1,)}]),
    ({"uniqueItems": True}, [[1, True], [1, 1.0], [0, False], ["a", "a"], [[1], [True]], [{"a": 1}, {"a": 1}],
                             [1, "1"], [None, None], [math.nan, math.nan], "not a list"]),
    ({"uniqueItems": False}, [[1, 1]]),
    ({"minItems": 2, "maxItems": 3}, [[1], [1, 2], [1, 2, 3, 4], "ab"]),
    ({"items": {"type": "string"}}, [["a"], ["a", 1], [], {"a": 1}]),
    ({"pattern": "^a+$"}, ["aa", "ab", "", 5]),
    ({"pattern": "b"}, ["abc", "a"]),
    ({"minLength": 2, "maxLength": 3}, ["a", "ab", "abcd", "é\u0301", 12345]),
    ({"minimum": 1, "maximum": 3}, [0, 1, 3, 4, 2.5, True, "9", math.nan, -math.inf]),
    ({"exclusiveMinimum": 1, "exclusiveMaximum": 3}, [1, 2, 3, 1.0001]),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": False, "required": ["a"]},
     [{"a": "x"}, {"a": 1}, {}, {"a": "x", "b": 1}, [], "x"]),
    ({"properties": {"a": True}, "additionalProperties": {"type": "integer"}}, [{"a": "x", "b": 1}, {"b": "x"}]),
    ({"type": "object", "required": ["a"]}, [{"a": 1}, {}, [], "a", None]),
    ({"type": ["object", "string"], "required": ["a"], "minLength": 2}, [{"a": 1}, {}, "ab", "a", []]),
    ({"type": "array", "minItems": 1}, [[1], [], {}, "x"]),
    ({"type": "string", "pattern": "^a"}, ["ab", "b", 5, None]),
    ({"type": "integer", "minimum": 1, "maxLength": 2}, [1, 0, "1"]),
    ({"minProperties": 1, "maxProperties": 1}, [{}, {"a": 1}, {"a": 1, "b": 2}, []]),
    ({"propertyNames": {"pattern": "^[a-z]+$", "maxLength": 3}}, [{"ab": 1}, {"abcd": 1}, {"A": 1}, {}]),
    ({"anyOf": [{"const": "continue"}, {"type": "object", "minProperties": 1}]}, ["continue", {}, {"a": 1}, "x"]),
    ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, [1, 1.5, "x"]),
    ({"allOf": [{"type": "integer"}, {"minimum": 2}]}, [1, 2]),
    ({"not": {"type": "string"}}, ["x", 1]),
    ({"description": "d", "examples": [1], "title": "t", "format": "email"}, ["not an email", 1]),
    (True, [1]),
    (False, [1]),
]


@pytest.mark.parametrize(("schema", "instances"), KEYWORD_CASES)
def test_each_keyword_has_jsonschemas_semantics(schema: Any, instances: list[Any]) -> None:
    check = compile_schema(schema)
    assert check is not None
    reference = Draft202012Validator(schema, format_checker=None)
    for instance in instances:
        assert check(instance) == reference.is_valid(instance), instance


@pytest.mark.parametrize("schema", [{"$ref": "#/x"}, {"patternProperties": {"a": True}}, {"if": True},
                                    {"properties": {"a": {"unevaluatedProperties": False}}}, {"type": "decimal"}])
def test_a_keyword_it_does_not_compile_leaves_everything_to_jsonschema(schema: Any) -> None:
    assert compile_schema(schema) is None


def test_fixture_documents_were_found() -> None:
    assert len(DOCUMENTS) > 50
    assert any(not validator().is_valid(d) for d in DOCUMENTS.values())
    assert any(validator().is_valid(d) for d in DOCUMENTS.values())
